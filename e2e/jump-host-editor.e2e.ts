import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab, type LabStatus } from '../scripts/test-support/lab.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: Chromium → browser host (built app) → the lab's real sshd, node 4 reachable only
// through node 1 (`lab isolate 4 --via 1`). The jump host is typed in node 4's row, logging in to
// node 1 as `lab` with a password through the secret input. Nothing is mocked.
let status: LabStatus;
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let projectDir: string;
const addr = (i: number) => status.nodes[i - 1]!.address;
const fingerprint = async (i: number) => (await lab.exec(i, 'ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub')).split(' ')[1]!;

beforeAll(async () => {
  status = await lab.status();
  host = await startBrowserHost();
  await lab.run('isolate', '4', '--via', '1');
  projectDir = join(await mkdtemp(join(tmpdir(), 'rs-e2e-jump-')), 'site-jump');
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 1100 } });
  wizard = new WizardPage(page);
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await lab.run('isolate', '4', '--clear').catch(() => {});
});

describe('A host\'s own jump host in the row editor', () => {
  it('added to node 4 (node 1, password login), tested, saved to project.yaml, then removed again', async () => {
    await wizard.open(host.url);
    await wizard.importInventory((await lab.inventoryText()).path);
    await wizard.waitForRows((rows) => rows.length === 4);
    const node4 = wizard.rows().nth(3);

    await node4.getByTestId('jump-add').click();
    // Validation names the jump host's field, in both languages.
    await node4.getByTestId('jump-port').fill('ssh');
    const errors = () => node4.getByTestId('field-error').allInnerTexts();
    await eventually(errors, (e) => e.some((t) => t.includes('jump host address')) && e.some((t) => t.includes('jump host port')));
    await wizard.setLanguage('zh-CN');
    await eventually(errors, (e) => e.some((t) => t.includes('跳板机地址')) && e.some((t) => t.includes('跳板机端口')));
    await wizard.setLanguage('en');

    await node4.getByTestId('jump-address').fill(addr(1));
    await node4.getByTestId('jump-port').fill('22');
    await node4.getByTestId('jump-user').fill('lab');
    await node4.getByTestId('jump-auth').selectOption('password');
    const secret = node4.getByTestId('jump-password');
    await secret.fill(status.password);
    await secret.press('Enter');
    await eventually(() => node4.getByTestId('jump-password-state').getAttribute('data-set'), (v) => v === 'true');
    expect(await secret.inputValue()).toBe('');
    expect(await node4.getByTestId('field-error').count()).toBe(0);
    await screenshot(page, 'jump-host-editor-filled');

    // Confirm each key as the UI asks: node 4's row first shows node 1's key, as the jump host's.
    await wizard.testConnections();
    await wizard.waitForRows((rows) => rows.every((r) => r.status === 'hostkey-unknown'));
    const node1Fp = await fingerprint(1);
    expect(await node4.getByTestId('host-fingerprint').innerText()).toContain(node1Fp);
    expect(await node4.getByTestId('key-of-jump').innerText()).toContain(`${addr(1)}:22`);
    await wizard.trustAllShownFingerprints();
    await wizard.waitForRows((rows) => rows.slice(0, 3).every((r) => r.status === 'ok') && rows[3]!.status === 'hostkey-unknown' && !rows[3]!.fingerprint.includes(node1Fp));
    expect(await node4.getByTestId('host-fingerprint').innerText()).toContain(await fingerprint(4));
    await wizard.trustAllShownFingerprints();
    const ok = await wizard.waitForRows((rows) => rows.every((r) => r.status === 'ok'));
    expect(ok.map((r) => r.hostname)).toEqual(['node1', 'node2', 'node3', 'node4']);
    await screenshot(page, 'jump-host-editor-connected');

    await wizard.fillProject({ site: 'Jump lab', customer: 'ACME Corp', technician: 'E2E Tech', dir: projectDir });
    expect((await wizard.save()).kind).toBe('ok');
    let yaml = await readFile(join(projectDir, 'project.yaml'), 'utf8');
    expect(yaml.match(/^\s+jump:$/gm)).toHaveLength(1);
    const entry = yaml.slice(yaml.indexOf(`address: ${addr(4)}`));
    expect(entry).toMatch(new RegExp(`jump:\\n\\s+address: ${addr(1).replace(/\./g, '\\.')}\\n\\s+port: 22\\n\\s+user: lab\\n\\s+auth:\\n\\s+method: password`));
    // The lab's state folder name contains the lab password: look past it.
    expect(yaml.split(status.stateDir).join('')).not.toContain(status.password);

    await node4.getByTestId('jump-remove').click();
    expect(await node4.getByTestId('jump-editor').count()).toBe(0);
    expect(await node4.getByTestId('jump-add').count()).toBe(1);
    expect((await wizard.save()).kind).toBe('ok');
    yaml = await eventually(() => readFile(join(projectDir, 'project.yaml'), 'utf8'), (y) => !y.includes('jump:'));
    expect(yaml).toContain(`address: ${addr(4)}`);
  });
});
