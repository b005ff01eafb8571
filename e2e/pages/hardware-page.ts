import type { Page } from 'playwright-core';
import { RunbookPage } from './runbook-page.js';
import { eventually } from './wizard-page.js';

export interface HardwareRowView {
  hostname: string;
  serial: string;
  cpu: string;
  ram: string;
  disks: string;
}

/** Wizard step 2 as the technician uses it: the profile and the hardware table; running, findings
 * and waivers go through the generic step runner's page object. */
export class HardwarePage {
  readonly runner: RunbookPage;

  constructor(readonly page: Page) {
    this.runner = new RunbookPage(page, 'hardware');
  }

  async open() {
    await this.page.getByTestId('step-hardware').click();
    await this.runner.waitVisible();
  }

  async chooseProfile(profile: 'default' | 'production' | 'lab') {
    await this.page.getByTestId('hardware-profile').selectOption(profile);
    await eventually(() => this.page.getByTestId('hardware-profile').isEnabled(), (v) => v);
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
