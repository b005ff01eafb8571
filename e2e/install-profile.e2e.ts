import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab } from '../scripts/test-support/lab.js';
import { MasterPage } from './pages/master-page.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: step 5's profile chooser and a host's BMC in the inventory, through Chromium and the
// built app. Nothing runs on the nodes: choosing, saving and reopening read and write project.yaml,
// so the lab only provides the inventory file (any lab mode).
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let master: MasterPage;
let projectDir: string;
const BMC_CANARY = 'bmc-Canary-7Qx!';

const projectYaml = () => readFile(join(projectDir, 'project.yaml'), 'utf8');

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  wizard = new WizardPage(page);
  master = new MasterPage(page);
  projectDir = join(await mkdtemp(join(tmpdir(), 'rs-e2e-profile-')), 'p');
  await wizard.open(host.url);
  await wizard.importInventory((await lab.inventoryText()).path);
  await wizard.waitForRows((rows) => rows.length === 4);
  await wizard.fillProject({ site: 'Lab', customer: 'ACME', technician: 'E2E Tech', dir: projectDir });
  expect((await wizard.save()).kind).toBe('ok');
}, 120_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

const issueCodes = async () => (await master.issues()).map((i) => i.code);

/** A screenshot with the terminal dock folded away (it covers the lower half) and `what` in view. */
async function shot(name: string, what: string) {
  const toggle = page.getByTestId('dock-toggle');
  if ((await toggle.getAttribute('aria-expanded')) === 'true') await toggle.click();
  await page.locator(`[data-testid="${what}"]`).first().scrollIntoViewIfNeeded();
  await screenshot(page, name);
}

describe('A host\'s BMC in the inventory', () => {
  it('is validated in both languages, its password goes to the secret store, never to project.yaml, and it reopens', async () => {
    const node1 = page.locator('[data-testid="host-row"]').first();
    await node1.getByTestId('bmc-add').click();
    expect(await node1.getByTestId('bmc-port').inputValue()).toBe('623');
    await node1.getByTestId('bmc-address').fill('10.0.9.300');
    await node1.getByTestId('bmc-port').fill('70000');
    const errors = () => node1.getByTestId('field-error').allInnerTexts();
    await eventually(errors, (e) => ['BMC address', 'BMC port', 'BMC user'].every((f) => e.some((t) => t.includes(f))));
    await shot('inventory-bmc-invalid-en', 'bmc-editor');
    await wizard.setLanguage('zh-CN');
    await eventually(errors, (e) => ['BMC 地址', 'BMC 端口', 'BMC 用户'].every((f) => e.some((t) => t.includes(f))));
    await shot('inventory-bmc-invalid-zh-cn', 'bmc-editor');
    await wizard.setLanguage('en');

    await node1.getByTestId('bmc-address').fill('10.0.9.11');
    await node1.getByTestId('bmc-port').fill('623');
    await node1.getByTestId('bmc-user').fill('ADMIN');
    await node1.getByTestId('bmc-password').fill(BMC_CANARY);
    await node1.getByTestId('bmc-password').press('Enter');
    await eventually(() => node1.getByTestId('bmc-password-state').getAttribute('data-set'), (v) => v === 'true');
    await eventually(errors, (e) => e.length === 0);
    expect((await wizard.save()).kind).toBe('ok');
    // The message of the save before may still be shown: wait for the file itself.
    const yaml = await eventually(projectYaml, (y) => y.includes('bmc:'));
    expect(yaml).toMatch(/bmc:\s*\n\s+address: 10\.0\.9\.11\s*\n\s+port: 623\s*\n\s+user: ADMIN/);
    expect(yaml).not.toContain(BMC_CANARY);

    // Reopened from the folder: the BMC's fields come back, its password still set in the store.
    await page.reload();
    await wizard.waitConnected();
    expect((await wizard.openProject(projectDir)).kind).toBe('ok');
    const again = page.locator('[data-testid="host-row"]').first();
    expect(await again.getByTestId('bmc-address').inputValue()).toBe('10.0.9.11');
    expect(await again.getByTestId('bmc-user').inputValue()).toBe('ADMIN');
    await eventually(() => again.getByTestId('bmc-password-state').getAttribute('data-set'), (v) => v === 'true');
    await shot('inventory-bmc-saved-en', 'bmc-editor');
  });
});

describe('Choosing the cluster profile (step 5)', () => {
  it('Slurm: partitions with hosts, a bad max time refused with a message in both languages, saved and reopened', async () => {
    await master.open();
    await page.getByTestId('install-profile').selectOption('slurm');
    expect(await page.getByTestId('install-profile-about').innerText()).toContain('slurmctld');
    await page.getByTestId('slurm-cluster-name').fill('hpc1');
    await page.getByTestId('slurm-partition-add').click();
    const second = page.locator('[data-testid="slurm-partition"]').nth(1);
    await second.getByTestId('slurm-partition-name').fill('debug');
    const node4 = (await second.locator('[data-testid="slurm-partition-host"]').nth(3).getAttribute('data-host-id'))!;
    await second.locator(`[data-testid="slurm-partition-host"][data-host-id="${node4}"]`).check();
    await second.getByTestId('slurm-partition-max-time').fill('2h');
    await expect.poll(issueCodes).toContain('form-max-time');
    expect((await master.issues()).find((i) => i.code === 'form-max-time')!.text).toContain('"2h" is not a whole number of minutes');
    expect(await page.getByTestId('install-save-plan').isDisabled()).toBe(true);
    await shot('install-profile-slurm-invalid-en', 'install-issues');
    await wizard.setLanguage('zh-CN');
    await expect.poll(async () => (await master.issues()).map((i) => i.text).join('\n')).toContain('不是 1 到');
    await shot('install-profile-slurm-invalid-zh-cn', 'install-issues');
    await wizard.setLanguage('en');

    await second.getByTestId('slurm-partition-max-time').fill('30');
    await expect.poll(issueCodes).not.toContain('form-max-time');
    const saved = await master.savePlan();
    expect(saved, saved.text).toMatchObject({ saved: true });
    const yaml = await projectYaml();
    expect(yaml).toContain('profile: slurm');
    expect(yaml).toContain('clusterName: hpc1');
    expect(yaml).toMatch(/name: debug[\s\S]*maxTimeMin: 30/);

    await page.reload();
    await wizard.waitConnected();
    expect((await wizard.openProject(projectDir)).kind).toBe('ok');
    await master.open();
    expect(await page.getByTestId('install-profile').inputValue()).toBe('slurm');
    expect(await page.getByTestId('slurm-cluster-name').inputValue()).toBe('hpc1');
    const reopened = page.locator('[data-testid="slurm-partition"]').nth(1);
    expect(await reopened.getByTestId('slurm-partition-name').inputValue()).toBe('debug');
    expect(await reopened.getByTestId('slurm-partition-max-time').inputValue()).toBe('30');
    expect(await reopened.locator(`[data-testid="slurm-partition-host"][data-host-id="${node4}"]`).isChecked()).toBe(true);
    await shot('install-profile-slurm-en', 'install-slurm');
    await wizard.setLanguage('zh-CN');
    await shot('install-profile-slurm-zh-cn', 'install-slurm');
    await wizard.setLanguage('en');
  });

  it('Pacemaker: a bad cluster name refused with a message, keepalived holds the VIP, quorum policy, saved and reopened; the Slurm settings kept', async () => {
    await master.open();
    await page.getByTestId('install-profile').selectOption('pacemaker');
    expect(await page.getByTestId('install-profile-about').innerText()).toContain('Corosync/Pacemaker');
    // No VIP in the network plan: Pacemaker cannot hold one, which the profile's validation says.
    await expect.poll(issueCodes).toContain('pacemaker-vip-missing');
    await page.getByTestId('pcm-vip-owner').selectOption('keepalived');
    await page.getByTestId('pcm-cluster-name').fill('bad name!');
    await expect.poll(issueCodes).toEqual(['pacemaker-cluster-name']);
    expect((await master.issues())[0]!.text).toContain('bad name!');
    expect(await page.getByTestId('install-save-plan').isDisabled()).toBe(true);
    await shot('install-profile-pacemaker-invalid-en', 'install-issues');
    await wizard.setLanguage('zh-CN');
    await shot('install-profile-pacemaker-invalid-zh-cn', 'install-issues');
    await wizard.setLanguage('en');

    await page.getByTestId('pcm-cluster-name').fill('ha1');
    await page.getByTestId('pcm-quorum-policy').selectOption('freeze');
    await expect.poll(issueCodes).toEqual([]);
    expect((await master.savePlan()).saved).toBe(true);
    const yaml = await projectYaml();
    expect(yaml).toContain('profile: pacemaker');
    expect(yaml).toMatch(/pacemaker:\s*\n\s+clusterName: ha1\s*\n\s+vipOwner: keepalived\s*\n\s+quorumPolicy: freeze/);
    // The Slurm settings saved before are still there for when Slurm is chosen again.
    expect(yaml).toContain('clusterName: hpc1');

    await page.reload();
    await wizard.waitConnected();
    expect((await wizard.openProject(projectDir)).kind).toBe('ok');
    await master.open();
    expect(await page.getByTestId('install-profile').inputValue()).toBe('pacemaker');
    expect(await page.getByTestId('pcm-cluster-name').inputValue()).toBe('ha1');
    expect(await page.getByTestId('pcm-vip-owner').inputValue()).toBe('keepalived');
    expect(await page.getByTestId('pcm-quorum-policy').inputValue()).toBe('freeze');
    await shot('install-profile-pacemaker-en', 'install-pacemaker');
    await wizard.setLanguage('zh-CN');
    await shot('install-profile-pacemaker-zh-cn', 'install-pacemaker');
    await wizard.setLanguage('en');
  });

  it('base platform only: no profile settings shown, saved and reopened', async () => {
    await master.open();
    await page.getByTestId('install-profile').selectOption('base');
    expect(await page.getByTestId('install-pacemaker').count()).toBe(0);
    expect(await page.getByTestId('install-slurm').count()).toBe(0);
    expect((await master.savePlan()).saved).toBe(true);
    expect(await projectYaml()).toContain('profile: base');
    await page.reload();
    await wizard.waitConnected();
    expect((await wizard.openProject(projectDir)).kind).toBe('ok');
    await master.open();
    expect(await page.getByTestId('install-profile').inputValue()).toBe('base');
  });
});
