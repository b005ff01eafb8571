import type { Locator, Page } from 'playwright-core';
import { eventually } from './wizard-page.js';

/**
 * The terminal dock as a technician uses it: open shells, type, broadcast, resize. What a pane
 * shows is read from xterm's buffer API (window.racksideTerminals), not from the DOM rows, so the
 * assertions hold for the WebGL renderer too.
 */
export class TerminalPage {
  constructor(readonly page: Page) {}

  pane(sessionId: string): Locator {
    return this.page.locator(`[data-testid="terminal-pane"][data-session-id="${sessionId}"]`);
  }

  async setLayout(layout: 'tabs' | 'grid') {
    await this.page.getByTestId('terminal-layout').selectOption(layout);
  }

  /** Opens a shell and returns its session id once the pane is open. */
  async openHostShell(hostLabel: string): Promise<string> {
    await this.page.getByTestId('terminal-host-select').selectOption({ label: hostLabel });
    return this.openVia(() => this.page.getByTestId('terminal-open-host').click(), hostLabel);
  }

  async openLocalShell(): Promise<string> {
    return this.openVia(() => this.page.getByTestId('terminal-open-local').click(), 'local');
  }

  private async openVia(click: () => Promise<void>, title: string): Promise<string> {
    const before = new Set(await this.sessionIds());
    await click();
    const r = await eventually(
      async () => ({ open: await this.sessionIds('open'), error: await this.errorText() }),
      (r) => r.error !== '' || r.open.some((id) => !before.has(id)),
      20_000,
    );
    if (r.error) throw new Error(`opening a shell on ${title} failed: ${r.error}`);
    return r.open.find((id) => !before.has(id))!;
  }

  async errorText(): Promise<string> {
    const e = this.page.getByTestId('terminal-error');
    return (await e.count()) ? (await e.innerText()).trim() : '';
  }

  async sessionIds(state?: 'open' | 'connecting' | 'exited'): Promise<string[]> {
    const tabs = state ? this.page.locator(`[data-testid="terminal-tab"][data-state="${state}"]`) : this.page.getByTestId('terminal-tab');
    return tabs.evaluateAll((els) => els.map((e) => e.getAttribute('data-session-id') ?? ''));
  }

  /** Opens the dock if it is closed (it is, until there is output). */
  async openDock() {
    const toggle = this.page.getByTestId('dock-toggle');
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  }

  /** Make the pane visible (tabs layout shows only the active one) and give it the keyboard. */
  async focus(sessionId: string) {
    await this.selectTab(sessionId);
    await this.pane(sessionId).locator('.xterm').click();
  }

  /** Selects a tab (a shell's session id, or `run:<runId>`), from the "more" menu when it does not fit in the row. */
  async selectTab(key: string) {
    const tab = this.page.locator(`[data-tab-key="${key}"]`).first();
    if ((await tab.getAttribute('data-overflow')) === 'yes') {
      if ((await this.page.getByTestId('terminal-tabs-menu').count()) === 0) await this.page.getByTestId('terminal-tabs-more').click();
      await this.page.locator(`[data-testid="terminal-tabs-menu-item"][data-tab-key="${key}"]`).click();
    } else {
      await tab.locator('[role="tab"]').click();
    }
  }

  /** The run tabs: one per step run, with how many hosts and whether all of them finished. */
  async runTabs(): Promise<{ runId: string; stepId: string; hosts: number; state: string; label: string }[]> {
    return this.page.getByTestId('terminal-run-tab').evaluateAll((els) =>
      els.map((e) => ({
        runId: e.getAttribute('data-run-id') ?? '',
        stepId: e.getAttribute('data-step-id') ?? '',
        hosts: Number(e.getAttribute('data-hosts')),
        state: e.getAttribute('data-state') ?? '',
        label: (e.querySelector('[role="tab"]')?.textContent ?? '').trim(),
      })),
    );
  }

  /** The host list beside the active run's pane. */
  async runHosts(): Promise<{ sessionId: string; hostId: string; state: string; current: boolean }[]> {
    return this.page.getByTestId('terminal-run-host').evaluateAll((els) =>
      els.map((e) => ({
        sessionId: e.getAttribute('data-session-id') ?? '',
        hostId: e.getAttribute('data-host-id') ?? '',
        state: e.getAttribute('data-state') ?? '',
        current: e.getAttribute('aria-current') === 'true',
      })),
    );
  }

  /** What a pane has selected (a search match selects it). */
  async selection(sessionId: string): Promise<string | null> {
    return this.page.evaluate((id) => window.racksideTerminals?.selection(id) ?? null, sessionId);
  }

  /** The font size and theme background the pane's xterm draws with. */
  async look(sessionId: string): Promise<{ fontSize: number; background: string } | null> {
    return this.page.evaluate((id) => window.racksideTerminals?.look(id) ?? null, sessionId);
  }

  async search(text: string, opts: { back?: boolean } = {}) {
    const box = this.page.getByTestId('terminal-search');
    await box.fill(text);
    await box.press(opts.back ? 'Shift+Enter' : 'Enter');
  }

  async type(sessionId: string, text: string) {
    await this.focus(sessionId);
    await this.page.keyboard.type(text);
  }

  async run(sessionId: string, command: string) {
    await this.type(sessionId, command);
    await this.page.keyboard.press('Enter');
  }

  /**
   * Whether the pane's header says its transcript stopped recording, and why (the badge's
   * tooltip: the transcript's path, then the reason); null while it records.
   */
  async transcriptStopped(sessionId: string): Promise<string | null> {
    const badge = this.pane(sessionId).getByTestId('terminal-transcript-stopped');
    return (await badge.count()) ? badge.getAttribute('title') : null;
  }

  /** The same for the session's tab (visible also while its pane is hidden): the mark's tooltip, or null. */
  async tabTranscriptStopped(sessionId: string): Promise<string | null> {
    const mark = this.page.locator(`[data-testid="terminal-tab"][data-session-id="${sessionId}"]`).getByTestId('terminal-tab-transcript-stopped');
    return (await mark.count()) ? mark.getAttribute('title') : null;
  }

  /** The pane's buffer as text (scrollback + screen), via xterm's buffer API. */
  async text(sessionId: string): Promise<string> {
    return this.page.evaluate((id) => window.racksideTerminals?.text(id) ?? '', sessionId);
  }

  async lines(sessionId: string): Promise<string[]> {
    return (await this.text(sessionId)).split('\n').map((l) => l.trim());
  }

  /** Wait until the pane's buffer has a line satisfying `match`. */
  async waitForLine(sessionId: string, match: (line: string) => boolean, timeoutMs = 15_000): Promise<string[]> {
    return eventually(() => this.lines(sessionId), (ls) => ls.some(match), timeoutMs);
  }

  async size(sessionId: string): Promise<{ cols: number; rows: number }> {
    const s = await this.page.evaluate((id) => window.racksideTerminals?.size(id) ?? null, sessionId);
    if (!s) throw new Error(`pane ${sessionId} has no xterm`);
    return s;
  }

  /** Closes a session with its tab's close button. */
  async closeShell(sessionId: string) {
    await this.page.locator(`[data-testid="terminal-tab"][data-session-id="${sessionId}"]`).getByTestId('terminal-tab-close').click();
    await eventually(() => this.sessionIds(), (ids) => !ids.includes(sessionId));
  }

  /** xterm Terminals the page has made, and how many wait (reset) for the next pane. */
  async terminalPool(): Promise<{ created: number; parked: number }> {
    return this.page.evaluate(() => window.racksideTerminals!.terminalPool());
  }

  async setBroadcast(on: boolean) {
    await this.page.getByTestId('terminal-broadcast').setChecked(on);
  }

  broadcastBanner(): Locator {
    return this.page.getByTestId('broadcast-banner');
  }

  async setReceivesBroadcast(sessionId: string, on: boolean) {
    await this.pane(sessionId).getByTestId('pane-broadcast-include').setChecked(on);
  }
}

declare global {
  interface Window {
    racksideTerminals?: {
      text(sessionId: string, lastLines?: number): string | null;
      size(sessionId: string): { cols: number; rows: number } | null;
      attached(): string[];
      renderer(sessionId: string): 'webgl' | 'dom' | null;
      onParsed(fn: (sessionId: string, chars: number, data: string | Uint8Array) => void): () => void;
      openShell(target: { kind: 'ssh'; host: never } | { kind: 'local' }): Promise<string | null>;
      input(sessionId: string, data: string): void;
      close(sessionId: string): Promise<void>;
      terminalPool(): { created: number; parked: number };
      selection(sessionId: string): string | null;
      look(sessionId: string): { fontSize: number; background: string } | null;
    };
  }
}
