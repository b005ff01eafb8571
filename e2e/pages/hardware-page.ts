import type { Locator, Page } from 'playwright-core';
import { eventually } from './wizard-page.js';

export interface HardwareRowView {
  hostname: string;
  serial: string;
  cpu: string;
  ram: string;
  disks: string;
}

/** Wizard step 2 as the technician uses it: profile, run, findings, waivers, the hardware table. */
export class HardwarePage {
  constructor(readonly page: Page) {}

  runner(): Locator {
    return this.page.getByTestId('runner-hardware');
  }

  async open() {
    await this.page.getByTestId('step-hardware').click();
    await this.runner().waitFor();
  }

  async chooseProfile(profile: 'default' | 'production' | 'lab') {
    await this.page.getByTestId('hardware-profile').selectOption(profile);
    await eventually(() => this.page.getByTestId('hardware-profile').isEnabled(), (v) => v);
  }

  /** Run the step and wait until it has finished (completed or failed). */
  async run(): Promise<string> {
    const before = await this.runStatusRunId();
    await this.runner().getByTestId('runbook-run').click();
    return eventually(
      async () => ({ id: await this.runStatusRunId(), status: await this.runner().getByTestId('run-status').getAttribute('data-status').catch(() => null) }),
      (v) => v.id !== before && v.status !== null && v.status !== 'running',
      90_000,
    ).then((v) => v.status!);
  }

  private async runStatusRunId(): Promise<string> {
    const el = this.runner().getByTestId('run-status');
    return (await el.count()) ? ((await el.getAttribute('data-run-id')) ?? '') : '';
  }

  async findings(): Promise<{ code: string | null; severity: string | null; hostId: string | null; waived: string | null; text: string }[]> {
    const items = await this.runner().getByTestId('finding').all();
    return Promise.all(
      items.map(async (f) => ({
        code: await f.getAttribute('data-code'),
        severity: await f.getAttribute('data-severity'),
        hostId: await f.getAttribute('data-host-id'),
        waived: await f.getAttribute('data-waived'),
        text: await f.innerText(),
      })),
    );
  }

  finding(code: string, hostId: string): Locator {
    return this.runner().locator(`[data-testid="finding"][data-code="${code}"][data-host-id="${hostId}"]`);
  }

  async waive(code: string, hostId: string, reason: string, technician: string) {
    await this.finding(code, hostId).getByTestId('finding-waive').click();
    const dialog = this.page.getByTestId('waiver-dialog');
    await dialog.getByTestId('waiver-reason').fill(reason);
    await dialog.getByTestId('waiver-technician').fill(technician);
    await dialog.getByTestId('waiver-submit').click();
    await dialog.waitFor({ state: 'detached' });
  }

  async table(): Promise<HardwareRowView[]> {
    const rows = await this.page.getByTestId('hw-row').all();
    return Promise.all(
      rows.map(async (r) => ({
        hostname: (await r.getAttribute('data-hostname')) ?? '',
        serial: (await r.getByTestId('hw-serial').innerText()).trim(),
        cpu: await r.getByTestId('hw-cpu').innerText(),
        ram: await r.getByTestId('hw-ram').innerText(),
        disks: await r.getByTestId('hw-disks').innerText(),
      })),
    );
  }
}
