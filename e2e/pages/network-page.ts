import type { Locator, Page } from 'playwright-core';
import { RunbookPage } from './runbook-page.js';
import { eventually } from './wizard-page.js';

export interface MatrixCellView {
  from: string;
  to: string;
  status: string;
  lossPct: number;
  rttMs: number;
  mtuOk: string;
  text: string;
}

export type PlanField = 'hostname' | 'name' | 'address' | 'prefix' | 'gateway' | 'mtu';

/** Wizard step 3 (network) as the technician uses it: plan, hostnames, the check and its matrix. */
export class NetworkPage {
  readonly hostsRunner: RunbookPage;
  readonly checkRunner: RunbookPage;

  constructor(readonly page: Page) {
    this.hostsRunner = new RunbookPage(page, 'network-hosts');
    this.checkRunner = new RunbookPage(page, 'network-check');
  }

  async open() {
    await this.page.getByTestId('step-network').click();
    await this.page.getByTestId('network-step').waitFor();
    await this.page.getByTestId('network-plan').waitFor();
  }

  async readInterfaces(): Promise<{ hostId: string; iface: string; text: string }[]> {
    const button = this.page.getByTestId('network-read-interfaces');
    await button.click();
    // Until this read has ended (the button is disabled while it runs): a second read must not
    // return the first one's rows (CI, loaded: the re-read address came after a 1 s poll gave up).
    await eventually(() => button.isEnabled(), (e) => e, 60_000);
    const rows = await eventually(() => this.page.getByTestId('iface-row').all(), (r) => r.length > 0, 30_000);
    return Promise.all(rows.map(async (r) => ({ hostId: (await r.getAttribute('data-host-id')) ?? '', iface: (await r.getAttribute('data-iface')) ?? '', text: await r.innerText() })));
  }

  planRow(address: string): Locator {
    return this.page.locator(`[data-testid="plan-host"][data-address="${address}"]`);
  }

  async setHost(address: string, values: Partial<Record<PlanField, string>>) {
    for (const [f, v] of Object.entries(values)) await this.planRow(address).getByTestId(`plan-${f}`).fill(v);
  }

  async setCluster(values: Partial<Record<'domain' | 'vip' | 'vip-name' | 'dns' | 'ports', string>>) {
    for (const [f, v] of Object.entries(values)) await this.page.getByTestId(`plan-${f}`).fill(v);
  }

  async issues(): Promise<{ code: string; text: string }[]> {
    const items = await this.page.getByTestId('network-issue').all();
    return Promise.all(items.map(async (i) => ({ code: (await i.getAttribute('data-code')) ?? '', text: await i.innerText() })));
  }

  /** Click save; resolves with the saved path or the error shown. */
  async savePlan(): Promise<{ saved: boolean; text: string }> {
    await this.page.getByTestId('network-save-plan').click();
    const saved = this.page.getByTestId('network-plan-saved');
    const error = this.page.getByTestId('network-error');
    await eventually(async () => (await saved.count()) + (await error.count()), (n) => n > 0);
    if (await saved.count()) return { saved: true, text: await saved.innerText() };
    return { saved: false, text: await error.innerText() };
  }

  addressingButtons(): Locator {
    return this.page.getByTestId('addressing-preview');
  }

  /** Run a runner's step and wait for that new run to finish; returns its status. */
  async run(runner: RunbookPage): Promise<string> {
    const statusEl = runner.root.getByTestId('run-status');
    const before = (await statusEl.count()) ? await statusEl.getAttribute('data-run-id') : null;
    await runner.run();
    const v = await eventually(
      async () => ((await statusEl.count()) ? { id: await statusEl.getAttribute('data-run-id'), status: await statusEl.getAttribute('data-status') } : { id: null, status: null }),
      (x) => x.id !== null && x.id !== before && x.status !== 'running',
      120_000,
    );
    return v.status!;
  }

  /** The matrix of the run `runId` once it is shown. */
  async matrix(runId: string): Promise<MatrixCellView[]> {
    await eventually(() => this.page.getByTestId('network-matrix').getAttribute('data-run-id').catch(() => null), (id) => id === runId, 30_000);
    const cells = await this.page.getByTestId('matrix-cell').all();
    return Promise.all(
      cells.map(async (c) => ({
        from: (await c.getAttribute('data-from-address')) ?? '',
        to: (await c.getAttribute('data-to-address')) ?? '',
        status: (await c.getAttribute('data-status')) ?? '',
        lossPct: Number(await c.getAttribute('data-loss')),
        rttMs: Number(await c.getAttribute('data-rtt')),
        mtuOk: (await c.getAttribute('data-mtu-ok')) ?? '',
        text: await c.innerText(),
      })),
    );
  }

  async lastRunId(runner: RunbookPage): Promise<string> {
    return (await runner.root.getByTestId('run-status').getAttribute('data-run-id')) ?? '';
  }

  async hostFindings(address: string): Promise<{ code: string; severity: string; text: string }[]> {
    const items = await this.page.locator(`[data-testid="host-findings"][data-address="${address}"] [data-testid="host-finding"]`).all();
    return Promise.all(items.map(async (i) => ({ code: (await i.getAttribute('data-code')) ?? '', severity: (await i.getAttribute('data-severity')) ?? '', text: await i.innerText() })));
  }

  /** The matrix and per-host findings, scrolled into view (the page itself scrolls inside the app frame). */
  async screenshotMatrix(path: string) {
    const panel = this.page.getByTestId('network-matrix-panel');
    await panel.scrollIntoViewIfNeeded();
    await panel.screenshot({ path });
  }
}
