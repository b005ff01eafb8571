import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HOSTS_PER_PROJECT } from '../electron/contract/index.js';
import { WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: Debian's Chromium → browser host (built app). The supported maximum of hosts per
// project (limits.ts) where hosts come in: a file import and a merge into the inventory.
// No host is contacted: the addresses are never connected to.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let dir: string;

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  wizard = new WizardPage(page);
  dir = await mkdtemp(join(tmpdir(), 'rs-e2e-limit-'));
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

/** A CSV of `n` hosts in 10.9.0.0/16 from `from` on, the first a master. */
async function csv(name: string, n: number, from = 0): Promise<string> {
  const rows = Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return `n${i},10.9.${i >> 8}.${i & 255},${k === 0 ? 'master' : 'worker'}`;
  });
  const path = join(dir, name);
  await writeFile(path, ['name,address,role', ...rows].join('\n') + '\n');
  return path;
}

describe('the supported maximum of hosts per project', () => {
  it('a file of one host more than the maximum is refused, saying so in English and in Chinese', async () => {
    await wizard.open(host.url);
    await wizard.importInventory(await csv('over-en.csv', MAX_HOSTS_PER_PROJECT + 1));
    expect(await wizard.importErrors()).toEqual([
      `hosts: ${MAX_HOSTS_PER_PROJECT + 1} in the inventory, and a project holds at most ${MAX_HOSTS_PER_PROJECT}; split the site into several projects`,
    ]);
    await expect.poll(() => wizard.rows().count()).toBe(0);

    await wizard.setLanguage('zh-CN');
    await wizard.importInventory(await csv('over-zh.csv', MAX_HOSTS_PER_PROJECT + 1));
    await expect
      .poll(() => page.getByTestId('import-error').allInnerTexts())
      .toEqual([`主机：清单中有 ${MAX_HOSTS_PER_PROJECT + 1} 台，而一个项目最多 ${MAX_HOSTS_PER_PROJECT} 台；请把站点分成多个项目`]);
    await page.getByTestId('import-errors').scrollIntoViewIfNeeded();
    await screenshot(page, 'host-limit-import-zh-CN');
    await wizard.setLanguage('en');
  });

  it('a merge that would go over the maximum is refused in the dialog; replacing with the maximum may go ahead', async () => {
    await wizard.open(host.url);
    await wizard.importInventory(await csv('one.csv', 1, 5000));
    await expect.poll(() => wizard.rows().count()).toBe(1);

    await wizard.importInventory(await csv('max.csv', MAX_HOSTS_PER_PROJECT));
    await wizard.importDialog().waitFor({ timeout: 30_000 });
    await wizard.chooseImportMode('merge');
    const banner = page.getByTestId('import-too-many');
    expect(await banner.innerText()).toBe(
      `With this import the inventory would have ${MAX_HOSTS_PER_PROJECT + 1} hosts, and a project holds at most ${MAX_HOSTS_PER_PROJECT}: import fewer hosts, or replace instead of merging.`,
    );
    expect(await page.getByTestId('import-confirm').isDisabled()).toBe(true);
    await screenshot(page, 'host-limit-merge-en');

    await wizard.chooseImportMode('replace');
    await expect.poll(() => banner.count()).toBe(0);
    expect(await page.getByTestId('import-confirm').isDisabled()).toBe(false);
    // Not confirmed: showing 1000 rows is the inventory table's own budget (issue 21, virtualised
    // lists), not this limit's.
    await page.getByTestId('import-cancel').click();
    await expect.poll(() => wizard.rows().count()).toBe(1);
  });
});
