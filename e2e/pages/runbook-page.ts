import type { Locator, Page } from 'playwright-core';
import { eventually } from './wizard-page.js';

export interface PlanHostView {
  address: string;
  commands: string[];
}

export interface RunHostView {
  address: string;
  status: string;
  stage: string;
  actions: { id: string; status: string }[];
}

export interface FindingItemView {
  code: string;
  severity: string;
  hostId: string;
  waived: boolean;
  text: string;
}

/** One observed change of a host row or action chip while a step ran, recorded in the page. */
export interface ProgressRecord {
  kind: 'host' | 'action';
  hostId: string;
  actionId: string;
  status: string;
  stage: string;
}

/** The generic step runner (renderer/src/runbook) as a technician uses it. */
/** One phase of a phased step (runbook/phase-progress.ts) as the runner shows it. */
export interface PhaseView {
  id: string;
  state: string;
  mode: string;
  hosts: { hostId: string; state: string }[];
}

export class RunbookPage {
  readonly root: Locator;

  constructor(
    readonly page: Page,
    readonly stepId: string,
  ) {
    this.root = page.getByTestId(`runner-${stepId}`);
  }

  async waitVisible() {
    await this.root.waitFor();
  }

  async preview(): Promise<PlanHostView[]> {
    await this.root.getByTestId('runbook-preview').click();
    await this.root.getByTestId('plan-preview').waitFor();
    return this.planHosts();
  }

  async planHosts(): Promise<PlanHostView[]> {
    const hosts = await this.root.getByTestId('plan-host').all();
    return Promise.all(
      hosts.map(async (h) => ({
        address: (await h.getAttribute('data-address')) ?? '',
        commands: await h.getByTestId('plan-command').allInnerTexts(),
      })),
    );
  }

  /** Clicks Export and returns the downloaded text. */
  async exportPlan(): Promise<{ fileName: string; text: string }> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.root.getByTestId('runbook-export').click()]);
    const { readFile } = await import('node:fs/promises');
    return { fileName: download.suggestedFilename(), text: await readFile((await download.path())!, 'utf8') };
  }

  /**
   * Records, inside the page, every status a host row or action chip shows (a MutationObserver,
   * so short-lived states are not missed between two polls).
   */
  async recordProgress() {
    await this.page.evaluate(() => {
      const w = window as unknown as { __rbProgress: ProgressRecord[] };
      w.__rbProgress = [];
      const note = (el: Element) => {
        const tid = el.getAttribute('data-testid');
        if (tid !== 'run-host' && tid !== 'run-action') return;
        const row = el.closest('[data-testid="run-host"]');
        w.__rbProgress.push({
          kind: tid === 'run-host' ? 'host' : 'action',
          hostId: row?.getAttribute('data-host-id') ?? '',
          actionId: el.getAttribute('data-action-id') ?? '',
          status: el.getAttribute('data-status') ?? '',
          stage: row?.getAttribute('data-stage') ?? '',
        });
      };
      new MutationObserver((muts) => {
        for (const m of muts) {
          if (m.type === 'attributes') note(m.target as Element);
          m.addedNodes.forEach((n) => {
            if (!(n instanceof Element)) return;
            note(n);
            n.querySelectorAll('[data-testid="run-host"], [data-testid="run-action"]').forEach(note);
          });
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status', 'data-stage'] });
    });
  }

  async recordedProgress(): Promise<ProgressRecord[]> {
    return this.page.evaluate(() => (window as unknown as { __rbProgress: ProgressRecord[] }).__rbProgress);
  }

  async run() {
    await this.root.getByTestId('runbook-run').click();
  }

  /** Start a new run and wait until it has ended; returns its final status. */
  async runToEnd(timeoutMs = 90_000): Promise<string> {
    const runId = () => this.root.getByTestId('run-status').getAttribute('data-run-id', { timeout: 1000 }).catch(() => null);
    const before = await runId();
    await this.run();
    const end = await eventually(
      async () => ({ id: await runId(), status: await this.runStatus() }),
      (v) => v.id !== null && v.id !== before && v.status !== null && v.status !== 'running',
      timeoutMs,
    );
    return end.status!;
  }

  async runStatus(): Promise<string | null> {
    const s = this.root.getByTestId('run-status');
    return (await s.count()) ? s.getAttribute('data-status') : null;
  }

  async waitRunStatus(status: string, timeoutMs = 60_000) {
    return eventually(() => this.runStatus(), (s) => s === status, timeoutMs);
  }

  /** A phased step's phases as the runner shows them: mode, state, and each host's state. */
  async phases(): Promise<PhaseView[]> {
    const rows = await this.root.getByTestId('run-phase').all();
    return Promise.all(
      rows.map(async (r) => ({
        id: (await r.getAttribute('data-phase')) ?? '',
        state: (await r.getAttribute('data-state')) ?? '',
        mode: (await r.getAttribute('data-mode')) ?? '',
        hosts: await Promise.all(
          (await r.getByTestId('run-phase-host').all()).map(async (h) => ({ hostId: (await h.getAttribute('data-host-id')) ?? '', state: (await h.getAttribute('data-state')) ?? '' })),
        ),
      })),
    );
  }

  async hosts(): Promise<RunHostView[]> {
    const rows = await this.root.getByTestId('run-host').all();
    return Promise.all(
      rows.map(async (r) => ({
        address: (await r.getAttribute('data-address')) ?? '',
        status: (await r.getAttribute('data-status')) ?? '',
        stage: (await r.getAttribute('data-stage')) ?? '',
        actions: await Promise.all(
          (await r.getByTestId('run-action').all()).map(async (a) => ({
            id: (await a.getAttribute('data-action-id')) ?? '',
            status: (await a.getAttribute('data-status')) ?? '',
          })),
        ),
      })),
    );
  }

  findingItems(): Locator {
    return this.root.getByTestId('finding');
  }

  async findings(): Promise<FindingItemView[]> {
    const items = await this.findingItems().all();
    return Promise.all(
      items.map(async (f) => ({
        code: (await f.getAttribute('data-code')) ?? '',
        severity: (await f.getAttribute('data-severity')) ?? '',
        hostId: (await f.getAttribute('data-host-id')) ?? '',
        waived: (await f.getAttribute('data-waived')) === 'yes',
        text: await f.innerText(),
      })),
    );
  }

  finding(code: string, hostId: string): Locator {
    return this.root.locator(`[data-testid="finding"][data-code="${code}"][data-host-id="${hostId}"]`);
  }

  /** Findings are grouped by kind across hosts: a group of several hosts lists them when opened. */
  group(code: string, severity = 'blocking'): Locator {
    return this.root.locator(`[data-testid="finding-group"][data-code="${code}"][data-severity="${severity}"]`);
  }

  async groups(): Promise<{ code: string; severity: string; hosts: number; open: number; title: string }[]> {
    const items = await this.root.getByTestId('finding-group').all();
    return Promise.all(
      items.map(async (g) => ({
        code: (await g.getAttribute('data-code')) ?? '',
        severity: (await g.getAttribute('data-severity')) ?? '',
        hosts: Number(await g.getAttribute('data-hosts')),
        open: Number(await g.getAttribute('data-open-count')),
        title: await g.getByTestId('finding-group-title').innerText(),
      })),
    );
  }

  /** Shows the hosts of the group a finding is in (no-op when they show already). */
  async expandGroup(code: string, severity = 'blocking') {
    const toggle = this.group(code, severity).getByTestId('finding-group-toggle');
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  }

  /** The step's summary line ("20 blocking findings on 4 hosts — 3 kinds") and its counts. */
  async summary(): Promise<{ kind: string; blocking: number; hosts: number; kinds: number; text: string }> {
    const s = this.root.getByTestId('run-summary');
    return {
      kind: (await s.getAttribute('data-kind')) ?? '',
      blocking: Number((await s.getAttribute('data-blocking')) ?? 0),
      hosts: Number((await s.getAttribute('data-blocking-hosts')) ?? 0),
      kinds: Number((await s.getAttribute('data-kinds')) ?? 0),
      text: await s.innerText(),
    };
  }

  /** Opens the waiver dialog of a finding; returns the dialog's controls. */
  async openWaiver(code: string, hostId: string) {
    await this.expandGroup(code);
    await this.finding(code, hostId).getByTestId('finding-waive').click();
    const dialog = this.page.getByTestId('waiver-dialog');
    await dialog.waitFor();
    return {
      dialog,
      reason: dialog.getByTestId('waiver-reason'),
      technician: dialog.getByTestId('waiver-technician'),
      submit: dialog.getByTestId('waiver-submit'),
    };
  }

  /** Waive a blocking finding with a reason and a name, and wait for the dialog to close. */
  async waive(code: string, hostId: string, reason: string, technician: string) {
    const w = await this.openWaiver(code, hostId);
    await w.reason.fill(reason);
    await w.technician.fill(technician);
    await w.submit.click();
    await w.dialog.waitFor({ state: 'detached' });
  }
}
