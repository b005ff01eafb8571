import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { lab, trustLabHostKeys } from '../scripts/test-support/lab.js';
import { RunbookPage } from './pages/runbook-page.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: the preflight step run from the wizard's hardware page on the lab's four nodes.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let runner: RunbookPage;
let projectDir: string;
let addresses: string[];
const hostIds = ['h1', 'h2', 'h3', 'h4'];

beforeAll(async () => {
  // The first test checks that a dry run leaves no work folder; another e2e file may have run a
  // step on this lab before this one (the order of files is not fixed), so start from none.
  for (const i of [1, 2, 3, 4]) await lab.exec(i, 'rm', '-rf', '/var/lib/rackside', '/run/lock/rackside');
  host = await startBrowserHost();
  // The technician confirmed these fingerprints in step 1 (covered by inventory.e2e.ts).
  await trustLabHostKeys(host.dataDir, [1, 2, 3, 4]);
  const status = await lab.status();
  addresses = status.nodes.slice(0, 4).map((n) => n.address);
  projectDir = join(await mkdtemp(join(tmpdir(), 'rs-e2e-rb-')), 'site-b');
  await mkdir(projectDir, { recursive: true });
  // Saved by hand with a free-space threshold no lab node meets: every host gets a blocking finding.
  await writeFile(
    join(projectDir, 'project.yaml'),
    stringify({
      version: 1,
      site: 'Lab rack B',
      customer: 'ACME Corp',
      technician: 'E2E Tech',
      hosts: addresses.map((address, i) => ({
        id: hostIds[i],
        name: `node${i + 1}`,
        address,
        port: 22,
        user: 'root',
        role: i === 0 ? 'master' : 'worker',
        auth: { method: 'key', keyPath: status.keyPath },
      })),
      thresholds: { minRootFreeMiB: 50_000_000 },
    }),
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  wizard = new WizardPage(page);
  runner = new RunbookPage(page, 'preflight');
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  for (const i of [1, 2, 3, 4]) await lab.exec(i, 'rm', '-rf', '/var/lib/rackside', '/run/lock/rackside').catch(() => {});
});

describe('Step runner (preflight)', () => {
  it('previews the exact commands per host and exports them as text', async () => {
    await wizard.open(host.url);
    expect((await wizard.openProject(projectDir)).kind).toBe('ok');
    await wizard.step('hardware').click();
    await runner.waitVisible();
    const plan = await runner.preview();
    expect(plan.map((h) => h.address)).toEqual(addresses);
    for (const [i, h] of plan.entries()) {
      expect(h.commands).toHaveLength(3);
      // Byte for byte the line sent: the PID announcement, then the command.
      expect(h.commands[0]).toMatch(/^printf .*; exec sh -c .*id -u/s);
      // The host's own id is an argument of its work-folder command.
      expect(h.commands[2]).toContain('/var/lib/rackside');
      expect(h.commands[2]).toContain(` ${hostIds[i]}`);
    }
    // Nothing ran: no journal yet, no work folder on the hosts.
    await expect(readFile(join(projectDir, 'journal.ndjson'))).rejects.toThrow();
    expect((await lab.exec(1, 'sh', '-c', 'test -e /var/lib/rackside && echo yes || echo no')).trim()).toBe('no');
    const exported = await runner.exportPlan();
    expect(exported.fileName).toBe('rackside-dry-run-preflight.txt');
    for (const h of plan) for (const c of h.commands) expect(exported.text).toContain(c);
    await screenshot(page, 'runbook-dry-run');
  });

  it('shows per-host progress while the step runs, then the findings', async () => {
    await runner.recordProgress();
    await runner.run();
    await runner.waitRunStatus('completed');
    const hosts = await runner.hosts();
    expect(hosts.map((h) => h.address)).toEqual(addresses);
    for (const h of hosts) {
      expect(h.status).toBe('done');
      expect(h.actions.map((a) => a.status)).toEqual(['done', 'done', 'done']);
    }
    // Each host's row went through its actions one by one, live: an action showed "running"
    // before it showed "done", and the stage column moved on.
    const seen = await runner.recordedProgress();
    for (const id of hostIds) {
      const mine = seen.filter((r) => r.hostId === id);
      for (const action of ['access', 'system', 'workdir']) {
        const statuses = mine.filter((r) => r.kind === 'action' && r.actionId === action).map((r) => r.status);
        expect(statuses, `${id} ${action}`).toContain('running');
        expect(statuses.indexOf('running')).toBeLessThan(statuses.lastIndexOf('done'));
      }
      expect(new Set(mine.filter((r) => r.kind === 'host').map((r) => r.stage)).size).toBeGreaterThanOrEqual(3);
    }
    for (const i of [1, 2, 3, 4]) expect((await lab.exec(i, 'cat', '/var/lib/rackside/host-id')).trim()).toBe(hostIds[i - 1]);

    const findings = await runner.findings();
    const blocking = findings.filter((f) => f.severity === 'blocking');
    expect(blocking.map((f) => [f.code, f.hostId])).toEqual(hostIds.map((id) => ['preflight.root-space-low', id]));
    expect(blocking[0]!.text).toMatch(/MiB free on \/, below the required 50000000 MiB/);
    expect(findings.filter((f) => f.code === 'preflight.system')).toHaveLength(4);
    await screenshot(page, 'runbook-run-completed');
  });

  it('records a waiver only with a reason and the technician\'s name, journals it, and shows it after a reload', async () => {
    const w = await runner.openWaiver('preflight.root-space-low', 'h2');
    expect(await w.technician.inputValue()).toBe('E2E Tech');
    await w.technician.fill('');
    await w.reason.fill('Customer adds a data disk for /var next week; ticket 4711');
    expect(await w.submit.isDisabled()).toBe(true);
    await w.technician.fill('Wang Fang');
    expect(await w.submit.isDisabled()).toBe(false);
    await screenshot(page, 'runbook-waiver-dialog');
    await w.submit.click();
    await w.dialog.waitFor({ state: 'detached' });

    const waived = runner.finding('preflight.root-space-low', 'h2');
    await eventually(() => waived.getAttribute('data-waived'), (v) => v === 'yes');
    expect(await waived.getByTestId('finding-waiver').innerText()).toMatch(/Wang Fang.*ticket 4711/s);
    expect((await runner.findings()).filter((f) => f.severity === 'blocking' && !f.waived).map((f) => f.hostId)).toEqual(['h1', 'h3', 'h4']);

    const journal = (await readFile(join(projectDir, 'journal.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(journal.filter((e) => e.type === 'waiver')).toEqual([
      expect.objectContaining({
        stepId: 'preflight',
        key: 'preflight.root-space-low@h2',
        hostId: 'h2',
        reason: 'Customer adds a data disk for /var next week; ticket 4711',
        technician: 'Wang Fang',
      }),
    ]);

    // State is rebuilt from the project folder: after a reload the run and the waiver are back.
    await page.reload();
    await wizard.waitConnected();
    expect((await wizard.openProject(projectDir)).kind).toBe('ok');
    await wizard.step('hardware').click();
    await runner.waitRunStatus('completed');
    await eventually(() => runner.finding('preflight.root-space-low', 'h2').getAttribute('data-waived'), (v) => v === 'yes');
    expect((await runner.hosts()).every((h) => h.status === 'done')).toBe(true);
    await screenshot(page, 'runbook-waived');
  });
});
