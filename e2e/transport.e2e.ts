import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab } from '../scripts/test-support/lab.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: what reaches the browser host over its socket, and what the page does when the host
// it talks to is gone or replaced.
let browser: Browser;
let page: Page;
let wizard: WizardPage;
const hosts: RunningHost[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
  await page?.close();
});

afterAll(async () => {
  await browser?.close();
  for (const h of hosts) await h.stop();
});

const newPage = async () => {
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  wizard = new WizardPage(page);
  return page;
};

describe('Large files and a restarted backend', () => {
  it('refuses a 9.4 MB inventory chosen in the page with a clear answer in both languages, stays up, and imports it from its path', async () => {
    const host = await startBrowserHost();
    hosts.push(host);
    await newPage();
    await wizard.open(host.url);

    // The lab's inventory, valid, padded with comment lines to 9.4 MB.
    const { text } = await lab.inventoryText();
    const line = `# ${'padding '.repeat(12)}\n`;
    const big = text + line.repeat(Math.ceil((9.4 * 1024 * 1024 - text.length) / line.length));
    const path = join(await mkdtemp(join(tmpdir(), 'rs-e2e-big-')), 'big-inventory.yaml');
    await writeFile(path, big);

    await wizard.importInventory(path);
    const refused = await wizard.importResult();
    expect(refused.kind).toBe('error');
    expect(refused.text).toContain('File too large: 9.4 MB, the limit is 4 MB');
    expect(refused.text).toContain('read by the backend from disk');
    await page.getByTestId('import-result').scrollIntoViewIfNeeded();
    await screenshot(page, 'transport-import-too-large-en');

    await wizard.setLanguage('zh-CN');
    const zh = await eventually(() => page.getByTestId('import-result').innerText(), (t) => t.includes('文件过大'));
    expect(zh).toContain('文件过大：9.4 MB，上限为 4 MB');
    expect(zh).not.toMatch(/\{\{|File too large/);
    await page.getByTestId('import-result').scrollIntoViewIfNeeded();
    await screenshot(page, 'transport-import-too-large-zh');
    await wizard.setLanguage('en');

    // The backend is still there, on the same connection: the path is read from disk instead.
    expect(await page.getByTestId('backend-status').getAttribute('data-state')).toBe('open');
    await wizard.importFromPath(path);
    const labAddresses = (await lab.status()).nodes.slice(0, 4).map((n) => n.address);
    await wizard.waitForRows((rows) => rows.length === 4);
    expect((await wizard.hostRows()).map((r) => r.address)).toEqual(labAddresses);
    expect((await wizard.importResult()).kind).toBe('ok');
    // Signal 0 only asks whether the host process is still there.
    expect(() => process.kill(host.pid!, 0)).not.toThrow();
  });

  it('says when nothing answers, then that the backend restarted and to open the new address when the host comes back with a new token', async () => {
    const first = await startBrowserHost();
    hosts.push(first);
    await newPage();
    await wizard.open(first.url);
    const port = new URL(first.url).port;

    await first.stop();
    // Nothing answers at the page's address yet: it says so, and keeps retrying.
    const unreachable = page.getByTestId('backend-unreachable');
    await unreachable.waitFor({ timeout: 30_000 });
    expect(await unreachable.innerText()).toContain('If “npm start” is not running, start it');
    expect(await page.getByTestId('backend-status').getAttribute('data-state')).toBe('unreachable');
    // The same address, a new process and so a new token: this page's token is refused for good.
    const second = await startBrowserHost({ args: ['--port', port] });
    hosts.push(second);
    expect(new URL(second.url).port).toBe(port);

    const banner = page.getByTestId('backend-restarted');
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.innerText()).toContain('Open the new address printed by “npm start”');
    expect(await page.getByTestId('backend-status').getAttribute('data-state')).toBe('stale');
    expect(await unreachable.count()).toBe(0);
    await screenshot(page, 'transport-backend-restarted-en');
    await wizard.setLanguage('zh-CN');
    expect(await banner.innerText()).toContain('请打开 “npm start” 新打印的地址');

    // The address it printed works.
    await wizard.open(second.url);
    expect(await page.getByTestId('backend-restarted').count()).toBe(0);
  });
});
