import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab, type LabStatus } from '../scripts/test-support/lab.js';
import { RunbookPage } from './pages/runbook-page.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: Chromium → browser host (built app) → the lab's real sshd, with a real ssh-agent
// (the browser host's SSH_AUTH_SOCK), node 4 reachable only through node 1 (`lab isolate 4 --via 1`)
// and sudo as the lab's `lab` user, which asks for a password. Nothing is mocked.
const run = promisify(execFile);
let status: LabStatus;
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let agent: ChildProcess | undefined;
let projectDir: string;
let csvPath: string;
const addr = (i: number) => status.nodes[i - 1]!.address;
const authSockBefore = process.env.SSH_AUTH_SOCK;

beforeAll(async () => {
  status = await lab.status();
  const sock = join(await mkdtemp(join(tmpdir(), 'rs-e2e-agent-')), 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  await eventually(
    () => run('ssh-add', [status.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock } }).then(() => true, () => false),
    (added) => added,
  );
  // The browser host inherits it, as the desktop app inherits the session's agent.
  process.env.SSH_AUTH_SOCK = sock;
  host = await startBrowserHost();
  await lab.run('isolate', '4', '--via', '1');
  const dir = await mkdtemp(join(tmpdir(), 'rs-e2e-login-'));
  projectDir = join(dir, 'site-login');
  csvPath = join(dir, 'hosts.csv');
  await writeFile(
    csvPath,
    ['name,address,user,role,auth,keyPath', `node2,${addr(2)},lab,master,agent,`, `node4,${addr(4)},root,worker,key,${status.keyPath}`].join('\n') + '\n',
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  wizard = new WizardPage(page);
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await lab.run('isolate', '4', '--clear').catch(() => {});
  if (agent?.pid) process.kill(agent.pid);
  if (authSockBefore === undefined) delete process.env.SSH_AUTH_SOCK;
  else process.env.SSH_AUTH_SOCK = authSockBefore;
  for (const i of [2, 4]) await lab.exec(i, 'rm', '-rf', '/var/lib/rackside', '/run/lock/rackside').catch(() => {});
});

describe('Every login option through the UI', () => {
  it('agent login, a bastion for a host reachable only through it, "accept new" host keys and a sudo password: connection test, save, and a step run', async () => {
    await wizard.open(host.url);
    await wizard.importInventory(csvPath);
    await wizard.waitForRows((rows) => rows.length === 2);
    expect(await page.getByTestId('host-auth').nth(0).inputValue()).toBe('agent');

    await page.getByTestId('hostkey-policy').selectOption('accept-new');
    await page.getByTestId('bastion-address').fill(addr(1));
    await page.getByTestId('bastion-user').fill('root');
    await page.getByTestId('bastion-auth').selectOption('key');
    await page.getByTestId('bastion-keypath').fill(status.keyPath);
    await screenshot(page, 'login-options-settings');

    // node2 logs in as `lab`: its sudo password goes to the secret store, never into the page state.
    const sudo = wizard.rows().nth(0).getByTestId('host-sudo');
    await sudo.fill(status.password);
    await sudo.press('Enter');
    await eventually(() => wizard.rows().nth(0).getByTestId('sudo-state').getAttribute('data-set'), (v) => v === 'true');
    expect(await sudo.inputValue()).toBe('');

    // No fingerprint to confirm: "accept new" records each key on first contact (bastion's too).
    await wizard.testConnections();
    const connected = await wizard.waitForRows((rows) => rows.every((r) => r.status === 'ok'));
    expect(connected.map((r) => r.hostname)).toEqual(['node2', 'node4']);
    expect(await page.getByTestId('key-accepted-new').count()).toBe(2);
    const knownHosts = await readFile(join(host.dataDir, 'known_hosts'), 'utf8');
    for (const i of [1, 2, 4]) expect(knownHosts).toContain(`${addr(i)} ssh-ed25519 `);
    await screenshot(page, 'login-options-connected');

    await wizard.fillProject({ site: 'Login lab', customer: 'ACME Corp', technician: 'E2E Tech', dir: projectDir });
    expect((await wizard.save()).kind).toBe('ok');
    const yaml = await readFile(join(projectDir, 'project.yaml'), 'utf8');
    expect(yaml).toMatch(/hostKeyPolicy: accept-new/);
    expect(yaml).toMatch(/bastion:\n\s+address: [\d.]+\n/);
    expect(yaml).toContain('method: agent');
    // The lab's state folder name contains the lab password: look past it.
    expect(yaml.split(status.stateDir).join('')).not.toContain(status.password);

    // A step's run: the preflight (its work folder needs sudo as `lab`) on both hosts.
    await wizard.step('hardware').click();
    const runner = new RunbookPage(page, 'preflight');
    await runner.waitVisible();
    const plan = await runner.preview();
    expect(plan.map((h) => h.address)).toEqual([addr(2), addr(4)]);
    expect(plan[0]!.commands.some((c) => c.includes("exec sudo -S -p '[rackside-sudo-prompt]' -- "))).toBe(true);
    expect(await runner.runToEnd()).toBe('completed');
    const hosts = await runner.hosts();
    for (const h of hosts) expect(h.actions.map((a) => a.status)).toEqual(['done', 'done', 'done']);
    expect((await lab.exec(2, 'stat', '-c', '%U', '/var/lib/rackside')).trim()).toBe('root');
    expect((await lab.exec(4, 'test', '-d', '/var/lib/rackside').then(() => 'yes'))).toBe('yes');
    const journal = await readFile(join(projectDir, 'journal.ndjson'), 'utf8');
    expect(journal.split(status.stateDir).join('')).not.toContain(status.password);
    await screenshot(page, 'login-options-run');
  });

  it('"confirm each": behind the bastion, its key is shown first as the jump host\'s, then each host\'s own', async () => {
    // A fresh backend (empty known_hosts) opening the project saved above.
    await host.stop();
    host = await startBrowserHost();
    await wizard.open(host.url);
    expect((await wizard.openProject(projectDir)).kind).toBe('ok');
    await wizard.waitForRows((rows) => rows.length === 2);
    await page.getByTestId('hostkey-policy').selectOption('confirm');
    await wizard.testConnections();
    const atBastion = await wizard.waitForRows((rows) => rows.every((r) => r.status === 'hostkey-unknown'));
    const bastionFp = (await lab.exec(1, 'ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub')).split(' ')[1]!;
    for (const r of atBastion) expect(r.fingerprint).toContain(bastionFp);
    expect(await page.getByTestId('key-of-jump').allInnerTexts()).toEqual([0, 1].map(() => expect.stringContaining(`${addr(1)}:22`)));
    await screenshot(page, 'login-options-bastion-key');

    await wizard.trustAllShownFingerprints();
    const own = await wizard.waitForRows((rows) => rows.every((r) => r.status === 'hostkey-unknown' && !r.fingerprint?.includes(bastionFp)));
    for (const [i, n] of [2, 4].entries()) {
      expect(own[i]!.fingerprint).toContain((await lab.exec(n, 'ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub')).split(' ')[1]!);
    }
    expect(await page.getByTestId('key-of-jump').count()).toBe(0);
    expect(await page.getByTestId('inventory-error').count()).toBe(0);
    await wizard.trustAllShownFingerprints();
    const ok = await wizard.waitForRows((rows) => rows.every((r) => r.status === 'ok'));
    expect(ok.map((r) => r.hostname)).toEqual(['node2', 'node4']);
  });
});
