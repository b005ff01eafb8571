import type { Locator, Page } from 'playwright-core';
import { eventually } from './wizard-page.js';

/** One phase row's state as seen in the page while the step ran (recorded by a MutationObserver). */
export interface PhaseRecord {
  phase: string;
  hostId: string;
  state: string;
}

/** Wizard step 5: the install plan editor; the runner's phases are RunbookPage.phases(). */
export class MasterPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByTestId('step-master').click();
    await this.page.getByTestId('master-step').waitFor();
    await this.page.getByTestId('install-plan').waitFor();
  }

  field(name: 'time-servers' | 'router-id' | 'service-port' | 'rollback' | 'ports-master' | 'ports-worker' | 'sysctl' | 'mirror-url' | 'mirror-suite'): Locator {
    return this.page.getByTestId(`install-${name}`);
  }

  candidate(hostId: string): Locator {
    return this.page.locator(`[data-testid="install-candidate"][data-host-id="${hostId}"]`);
  }

  async issues(): Promise<{ code: string; severity: string; text: string }[]> {
    const items = await this.page.getByTestId('install-issue').all();
    return Promise.all(items.map(async (i) => ({ code: (await i.getAttribute('data-code')) ?? '', severity: (await i.getAttribute('data-severity')) ?? '', text: await i.innerText() })));
  }

  async savePlan(): Promise<{ saved: boolean; text: string }> {
    await this.page.getByTestId('install-save-plan').click();
    const saved = this.page.getByTestId('install-saved');
    const error = this.page.getByTestId('install-error');
    await eventually(async () => (await saved.count()) + (await error.count()), (n) => n > 0);
    if (await saved.count()) return { saved: true, text: await saved.innerText() };
    return { saved: false, text: await error.innerText() };
  }

  /** Records every state a phase's host shows while the step runs (short states are not missed between polls). */
  async recordPhases() {
    await this.page.evaluate(() => {
      const w = window as unknown as { __phases: PhaseRecord[] };
      w.__phases = [];
      const note = (el: Element) => {
        if (el.getAttribute('data-testid') !== 'run-phase-host') return;
        w.__phases.push({
          phase: el.closest('[data-testid="run-phase"]')?.getAttribute('data-phase') ?? '',
          hostId: el.getAttribute('data-host-id') ?? '',
          state: el.getAttribute('data-state') ?? '',
        });
      };
      new MutationObserver((muts) => {
        for (const m of muts) {
          if (m.type === 'attributes') note(m.target as Element);
          m.addedNodes.forEach((n) => {
            if (!(n instanceof Element)) return;
            note(n);
            n.querySelectorAll('[data-testid="run-phase-host"]').forEach(note);
          });
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    });
  }

  async recordedPhases(): Promise<PhaseRecord[]> {
    return this.page.evaluate(() => (window as unknown as { __phases: PhaseRecord[] }).__phases);
  }
}
