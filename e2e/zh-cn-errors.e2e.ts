import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetworkPage } from './pages/network-page.js';
import { ReportPage } from './pages/report-page.js';
import { TerminalPage } from './pages/terminal-page.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// The backend's refusals, provoked in 中文: each is worded from the locale files (reasons.*,
// network.issue.*), not shown as the backend's English sentence. No lab node is needed: the hosts
// are 127.0.0.1 on port 1, where a real TCP connection is refused at once.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let net: NetworkPage;
let term: TerminalPage;
let report: ReportPage;

/** Three or more English words in a row: a sentence or phrase left untranslated (as in zh-cn.e2e.ts). */
const ENGLISH_RUN = /[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}/g;
/** Names, addresses, paths and tools that stay as they are in Chinese text. */
const KEEP = [/\/[\w./-]+/g, /\b(?:sshd|ssh|Rackside)\b/g, /\bdirect\b|\bvia-jump\b/g];

/** What the technician reads in `el`: it must be Chinese, and hold no English run. */
async function expectChinese(el: Locator, what: string): Promise<string> {
  await el.waitFor();
  const text = (await el.innerText()).replace(/\s+/g, ' ').trim();
  let rest = text;
  for (const k of KEEP) rest = rest.replace(k, ' ');
  expect(text, what).toMatch(/[\u4e00-\u9fff]/);
  expect([...rest.matchAll(ENGLISH_RUN)].map((m) => m[0]), `${what}: ${text}`).toEqual([]);
  return text;
}

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  wizard = new WizardPage(page);
  net = new NetworkPage(page);
  term = new TerminalPage(page);
  report = new ReportPage(page);
  // One host reached directly, one through a jump host: both on 127.0.0.1:1, which refuses.
  const csv = join(await mkdtemp(join(tmpdir(), 'rs-e2e-zh-err-')), 'hosts.csv');
  await writeFile(csv, [
    'name,address,port,user,role,auth,password,jump,jumpAuth,jumpPassword',
    'direct,127.0.0.1,1,root,master,password,x,,,',
    'via-jump,10.255.0.9,22,root,worker,password,x,root@127.0.0.1:1,password,x',
    '',
  ].join('\n'));
  await wizard.open(host.url);
  await wizard.setLanguage('zh-CN');
  await wizard.importInventory(csv);
  await wizard.waitForRows((rows) => rows.length === 2);
  await wizard.fillProject({ site: '上海', technician: 'E2E', dir: join(await mkdtemp(join(tmpdir(), 'rs-e2e-zh-err-p-')), 'p') });
  expect((await wizard.save()).kind).toBe('ok');
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-zh-cn-errors-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('backend errors in Simplified Chinese', () => {
  it('a network plan saved with a bad address: the refusal and each of its rows in Chinese', async () => {
    await net.open();
    await net.setHost('127.0.0.1', { hostname: 'direct', name: 'eth0', address: '10.0.0.999', prefix: '24' });
    const saved = await net.savePlan();
    expect(saved.saved).toBe(false);
    const error = page.getByTestId('network-error');
    const text = await expectChinese(error, 'network.savePlan refusal');
    expect(text).toContain('10.0.0.999');
    for (const row of await error.locator('li').all()) await expectChinese(row, 'network.savePlan row');
    await screenshot(page, 'zh-cn-error-network-plan');
  });

  it('a terminal to a host that refuses, and to one behind a jump host that refuses', async () => {
    await term.page.getByTestId('terminal-host-select').selectOption({ label: 'direct' });
    await term.page.getByTestId('terminal-open-host').click();
    const direct = await eventually(() => term.errorText(), (t) => t !== '', 20_000);
    expect(direct).toContain('连接被拒绝');
    await expectChinese(page.getByTestId('terminal-error'), 'terminal to a refusing host');

    await term.page.getByTestId('terminal-host-select').selectOption({ label: 'via-jump' });
    await term.page.getByTestId('terminal-open-host').click();
    const jumped = await eventually(() => term.errorText(), (t) => t !== direct && t !== '', 20_000);
    expect(jumped).toContain('跳板机');
    await expectChinese(page.getByTestId('terminal-error'), 'terminal behind a refusing jump host');
    await screenshot(page, 'zh-cn-error-terminal');
  });

  it('report verify before any export (no reports folder)', async () => {
    await report.open();
    await page.getByTestId('report-verify').click();
    const text = await expectChinese(page.getByTestId('report-error'), 'report.verify refusal');
    expect(text).toContain('不存在');
    expect(text).toContain('校验失败');
    await screenshot(page, 'zh-cn-error-report-verify');
  });
});
