import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HardwarePage } from './pages/hardware-page.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';
import { setUpLabProject } from './support/lab-project.js';

// End to end: the Hardware step on the 4-node lab, through the real runner and sshd.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let hardware: HardwarePage;
let projectDir: string;

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  wizard = new WizardPage(page);
  hardware = new HardwarePage(page);
  projectDir = join(await mkdtemp(join(tmpdir(), 'rs-e2e-hw-')), 'p');
  await setUpLabProject(wizard, host.url, { site: 'Lab', customer: 'ACME', technician: 'E2E Tech', dir: projectDir });
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('Hardware checks', () => {
  it('collects every host and shows CPU, RAM, disks and the SMBIOS serial numbers; the lab profile passes', async () => {
    await hardware.open();
    // Before any run nothing says these hosts are lab nodes: the lab profile needs a confirmation.
    expect(await hardware.chooseProfile('lab', { confirmLab: false })).toBe('asked');
    const dialog = hardware.labDialog();
    expect(await dialog.getByTestId('lab-profile-host').count()).toBe(4);
    expect(await dialog.getByTestId('lab-profile-confirm').isDisabled()).toBe(true);
    await screenshot(page, 'hardware-lab-profile-confirm');
    await dialog.getByTestId('lab-profile-tick').check();
    await dialog.getByTestId('lab-profile-confirm').click();
    await expect.poll(() => page.getByTestId('hardware-profile-panel').getAttribute('data-profile')).toBe('lab');
    expect(await page.getByTestId('lab-confirmed').innerText()).toMatch(/confirmed by E2E Tech .* for 4 host/);
    expect(await hardware.runner.runToEnd()).toBe('completed');
    const rows = await eventually(() => hardware.table(), (r) => r.length === 4);
    expect(rows.map((r) => [r.hostname, r.serial])).toEqual([
      ['node1', 'LAB0001X'],
      ['node2', 'LAB0002X'],
      ['node3', 'LAB0003X'],
      ['node4', 'LAB0004X'],
    ]);
    for (const r of rows) {
      expect(r.cpu).toMatch(/\d+ cores, \d+ threads/);
      expect(r.ram).toMatch(/\d+\.\d GiB/);
      expect(r.ram).toContain('ECC: yes');
    }
    // The lab's disks: four on node1, two on the others, 256 MiB each.
    expect(rows.map((r) => r.disks.split('\n').filter((l) => /loop\d+ 268 MB/.test(l)).length)).toEqual([4, 2, 2, 2]);
    expect((await hardware.runner.findings()).filter((f) => f.severity === 'blocking')).toEqual([]);
    await expect.poll(() => hardware.runner.root.getByTestId('step-passed').isVisible()).toBe(true);
    await screenshot(page, 'hardware-lab-profile');
  });

  it('the production profile blocks on RAM below 256 GiB, and a waiver with reason and name clears it', async () => {
    await hardware.chooseProfile('production');
    // Every collection ran; the findings are what hold the step back.
    expect(await hardware.runner.runToEnd()).toBe('completed');
    expect(await hardware.runner.root.getByTestId('step-passed').count()).toBe(0);
    const findings = await hardware.runner.findings();
    const ram = findings.filter((f) => f.code === 'memory.size');
    expect(ram).toHaveLength(4);
    for (const f of ram) {
      expect(f.severity).toBe('blocking');
      expect(f.text).toMatch(/GiB RAM, the production profile needs 256\.0 GiB/);
    }
    const node1 = ram[0]!.hostId!;
    await hardware.runner.waive('memory.size', node1, 'Customer accepted 24 GiB for the pilot', 'E2E Tech');
    const waived = hardware.runner.finding('memory.size', node1);
    await expect.poll(() => waived.getAttribute('data-waived')).toBe('yes');
    expect(await waived.getByTestId('finding-waiver').innerText()).toMatch(/E2E Tech.*Customer accepted 24 GiB for the pilot/s);
    // The other hosts' RAM findings stay blocking until waived one by one.
    expect((await hardware.runner.findings()).filter((f) => f.code === 'memory.size' && !f.waived)).toHaveLength(3);
    await screenshot(page, 'hardware-production-waiver');
  });

  it('a waiver can be withdrawn: journaled with who and why, and the finding is open again', async () => {
    const node1 = (await hardware.runner.findings()).find((f) => f.code === 'memory.size' && f.waived)!.hostId!;
    const finding = hardware.runner.finding('memory.size', node1);
    await finding.getByTestId('finding-withdraw').click();
    const dialog = page.getByTestId('withdraw-dialog');
    await dialog.getByTestId('withdraw-reason').fill('Customer now wants the full 256 GiB');
    await dialog.getByTestId('withdraw-technician').fill('E2E Lead');
    await dialog.getByTestId('withdraw-submit').click();
    await expect.poll(() => finding.getAttribute('data-waived')).toBe('no');
    expect(await finding.getByTestId('finding-waive').isVisible()).toBe(true);
    expect((await hardware.runner.findings()).filter((f) => f.code === 'memory.size' && !f.waived)).toHaveLength(4);
    const journal = (await readFile(join(projectDir, 'journal.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(journal.filter((e) => e.type === 'waiver-withdrawn')).toEqual([
      // n and prev: the line's place in the journal's hash chain.
      { type: 'waiver-withdrawn', stepId: 'hardware', key: `memory.size@${node1}`, reason: 'Customer now wants the full 256 GiB', technician: 'E2E Lead', at: expect.any(String), n: expect.any(Number), prev: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    // The run journaled the profile it applied.
    const started = journal.filter((e) => e.type === 'run-started' && e.stepId === 'hardware');
    expect(started.map((e) => (e.profile as { id: string }).id)).toEqual(['lab', 'production']);
    await screenshot(page, 'hardware-waiver-withdrawn');
  });

  it('once a run has identified the hosts as lab nodes, the lab profile needs no confirmation', async () => {
    expect(await hardware.chooseProfile('lab')).toBe('not-asked');
    expect(await page.getByTestId('lab-confirmed').count()).toBe(0);
  });
});
