import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab } from '../scripts/test-support/lab.js';
import { MasterPage } from './pages/master-page.js';
import { NetworkPage } from './pages/network-page.js';
import { RunbookPage } from './pages/runbook-page.js';
import { WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';
import { setUpLabProject } from './support/lab-project.js';

// End to end: wizard step 5 on a systemd-mode lab (`lab up --mode systemd --nodes 4`: services
// must start, so the chroot lab cannot run it), through the UI, the real runner and sshd. The one
// whole install in the e2e suite: four nodes take minutes, so the limits are generous on purpose.
const INSTALL_MS = 1_200_000;
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let master: MasterPage;
let runner: RunbookPage;
let projectDir: string;
let vip: string;

beforeAll(async () => {
  // `lab status --json` says the mode; LabStatus does not declare it.
  const st = (await lab.status()) as Awaited<ReturnType<typeof lab.status>> & { mode?: string };
  if (st.mode !== 'systemd') throw new Error(`master-install.e2e needs a systemd-mode lab (lab up --mode systemd --nodes 4); this one is ${st.mode}`);
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  wizard = new WizardPage(page);
  master = new MasterPage(page);
  runner = new RunbookPage(page, 'master-install');
  vip = st.nodes[0]!.address.replace(/\.\d+$/, '.100');
  projectDir = join(await mkdtemp(join(tmpdir(), 'rs-e2e-master-')), 'p');
  await setUpLabProject(wizard, host.url, { site: 'Lab', customer: 'ACME', technician: 'E2E Tech', dir: projectDir });
  // Two masters (the lab's inventory has one), and the VIP in the network plan.
  await page.locator('[data-testid="host-row"]').nth(1).getByTestId('host-role').selectOption('master');
  expect((await wizard.save()).kind).toBe('ok');
  const net = new NetworkPage(page);
  await net.open();
  await net.setCluster({ vip });
  expect((await net.savePlan()).saved).toBe(true);
}, 300_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('Master install (step 5)', () => {
  it('edits the plan with live validation: a single VIP candidate is warned, a bad value blocks the save', async () => {
    await master.open();
    expect(await page.getByTestId('install-candidates-default').innerText()).toContain('node1, node2');
    await page.getByTestId('install-candidate').first().check();
    await expect.poll(async () => (await master.issues()).map((i) => `${i.severity}:${i.code}`)).toEqual(['warning:vip-single-candidate']);
    expect((await master.issues())[0]!.text).toContain('adds no availability');
    await master.field('rollback').fill('5');
    await expect.poll(async () => (await master.issues()).map((i) => i.code)).toContain('rollback-range');
    expect(await page.getByTestId('install-save-plan').isDisabled()).toBe(true);
    await screenshot(page, 'master-plan-issues-en');

    await wizard.setLanguage('zh-CN');
    await expect.poll(async () => (await master.issues()).map((i) => i.text).join('\n')).toContain('回滚定时器');
    await screenshot(page, 'master-plan-issues-zh-cn');
    await wizard.setLanguage('en');

    // Back to the default candidates (the two masters), a valid timer, saved into project.yaml.
    await page.getByTestId('install-candidate').first().uncheck();
    await master.field('rollback').fill('30');
    // A per-network-namespace key: the lab's nodes share the host's kernel, where vm.* cannot be set.
    await master.field('sysctl').fill('net.core.somaxconn = 4096');
    await expect.poll(async () => (await master.issues()).length).toBe(0);
    const saved = await master.savePlan();
    expect(saved.saved, saved.text).toBe(true);
    const yaml = await readFile(join(projectDir, 'project.yaml'), 'utf8');
    expect(yaml).toMatch(/install:/);
    expect(yaml).toMatch(/rollbackAfterS: 30/);
    expect(yaml).toMatch(/net\.core\.somaxconn/);
  });

  it('dry run shows each action\'s phase and output placeholders; the run goes phase by phase with per-host progress and finishes', async () => {
    const plan = await runner.preview();
    expect(plan).toHaveLength(4);
    const text = plan.flatMap((h) => h.commands).join('\n');
    // The VRRP secret reaches the node on the command's stdin, never as an argument: the plan shows its placeholder there.
    expect(text).not.toContain('<output:vrrp-secret@');
    expect((await page.getByTestId('plan-stdin').allInnerTexts()).join('\n')).toContain('<output:vrrp-secret@');
    expect(text).toContain('<output:admin-key');
    const phasesShown = await page.getByTestId('plan-action-phase').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-phase')))]);
    expect(phasesShown).toEqual(['prepare', 'first-master', 'masters', 'workers']);
    await page.getByTestId('plan-action-phase').first().scrollIntoViewIfNeeded();
    await screenshot(page, 'master-dry-run-en');

    await master.recordPhases();
    const status = await runner.runToEnd(INSTALL_MS);
    const phases = await runner.phases();
    expect(status, JSON.stringify(phases)).toBe('completed');
    expect(phases.map((p) => [p.id, p.mode, p.state])).toEqual([
      ['prepare', 'parallel', 'done'],
      ['first-master', 'serial', 'done'],
      ['masters', 'serial', 'done'],
      ['workers', 'parallel', 'done'],
    ]);
    expect(phases[0]!.hosts).toHaveLength(4);
    // What the page showed on the way: the workers waited while a master phase ran.
    const seen = await master.recordedPhases();
    const workerStates = seen.filter((r) => r.phase === 'workers').map((r) => r.state);
    expect(workerStates).toContain('waiting');
    expect(seen.some((r) => r.phase === 'first-master' && r.state === 'running')).toBe(true);
    const firstMasterDone = seen.findIndex((r) => r.phase === 'first-master' && r.state === 'done');
    const workersStarted = seen.findIndex((r) => r.phase === 'workers' && r.state !== 'waiting');
    expect(firstMasterDone).toBeGreaterThanOrEqual(0);
    expect(workersStarted).toBeGreaterThan(firstMasterDone);

    const findings = await runner.findings();
    expect(findings.filter((f) => f.code === 'install.done')).toHaveLength(4);
    expect(findings.filter((f) => f.severity === 'blocking')).toEqual([]);
    // The phases on screen, not the terminal dock the run opened.
    if ((await page.getByTestId('dock-toggle').getAttribute('aria-expanded')) === 'true') await page.getByTestId('dock-toggle').click();
    await page.getByTestId('run-phases').scrollIntoViewIfNeeded();
    await screenshot(page, 'master-install-done-en');
    await wizard.setLanguage('zh-CN');
    await expect.poll(() => page.getByTestId('run-phases').innerText()).toContain('已完成');
    await page.getByTestId('run-phases').scrollIntoViewIfNeeded();
    await screenshot(page, 'master-install-done-zh-cn');
    await wizard.setLanguage('en');

    // The VIP answers from this machine: haproxy or keepalived hold it on a master.
    const holders = await Promise.all([1, 2].map((i) => lab.exec(i, 'sh', '-c', `ip -4 -o addr show | grep -c ' ${vip}/' || true`)));
    expect(holders.map((h) => Number(h.trim())).reduce((a, b) => a + b, 0)).toBe(1);
  }, INSTALL_MS + 60_000);
});
