import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: Debian's Chromium → browser host (built app). The BMCs of an inventory file (the
// `bmc`, `bmcPort`, `bmcUser`, `bmcPassword` columns) arrive in each row's BMC editor, their
// passwords in the secret store (never in project.yaml); a file with BMC mistakes is refused with
// each one worded in the UI's language. No host or BMC is contacted.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let dir: string;

const CANARY = 'ipmi-Canary-4k2';

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  wizard = new WizardPage(page);
  dir = await mkdtemp(join(tmpdir(), 'rs-e2e-bmc-import-'));
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('inventory import: BMCs', () => {
  it('imports each host\'s BMC into its row; the BMC passwords go to the secret store, not into project.yaml', async () => {
    await wizard.open(host.url);
    const csv = join(dir, 'with-bmc.csv');
    await writeFile(csv, [
      'name,address,role,auth,keyPath,bmc,bmcPort,bmcUser,bmcPassword',
      `m1,10.9.0.1,master,key,/k/id,10.9.1.1,,ADMIN,${CANARY}`,
      `w1,10.9.0.2,worker,key,/k/id,10.9.1.2,6232,ops,${CANARY}-2`,
      'w2,10.9.0.3,worker,key,/k/id,,,,',
    ].join('\n') + '\n');
    await wizard.importInventory(csv);
    await expect.poll(() => wizard.rows().count(), { timeout: 15_000 }).toBe(3);
    const [m1, w1, w2] = await wizard.rows().all();
    expect(await m1!.getByTestId('bmc-address').inputValue()).toBe('10.9.1.1');
    expect(await m1!.getByTestId('bmc-port').inputValue()).toBe('623');
    expect(await m1!.getByTestId('bmc-user').inputValue()).toBe('ADMIN');
    expect(await w1!.getByTestId('bmc-port').inputValue()).toBe('6232');
    expect(await w1!.getByTestId('bmc-user').inputValue()).toBe('ops');
    await expect.poll(() => m1!.getByTestId('bmc-password-state').getAttribute('data-set')).toBe('true');
    await expect.poll(() => w1!.getByTestId('bmc-password-state').getAttribute('data-set')).toBe('true');
    expect(await w2!.getByTestId('bmc-editor').count()).toBe(0);
    expect(await w2!.getByTestId('bmc-add').count()).toBe(1);
    await m1!.getByTestId('bmc-editor').scrollIntoViewIfNeeded();
    await screenshot(page, 'inventory-bmc-import-en');

    const projectDir = join(dir, 'project');
    await page.getByTestId('project-dir').fill(projectDir);
    await page.getByTestId('project-save').click();
    await page.getByTestId('project-message').waitFor();
    const yaml = await readFile(join(projectDir, 'project.yaml'), 'utf8');
    expect(yaml).toContain('10.9.1.2');
    expect(yaml).not.toContain(CANARY);
  });

  it('a merge lists the BMCs it changes or brings, by host, and applies them', async () => {
    const csv = join(dir, 'merge-bmc.csv');
    await writeFile(csv, [
      'name,address,role,auth,keyPath,bmc,bmcPort,bmcUser',
      'm1,10.9.0.1,master,key,/k/id,10.9.1.1,,ROOT',
      'w1,10.9.0.2,worker,key,/k/id,10.9.1.2,6232,ops',
      'w2,10.9.0.3,worker,key,/k/id,10.9.1.3,,ops3',
    ].join('\n') + '\n');
    await wizard.importInventory(csv);
    await wizard.chooseImportMode('merge');
    const changes = await wizard.importChanges();
    const changed = changes.filter((c) => c.kind === 'changed').map((c) => c.text).join('\n');
    expect(changed).toContain('ADMIN@10.9.1.1:623');
    expect(changed).toContain('ROOT@10.9.1.1:623');
    expect(changed).toContain('ops3@10.9.1.3:623');
    expect(changes.filter((c) => c.kind === 'unchanged').map((c) => c.address)).toEqual(['10.9.0.2']);
    await page.getByTestId('import-changes').scrollIntoViewIfNeeded();
    await screenshot(page, 'inventory-bmc-import-merge-en');
    await wizard.confirmImport();
    const rows = await wizard.rows().all();
    expect(rows).toHaveLength(3);
    expect(await rows[0]!.getByTestId('bmc-user').inputValue()).toBe('ROOT');
    expect(await rows[2]!.getByTestId('bmc-address').inputValue()).toBe('10.9.1.3');
    // The passwords stored for the first import stay with their hosts.
    expect(await rows[0]!.getByTestId('bmc-password-state').getAttribute('data-set')).toBe('true');
  });

  it('refuses a file with BMC mistakes, each named by row and field in 中文, and changes nothing', async () => {
    await wizard.setLanguage('zh-CN');
    const before = await wizard.rows().count();
    const bad = join(dir, 'bad-bmc.csv');
    await writeFile(bad, [
      'address,role,bmc,bmcPort,bmcUser,bmcPassword,colour',
      '10.9.0.11,master,10.9.1.11,,,,',
      '10.9.0.12,worker,,,ADMIN,x,',
      '10.9.0.13,worker,10.9.1.300,70000,ADMIN,,blue',
    ].join('\n') + '\n');
    await wizard.importInventory(bad);
    const errors = await wizard.importErrors();
    const all = errors.join('\n');
    expect(all).toContain('BMC 用户');
    expect(all).toContain('需要填写登录 BMC 所用的用户名');
    expect(all).toContain('没有 bmc（BMC 的地址）');
    expect(all).toContain('BMC 端口');
    expect(all).toContain('未知字段“colour”');
    // No English sentence of the backend on the screen.
    expect(all).not.toMatch(/\b(is empty|without|must be|unknown field|not a valid)\b/);
    expect(await wizard.rows().count()).toBe(before);
    await page.getByTestId('import-errors').scrollIntoViewIfNeeded();
    await screenshot(page, 'inventory-bmc-import-errors-zh-cn');
    await wizard.setLanguage('en');
  });
});
