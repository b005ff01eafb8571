/**
 * Renders resources/icons/rackside.svg to the PNG sizes the installers need (electron-builder takes
 * the 512 and 1024 px ones and builds .ico/.icns from them; Linux desktops use the set), with
 * Debian's Chromium, so no image library is needed. The PNGs are committed; run this after
 * changing the SVG:  npx tsx scripts/build/icons.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;
const dir = join(import.meta.dirname, '..', '..', 'resources', 'icons');

async function main() {
  const svg = await readFile(join(dir, 'rackside.svg'), 'utf8');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
  try {
    for (const size of ICON_SIZES) {
      const page = await browser.newPage({ viewport: { width: size, height: size } });
      await page.setContent(`<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`);
      await writeFile(join(dir, `${size}x${size}.png`), await page.screenshot({ omitBackground: true }));
      await page.close();
    }
  } finally {
    await browser.close();
  }
  console.warn(`wrote ${ICON_SIZES.map((s) => `${s}x${s}.png`).join(', ')} in ${dir}`);
}

await main();
