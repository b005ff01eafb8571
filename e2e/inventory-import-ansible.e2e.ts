import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab } from '../scripts/test-support/lab.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: Debian's Chromium → browser host (built app) → the lab's real sshd.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let dir: string;
let addresses: string[];
let keyPath: string;

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  wizard = new WizardPage(page);
  dir = await mkdtemp(join(tmpdir(), 'rs-e2e-ansible-'));
  addresses = (await lab.status()).nodes.slice(0, 4).map((n) => n.address);
  keyPath = /keyPath:\s*(\S+)/.exec((await lab.inventoryText()).text)![1]!;
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

const prefix = () => addresses[0]!.replace(/\.\d+$/, '.');
const last = (a: string) => Number(a.split('.').pop());

describe('Ansible inventory import into a non-empty inventory', () => {
  it('merges an INI inventory with a range by address: unchanged hosts keep their trusted keys, the new one is asked about once', async () => {
    await wizard.open(host.url);
    // The inventory the technician already has: nodes 1–3, keys confirmed.
    const current = ['hosts:', ...addresses.slice(0, 3).flatMap((a, i) => [
      `  - name: node${i + 1}`, `    address: ${a}`, `    role: ${i === 0 ? 'master' : 'worker'}`, '    auth:', '      method: key', `      keyPath: ${keyPath}`,
    ])].join('\n');
    const currentPath = join(dir, 'current.yaml');
    await writeFile(currentPath, `${current}\n`);
    await wizard.importInventory(currentPath);
    await wizard.waitForRows((rows) => rows.length === 3);
    await wizard.testConnections();
    await wizard.waitForRows((rows) => rows.every((r) => r.status === 'hostkey-unknown'));
    // "Trust all shown fingerprints" lists every key it would trust, and asks once.
    const listed = await wizard.trustAllList();
    const shown = await wizard.hostRows();
    expect(listed).toHaveLength(3);
    for (const [i, r] of shown.entries()) expect(listed[i]).toContain(r.fingerprint.match(/SHA256:\S{43}/)![0]);
    await page.getByTestId('trust-all-confirm').click();
    const trusted = await wizard.waitForRows((rows) => rows.every((r) => r.status === 'ok'));

    // The customer's inventory, written the way Ansible's guide writes one: a range, nested groups, all:vars.
    const p = prefix();
    const ini = [
      '# customer inventory',
      '[masters]',
      `node1 ansible_host=${addresses[0]}`,
      '',
      '[workers]',
      `${p}[${last(addresses[1]!)}:${last(addresses[3]!)}]`,
      '',
      '[windows]',
      `win01 ansible_host=${p}250 ansible_connection=winrm`,
      '',
      '[cluster:children]',
      'masters',
      'workers',
      '',
      '[all:vars]',
      'ansible_user=root',
      `ansible_ssh_private_key_file=${keyPath}`,
      'ansible_become=true',
    ].join('\n');
    const iniPath = join(dir, 'hosts');
    await writeFile(iniPath, `${ini}\n`);
    await wizard.importInventory(iniPath);

    // The dialog: the rule, the role per host, what was not imported, and merge or replace.
    expect(await wizard.importDialogHosts()).toEqual([
      { address: addresses[0], role: 'master' },
      { address: addresses[1], role: 'worker' },
      { address: addresses[2], role: 'worker' },
      { address: addresses[3], role: 'worker' },
    ]);
    expect(await page.getByTestId('import-role-rule').innerText()).toMatch(/master, masters, control, controller, head or manager/);
    const notes = await page.getByTestId('import-note').allInnerTexts();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/win01: ansible_connection=winrm is not SSH; the host was not imported \(line 9\)/);
    const changes = await wizard.importChanges();
    expect(changes.map((c) => [c.kind, c.address])).toEqual([
      ['added', addresses[3]],
      ['changed', addresses[1]],
      ['changed', addresses[2]],
      ['unchanged', addresses[0]],
    ]);
    expect(changes[1]!.text).toContain(`Name: node2 → ${addresses[1]}`);
    await wizard.chooseImportMode('merge');
    await screenshot(page, 'inventory-import-ansible-dialog-en');
    await wizard.confirmImport();

    // Result rows: the three already there keep their order and their confirmed connection; the range's new host is added.
    const rows = await wizard.waitForRows((r) => r.length === 4);
    expect(rows.map((r) => [r.address, r.status])).toEqual([
      [addresses[0], 'ok'],
      [addresses[1], 'ok'],
      [addresses[2], 'ok'],
      [addresses[3], 'untested'],
    ]);
    expect(rows.slice(0, 3).map((r) => r.fingerprint)).toEqual(trusted.map((r) => r.fingerprint));
    expect(await page.getByTestId('host-name').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(['node1', addresses[1], addresses[2], addresses[3]]);
    expect(await page.getByTestId('host-role').evaluateAll((els) => els.map((e) => (e as HTMLSelectElement).value))).toEqual(['master', 'worker', 'worker', 'worker']);
    const result = await wizard.importResult();
    expect(result.kind).toBe('ok');
    expect(result.text).toContain('1 added, 2 changed, 0 removed, 1 unchanged.');
    expect(result.text).toContain('win01: ansible_connection=winrm is not SSH');

    // Testing again: the kept hosts' keys are still trusted; only the new host asks, and Trust all lists just it.
    await wizard.testConnections();
    const retested = await wizard.waitForRows((r) => r.every((x) => x.status === 'ok' || x.status === 'hostkey-unknown') && r.some((x) => x.status === 'hostkey-unknown'));
    expect(retested.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'hostkey-unknown']);
    const again = await wizard.trustAllList();
    expect(again).toHaveLength(1);
    expect(again[0]).toContain(addresses[3]);
    await page.getByTestId('trust-all-confirm').click();
    await wizard.waitForRows((r) => r.every((x) => x.status === 'ok'));

    // The same dialog in 中文: the merge choice, the role rule and the note, no raw placeholders.
    await wizard.setLanguage('zh-CN');
    await wizard.importInventory(iniPath);
    await wizard.importDialog().waitFor();
    const zh = await eventually(() => wizard.importDialog().innerText(), (t) => t.includes('合并'));
    expect(zh).toContain('规则：名称类似 master');
    expect(zh).toContain('win01：ansible_connection=winrm 不是 SSH；该主机未导入');
    expect(zh).not.toMatch(/\{\{|Merge:|Rule:/);
    await screenshot(page, 'inventory-import-ansible-dialog-zh');
    await page.getByTestId('import-cancel').click();
    await wizard.setLanguage('en');
  });
});
