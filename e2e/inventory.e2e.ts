import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab } from '../scripts/test-support/lab.js';
import { WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: Debian's Chromium → browser host (built app) → the lab's real sshd.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let projectDir: string;
let labAddresses: string[];

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  wizard = new WizardPage(page);
  projectDir = join(await mkdtemp(join(tmpdir(), 'rs-e2e-proj-')), 'site-a');
  labAddresses = (await lab.status()).nodes.slice(0, 4).map((n) => n.address);
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('Project & inventory', () => {
  it('imports the lab inventory, confirms fingerprints, tests connections, saves, and reopens after a reload', async () => {
    await wizard.open(host.url);
    await wizard.expectStepCount();

    const { path: inventoryPath } = await lab.inventoryText();
    await wizard.importInventory(inventoryPath);
    await wizard.waitForRows((rows) => rows.length === 4);
    expect((await wizard.hostRows()).map((r) => r.address)).toEqual(labAddresses);

    // First contact: every row shows the server's fingerprint for confirmation, nothing else.
    await wizard.testConnections();
    const unknown = await wizard.waitForRows((rows) => rows.every((r) => r.status === 'hostkey-unknown'));
    for (const r of unknown) expect(r.fingerprint).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
    for (const [i, r] of unknown.entries()) {
      const keygen = await lab.exec(i + 1, 'ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub');
      expect(r.fingerprint).toContain(keygen.split(' ')[1]!);
    }

    await wizard.trustAllShownFingerprints();
    const connected = await wizard.waitForRows((rows) => rows.every((r) => r.status === 'ok'));
    expect(connected.map((r) => r.hostname)).toEqual(['node1', 'node2', 'node3', 'node4']);
    expect(connected.map((r) => r.fingerprint)).toEqual(unknown.map((r) => r.fingerprint));
    await screenshot(page, 'wizard-inventory-connected');

    await wizard.fillProject({ site: 'Lab rack A', customer: 'ACME Corp', technician: 'E2E Tech', dir: projectDir });
    const saved = await wizard.save();
    expect(saved.kind).toBe('ok');
    const yaml = await readFile(join(projectDir, 'project.yaml'), 'utf8');
    for (const a of labAddresses) expect(yaml).toContain(a);
    expect(yaml).toContain('Lab rack A');

    // A reload starts from nothing; reopening the folder brings the inventory back from disk.
    await page.reload();
    await wizard.waitConnected();
    expect(await wizard.rows().count()).toBe(0);
    const opened = await wizard.openProject(projectDir);
    expect(opened.kind).toBe('ok');
    await wizard.waitForRows((rows) => rows.length === 4);
    expect((await wizard.hostRows()).map((r) => r.address)).toEqual(labAddresses);
    expect(await page.getByTestId('project-site').inputValue()).toBe('Lab rack A');
    await screenshot(page, 'wizard-reopened');
  });

  it('rejects an inventory file with a malformed and a duplicate address, showing both and changing nothing', async () => {
    const before = await readFile(join(projectDir, 'project.yaml'), 'utf8');
    const mtime = (await stat(join(projectDir, 'project.yaml'))).mtimeMs;
    const bad = join(await mkdtemp(join(tmpdir(), 'rs-e2e-bad-')), 'bad-inventory.csv');
    await writeFile(bad, 'name,address,port,user,role\nm,10.1.0.1,22,root,master\nx,10.1.0.999,22,root,worker\ny,10.1.0.1,22,root,worker\n');
    await wizard.importInventory(bad);
    const errors = await wizard.importErrors();
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/2.*address.*10\.1\.0\.999/s);
    expect(errors[1]).toMatch(/3.*address.*duplicate address 10\.1\.0\.1/s);
    // The inventory on screen and the project on disk are untouched.
    expect((await wizard.hostRows()).map((r) => r.address)).toEqual(labAddresses);
    expect(await readFile(join(projectDir, 'project.yaml'), 'utf8')).toBe(before);
    expect((await stat(join(projectDir, 'project.yaml'))).mtimeMs).toBe(mtime);
  });

  it('switches the step names to Simplified Chinese and back', async () => {
    await wizard.setLanguage('zh-CN');
    await expect.poll(() => wizard.step('hardware').innerText()).toContain('硬件');
    const zh = await wizard.stepNames();
    expect(zh.join(' ')).toMatch(/项目.*硬件.*网络.*存储.*主节点.*工作节点.*验证.*报告/s);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await screenshot(page, 'wizard-zh-CN');
    await wizard.setLanguage('en');
    await expect.poll(() => wizard.step('hardware').innerText()).toContain('Hardware');
  });
});
