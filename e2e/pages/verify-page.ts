import type { Locator, Page } from 'playwright-core';
import { eventually } from './wizard-page.js';

/** Wizard step 7: the verification plan, the verification run (RunbookPage 'verification') and the failover drill panel. */
export class VerifyPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByTestId('step-verify').click();
    await this.page.getByTestId('verify-step').waitFor();
    await this.page.getByTestId('verify-plan').waitFor();
  }

  field(name: 'rto' | 'clock-offset'): Locator {
    return this.page.getByTestId(`verify-${name}`);
  }

  rebootHost(hostId: string): Locator {
    return this.page.locator(`[data-testid="verify-reboot-host"][data-host-id="${hostId}"]`);
  }

  async issues(): Promise<{ code: string; field: string; text: string }[]> {
    const items = await this.page.getByTestId('verify-issue').all();
    return Promise.all(items.map(async (i) => ({ code: (await i.getAttribute('data-code')) ?? '', field: (await i.getAttribute('data-field')) ?? '', text: await i.innerText() })));
  }

  async savePlan(): Promise<{ saved: boolean; text: string }> {
    await this.page.getByTestId('verify-save-plan').click();
    const saved = this.page.getByTestId('verify-saved');
    const error = this.page.getByTestId('verify-error');
    await eventually(async () => (await saved.count()) + (await error.count()), (n) => n > 0);
    if (await saved.count()) return { saved: true, text: await saved.innerText() };
    return { saved: false, text: await error.innerText() };
  }

  /** Opens the drill setup; returns the kinds offered with their availability. */
  async openDrill(): Promise<{ kind: string; available: boolean; text: string }[]> {
    await this.page.getByTestId('drill-open').click();
    const setup = this.page.getByTestId('drill-setup');
    const problem = this.page.getByTestId('drill-error');
    await eventually(async () => (await setup.count()) + (await problem.count()), (n) => n > 0, 60_000);
    if (await problem.count()) throw new Error(`drill.options failed: ${await problem.innerText()}`);
    const kinds = await this.page.getByTestId('drill-kind').all();
    return Promise.all(kinds.map(async (k) => ({ kind: (await k.getAttribute('data-kind')) ?? '', available: (await k.getAttribute('data-available')) === 'yes', text: await k.innerText() })));
  }

  async chooseKind(kind: string) {
    await this.page.locator(`[data-testid="drill-kind"][data-kind="${kind}"] input`).check();
  }

  /** "Start the drill…" opens the confirmation; returns its texts and the technician it is prefilled with. */
  async askToStart(): Promise<{ cut: string; restore: string; technician: string }> {
    await this.page.getByTestId('drill-start').click();
    const dialog = this.page.getByTestId('drill-confirm');
    await dialog.waitFor();
    return {
      cut: await dialog.getByTestId('drill-confirm-cut').innerText(),
      restore: await dialog.getByTestId('drill-confirm-restore').innerText(),
      technician: await dialog.getByTestId('drill-technician').inputValue(),
    };
  }

  async confirmStart() {
    await this.page.getByTestId('drill-confirm-start').click();
    await this.page.getByTestId('drill-confirm').waitFor({ state: 'detached' });
  }

  /** Every state the progress panel showed, with the timeline's length then (a MutationObserver: short states are not missed). */
  async recordProgress() {
    await this.page.evaluate(() => {
      const w = window as unknown as { __drill: { state: string; events: number; probes: string }[] };
      w.__drill = [];
      const note = () => {
        const p = document.querySelector('[data-testid="drill-progress"]');
        if (!p) return;
        w.__drill.push({ state: p.getAttribute('data-state') ?? '', events: p.querySelectorAll('[data-testid="drill-event"]').length, probes: p.querySelector('[data-testid="drill-probes"]')?.textContent ?? '' });
      };
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
  }

  async recordedProgress(): Promise<{ state: string; events: number; probes: string }[]> {
    return this.page.evaluate(() => (window as unknown as { __drill: { state: string; events: number; probes: string }[] }).__drill);
  }

  /** Waits for the drill's result; returns its state and figures as shown. */
  async result(timeoutMs: number): Promise<{ state: string; rto: string; rejoin: string; rtoVerdict: string; text: string }> {
    const r = this.page.getByTestId('drill-result');
    await r.waitFor({ timeout: timeoutMs });
    return {
      state: (await r.getAttribute('data-state')) ?? '',
      rto: await r.getByTestId('drill-rto').innerText(),
      rejoin: await r.getByTestId('drill-rejoin').innerText(),
      rtoVerdict: (await r.getByTestId('drill-rto-verdict').getAttribute('data-result')) ?? '',
      text: await r.innerText(),
    };
  }
}
