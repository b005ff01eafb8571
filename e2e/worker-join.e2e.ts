import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { lab } from '../scripts/test-support/lab.js';
import { JoinPage } from './pages/join-page.js';
import { RunbookPage } from './pages/runbook-page.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';
import { setUpLabProject } from './support/lab-project.js';

// End to end: wizard step 6 on a systemd-mode lab (4 nodes, the same lab and stage as
// master-install.e2e.ts), with the Slurm profile: the master install, then the joins through the
// UI, each worker's timeline reaching "seen by the cluster", and one worker made to fail (its
// slurmd masked, so the service stage cannot enable it) retried alone once the cause is gone.
const INSTALL_MS = 1_200_000;
const JOIN_MS = 900_000;
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let join_: JoinPage;
let projectDir: string;
let hostIds: string[];

beforeAll(async () => {
  const st = (await lab.status()) as Awaited<ReturnType<typeof lab.status>> & { mode?: string };
  if (st.mode !== 'systemd') throw new Error(`worker-join.e2e needs a systemd-mode lab (lab up --mode systemd --nodes 4); this one is ${st.mode}`);
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  wizard = new WizardPage(page);
  join_ = new JoinPage(page);
  projectDir = join(await mkdtemp(join(tmpdir(), 'rs-e2e-join-')), 'p');
  await setUpLabProject(wizard, host.url, { site: 'Lab', customer: 'ACME', technician: 'E2E Tech', dir: projectDir });
  hostIds = await page.getByTestId('host-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-host-id') ?? ''));
  // The step-5 profile chooser is not on this branch yet: the profile is written into the saved
  // project.yaml, which the app then opens again (as a technician would after editing the file).
  const file = join(projectDir, 'project.yaml');
  const doc = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  doc.install = { ...((doc.install as object | undefined) ?? {}), profile: 'slurm' };
  await writeFile(file, stringify(doc));
  expect((await wizard.openProject(projectDir)).kind).toBe('ok');
}, 300_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await lab.exec(4, 'systemctl', 'unmask', 'slurmd').catch(() => undefined);
  await browser?.close();
  await host?.stop();
});

describe('Worker joins (step 6)', () => {
  it('master install with the Slurm profile, through the UI', async () => {
    await page.getByTestId('step-master').click();
    const runner = new RunbookPage(page, 'master-install');
    await runner.waitVisible();
    expect(await runner.runToEnd(INSTALL_MS)).toBe('completed');
  }, INSTALL_MS + 60_000);

  it('joins: per-host timelines from the dry run, a failed host says why and what to do, "Retry this host" finishes it alone', async () => {
    // The deliberate failure: node4's slurmd cannot be started until it is unmasked.
    await lab.exec(4, 'sh', '-c', 'systemctl stop slurmd 2>/dev/null; systemctl mask slurmd');
    await join_.open();
    const runner = new RunbookPage(page, 'worker-join');
    await runner.preview();
    const before = await join_.hosts();
    const workers = hostIds.slice(1);
    expect(before.map((h) => h.hostId)).toEqual(expect.arrayContaining(workers));
    for (const w of workers) {
      const h = before.find((x) => x.hostId === w)!;
      expect(h.stages.map((s) => s.stage)).toEqual(['packages', 'configuration', 'service', 'seen']);
      expect(h.stages.every((s) => s.state === 'pending')).toBe(true);
    }
    await screenshot(page, 'join-dry-run-en');

    // node4's service stage fails; the run stops after that phase, before the cluster checks.
    expect(await runner.runToEnd(JOIN_MS)).toBe('failed');
    const node4 = hostIds[3]!;
    const after = await join_.hosts();
    const bad = after.find((h) => h.hostId === node4)!;
    expect(bad.state).toBe('failed');
    expect(bad.stages.map((s) => s.state)).toEqual(['done', 'done', 'failed', 'pending']);
    expect(bad.failure).toMatchObject({ stage: 'service', retryHost: node4 });
    expect(bad.failure!.text).toContain('Service started');
    for (const w of workers.slice(0, 2)) {
      const h = after.find((x) => x.hostId === w)!;
      expect(h.stages.map((s) => s.state), w).toEqual(['done', 'done', 'done', 'pending']);
    }
    if ((await page.getByTestId('dock-toggle').getAttribute('aria-expanded')) === 'true') await page.getByTestId('dock-toggle').click();
    await join_.host(node4).scrollIntoViewIfNeeded();
    await screenshot(page, 'join-failed-host-en');
    await wizard.setLanguage('zh-CN');
    await expect.poll(() => join_.host(node4).innerText()).toContain('重试此主机');
    expect(await join_.host(node4).innerText()).toContain('服务已启动');
    await screenshot(page, 'join-failed-host-zh-cn');
    await wizard.setLanguage('en');

    // The cause removed on the node, then only node4 is retried.
    await lab.exec(4, 'systemctl', 'unmask', 'slurmd');
    await runner.recordProgress();
    await join_.retry(bad.failure!.retryHost);
    const joined = await eventually(() => join_.hosts(), (hs) => workers.every((w) => hs.find((h) => h.hostId === w)?.state === 'joined'), JOIN_MS);
    for (const w of workers) expect(joined.find((h) => h.hostId === w)!.stages.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done']);
    await eventually(() => runner.runStatus(), (s) => s === 'completed', 120_000);
    // Alone: while the retry ran, no action on another worker ran again (the first master's
    // "seen" checks, the phase the first run never reached, are every worker's last stage). The
    // join's last phase reads every member's services and versions for the report: read-only,
    // without a probe, it runs on every host each time and is not a join action.
    const others = new Set(workers.filter((w) => w !== bad.failure!.retryHost));
    expect((await runner.recordedProgress()).filter((r) => r.kind === 'action' && r.status === 'running' && others.has(r.hostId) && r.actionId !== 'cluster-as-built')).toEqual([]);

    await page.getByTestId('join-timelines').scrollIntoViewIfNeeded();
    await screenshot(page, 'join-all-seen-en');
    await wizard.setLanguage('zh-CN');
    await expect.poll(() => page.getByTestId('join-timelines').innerText()).toContain('集群已识别');
    await screenshot(page, 'join-all-seen-zh-cn');
    await wizard.setLanguage('en');

    // The cluster's own view: every node idle in sinfo on the master.
    const sinfo = await lab.exec(1, 'sh', '-c', 'sinfo -h -N -o "%N %t"');
    expect(sinfo.trim().split('\n').filter((l) => /idle|mix|alloc/.test(l)).length).toBeGreaterThanOrEqual(workers.length);
  }, JOIN_MS * 2 + 180_000);

  it('removing a joined worker from the inventory: the dialog says what happens, the node leaves the cluster, then the row goes', async () => {
    const node4 = hostIds[3]!;
    await page.getByTestId('step-inventory').click();
    const row = page.locator(`[data-testid="host-row"][data-host-id="${node4}"]`);
    await row.getByTestId('remove-host').click();
    const dialog = page.getByTestId('cluster-leave-dialog');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('first removes its membership');
    await screenshot(page, 'join-remove-member-en');
    await wizard.setLanguage('zh-CN');
    await expect.poll(() => dialog.innerText()).toContain('移出集群');
    await screenshot(page, 'join-remove-member-zh-cn');
    await wizard.setLanguage('en');
    await dialog.getByTestId('cluster-leave-confirm').click();
    await eventually(() => row.count(), (n) => n === 0, 300_000);
    // The cluster's side: the master no longer lists node4.
    const nodes = await lab.exec(1, 'sh', '-c', 'sinfo -h -N -o "%N"');
    expect(nodes).not.toContain('node4');
  }, 360_000);

  it('a member that cannot leave (the Slurm controller on the first master): the failure is shown and nothing is removed', async () => {
    const node1 = hostIds[0]!;
    const row = page.locator(`[data-testid="host-row"][data-host-id="${node1}"]`);
    await row.getByTestId('remove-host').click();
    const dialog = page.getByTestId('cluster-leave-dialog');
    await dialog.waitFor();
    await dialog.getByTestId('cluster-leave-confirm').click();
    await dialog.getByTestId('cluster-leave-error').waitFor();
    expect(await dialog.getByTestId('cluster-leave-error').innerText()).toContain('Nothing was removed from the inventory');
    expect(await dialog.getByTestId('cluster-leave-error').innerText()).toContain('node1 cannot leave the cluster');
    await screenshot(page, 'join-remove-refused-en');
    await dialog.getByTestId('cluster-leave-cancel').click();
    expect(await row.count()).toBe(1);
  }, 120_000);
});
