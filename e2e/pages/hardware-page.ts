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

  /**
   * Chooses a profile and waits until it is saved. The lab profile asks for a confirmation when
   * some host is not known to be a lab node: confirmed unless `confirmLab` is false (then the
   * dialog is left open). Says whether it asked.
   */
  async chooseProfile(profile: string, opts: { confirmLab?: boolean } = {}): Promise<'asked' | 'not-asked'> {
    const select = this.page.getByTestId('hardware-profile');
    const panel = this.page.getByTestId('hardware-profile-panel');
    const dialog = this.labDialog();
    await select.selectOption(profile);
    // data-profile is what the app rendered from its state (not what the <select> shows right after the click).
    const saved = async () => (await panel.getAttribute('data-profile')) === profile && (await select.isEnabled());
    const outcome = await eventually(
      async () => ((await dialog.isVisible()) ? 'asked' : (await saved()) ? 'not-asked' : null),
      (v) => v !== null,
    );
    if (outcome === 'asked' && opts.confirmLab !== false) {
      await dialog.getByTestId('lab-profile-tick').check();
      await dialog.getByTestId('lab-profile-confirm').click();
      await eventually(saved, (v) => v);
    }
    return outcome!;
  }

  /** Asks the app to read the profile files again (a company file dropped in meanwhile). */
  async reloadProfiles() {
    await this.page.getByTestId('hardware-profiles-reload').click();
  }

  /** The profile chooser's entries as shown: id and label. */
  async profileOptions(): Promise<{ id: string; label: string }[]> {
    const options = await this.page.getByTestId('hardware-profile').locator('option').all();
    return Promise.all(options.map(async (o) => ({ id: (await o.getAttribute('value')) ?? '', label: (await o.innerText()).trim() })));
  }

  /** Profile files that were not loaded, as the step lists them. */
  async profileErrors(): Promise<{ file: string; code: string; text: string }[]> {
    const items = await this.page.getByTestId('hardware-profile-error').all();
    return Promise.all(
      items.map(async (i) => ({ file: (await i.getAttribute('data-file')) ?? '', code: (await i.getAttribute('data-code')) ?? '', text: (await i.innerText()).trim() })),
    );
  }

  labDialog() {
    return this.page.getByTestId('lab-profile-dialog');
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
