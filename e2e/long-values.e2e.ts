import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STEP_IDS, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: Debian's Chromium → browser host (built app) at 1440×900 and 1280×720. Long values (a 63-letter
// host name label, a fully qualified name, a deep key path) do not make any step's page or any of
// its tables scroll sideways, in English and in Chinese; where a value is cut short on screen,
// its full text is in a tooltip (title). No host is contacted: the addresses are never connected to.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let dir: string;

const LONG_NAME = 'rack12-chassis03-blade07-compute-node-for-the-customer-analytics';
const LONG_ADDRESS = 'compute-node-07.rack-12.datacenter-frankfurt-east.customer-analytics.example.com';
const LONG_KEY = '/home/technician/.ssh/customers/customer-analytics-frankfurt-east/deployment-2026-12/id_ed25519_commissioning';

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  wizard = new WizardPage(page);
  dir = await mkdtemp(join(tmpdir(), 'rs-e2e-long-'));
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

/** Elements wider than their box: the page, and every element that scrolls or clips sideways. */
async function sidewaysOverflow(): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) out.push(`page ${doc.scrollWidth} > ${doc.clientWidth}`);
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('.app-main, .app-main *'))) {
      const s = getComputedStyle(el);
      if (el.closest('[hidden]') || s.display === 'none') continue;
      const scrolls = s.overflowX === 'auto' || s.overflowX === 'scroll';
      if ((scrolls || el.tagName === 'TABLE') && el.scrollWidth > el.clientWidth + 1) {
        out.push(`${el.tagName.toLowerCase()}.${el.className || '-'}[${el.dataset.testid ?? ''}] ${el.scrollWidth} > ${el.clientWidth}`);
      }
    }
    return out;
  });
}

/** Text cut short on screen (ellipsis or clipped) without a title holding the full value. */
async function cutWithoutTooltip(): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('.app-main *'))) {
      if (el.children.length > 0 || !el.textContent?.trim()) continue;
      const s = getComputedStyle(el);
      if (s.display === 'none' || el.closest('[hidden]')) continue;
      const clipped = (s.overflowX === 'hidden' || s.textOverflow === 'ellipsis') && el.scrollWidth > el.clientWidth + 1;
      if (!clipped) continue;
      const titled = el.closest('[title]')?.getAttribute('title') ?? '';
      if (!titled.includes(el.textContent.trim())) out.push(`${el.tagName.toLowerCase()}.${el.className}: ${el.textContent.trim().slice(0, 60)}`);
    }
    // Inputs narrower than their value: the full value must be in the title.
    for (const el of Array.from(document.querySelectorAll<HTMLInputElement>('.app-main input:not([type=checkbox]):not([type=radio]):not([type=file]):not([type=password])'))) {
      if (el.value.length > 0 && el.scrollWidth > el.clientWidth + 1 && el.title !== el.value) out.push(`input[${el.dataset.testid ?? el.getAttribute('aria-label')}]: ${el.value.slice(0, 60)}`);
    }
    return out;
  });
}

const VIEWPORTS = [
  { width: 1440, height: 900, suffix: '' },
  { width: 1280, height: 720, suffix: '-1280' },
] as const;

describe.each(VIEWPORTS)('long values at $width×$height', ({ width, height, suffix }) => {
  for (const lang of ['en', 'zh-CN'] as const) {
    it(`no step's page scrolls sideways and every cut value has a tooltip (${lang})`, async () => {
      await page.setViewportSize({ width, height });
      await wizard.open(host.url);
      await wizard.setLanguage(lang);
      const csv = join(dir, `long-${lang}${suffix}.csv`);
      await writeFile(
        csv,
        ['name,address,port,user,role,auth,keyPath', `${LONG_NAME},${LONG_ADDRESS},22,root,master,key,${LONG_KEY}`, `${LONG_NAME.slice(0, 61)}-2,10.9.0.2,22,administrator-of-the-site,worker,key,${LONG_KEY}`].join('\n') + '\n',
      );
      await wizard.importInventory(csv);
      await expect.poll(() => wizard.rows().count(), { timeout: 15_000 }).toBe(2);
      await page.getByTestId('project-site').fill('Frankfurt East, customer analytics, hall 3, rows 12 to 14');
      await page.getByTestId('project-dir').fill(await mkdtemp(join(dir, `project-with-a-rather-long-folder-name-for-${lang}${suffix}-`)));
      await page.getByTestId('project-save').click();
      await page.getByTestId('project-message').waitFor();

      const found: Record<string, { overflow: string[]; cut: string[] }> = {};
      for (const step of STEP_IDS) {
        await wizard.step(step).click();
        await expect.poll(() => wizard.step(step).getAttribute('aria-current')).toBe('step');
        await page.waitForTimeout(300);
        const overflow = await sidewaysOverflow();
        const cut = await cutWithoutTooltip();
        if (overflow.length || cut.length) found[step] = { overflow, cut };
        await screenshot(page, `long-values-${step}-${lang}${suffix}`);
      }
      expect(found, JSON.stringify(found, null, 1)).toEqual({});
    });
  }
});
