import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';

export const STEP_IDS = ['inventory', 'hardware', 'network', 'storage', 'master', 'workers', 'verify', 'report'] as const;
export type StepId = (typeof STEP_IDS)[number];

/** Poll until `read` returns something `check` accepts; the last value is in the failure message. */
export async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T = await read();
  while (!check(last)) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

export interface HostRowView {
  address: string;
  status: string | null;
  hostname: string;
  fingerprint: string;
}

/** The wizard frame and its Project & inventory step, as a technician uses them. */
export class WizardPage {
  constructor(readonly page: Page) {}

  async open(url: string) {
    await this.page.goto(url);
    await this.waitConnected();
  }

  async waitConnected() {
    await this.page.getByTestId('backend-status').and(this.page.locator('[data-state="open"]')).waitFor({ timeout: 15_000 });
  }

  step(id: StepId): Locator {
    return this.page.getByTestId(`step-${id}`);
  }

  async stepNames(): Promise<string[]> {
    return Promise.all(STEP_IDS.map((id) => this.step(id).innerText()));
  }

  async setLanguage(lang: 'en' | 'zh-CN') {
    await this.page.getByTestId('lang-select').selectOption(lang);
  }

  async importInventory(path: string) {
    await this.page.getByTestId('import-file').setInputFiles(path);
  }

  /** Types a file's path on this machine and has the backend read it from disk. */
  async importFromPath(path: string) {
    await this.page.getByTestId('import-path').fill(path);
    await this.page.getByTestId('import-path-submit').click();
  }

  /** The import's outcome once shown: 'ok' or 'error', and its text. */
  async importResult(): Promise<{ kind: string | null; text: string }> {
    const msg = this.page.getByTestId('import-result');
    await msg.waitFor({ timeout: 30_000 });
    return { kind: await msg.getAttribute('data-kind'), text: await msg.innerText() };
  }

  async importErrors(): Promise<string[]> {
    await this.page.getByTestId('import-errors').waitFor();
    return this.page.getByTestId('import-error').allInnerTexts();
  }

  rows(): Locator {
    return this.page.getByTestId('host-row');
  }

  async hostRows(): Promise<HostRowView[]> {
    const rows = await this.rows().all();
    return Promise.all(
      rows.map(async (row) => ({
        address: (await row.getAttribute('data-address')) ?? '',
        status: await row.getByTestId('host-status').getAttribute('data-status'),
        hostname: (await row.getByTestId('host-hostname').innerText()).trim(),
        fingerprint: (await row.getByTestId('host-fingerprint').innerText()).trim(),
      })),
    );
  }

  async waitForRows(check: (rows: HostRowView[]) => boolean, timeoutMs = 30_000): Promise<HostRowView[]> {
    return eventually(() => this.hostRows(), check, timeoutMs);
  }

  async testConnections() {
    await this.page.getByTestId('test-connections').click();
  }

  /** "Trust all shown fingerprints" asks once, listing every key; this confirms that list. */
  async trustAllShownFingerprints() {
    await this.page.getByTestId('trust-all').click();
    await this.page.getByTestId('trust-all-confirm').click();
  }

  /** The fingerprints the trust-all dialog lists, before confirming (the dialog stays open). */
  async trustAllList(): Promise<string[]> {
    await this.page.getByTestId('trust-all').click();
    await this.page.getByTestId('trust-all-dialog').waitFor();
    return this.page.getByTestId('trust-all-item').allInnerTexts();
  }

  /** The import dialog shown for a non-empty inventory or an Ansible / k0sctl file. */
  importDialog(): Locator {
    return this.page.getByTestId('import-dialog');
  }

  /** Each host the dialog lists with the role its groups give it. */
  async importDialogHosts(): Promise<{ address: string; role: string }[]> {
    await this.importDialog().waitFor({ timeout: 30_000 });
    const rows = await this.page.getByTestId('import-host').all();
    return Promise.all(rows.map(async (r) => ({ address: (await r.getAttribute('data-address')) ?? '', role: (await r.getAttribute('data-role')) ?? '' })));
  }

  /** The change list of a merge/replace: each listed host's kind (added, changed, kept, removed, unchanged) and text. */
  async importChanges(): Promise<{ kind: string; address: string; text: string }[]> {
    const items = await this.page.getByTestId('import-change').all();
    return Promise.all(items.map(async (i) => ({ kind: (await i.getAttribute('data-kind')) ?? '', address: (await i.getAttribute('data-address')) ?? '', text: (await i.innerText()).trim() })));
  }

  async setGroupRole(group: string, role: 'master' | 'worker') {
    await this.page.locator(`[data-testid="import-group"][data-group="${group}"]`).getByTestId('import-group-role').selectOption(role);
  }

  async chooseImportMode(mode: 'merge' | 'replace') {
    await this.page.getByTestId(`import-mode-${mode}`).check();
  }

  async confirmImport() {
    await this.page.getByTestId('import-confirm').click();
    await this.importDialog().waitFor({ state: 'detached' });
  }

  async fillProject(p: { site?: string; customer?: string; technician?: string; dir: string }) {
    if (p.site !== undefined) await this.page.getByTestId('project-site').fill(p.site);
    if (p.customer !== undefined) await this.page.getByTestId('project-customer').fill(p.customer);
    if (p.technician !== undefined) await this.page.getByTestId('project-technician').fill(p.technician);
    await this.page.getByTestId('project-dir').fill(p.dir);
  }

  async save(): Promise<{ kind: string | null; text: string }> {
    await this.page.getByTestId('project-save').click();
    return this.projectMessage();
  }

  async openProject(dir: string): Promise<{ kind: string | null; text: string }> {
    await this.page.getByTestId('project-dir').fill(dir);
    const button = this.page.getByTestId('project-open');
    await button.click();
    // Until this open has answered (the button is off while it runs): the message shown before it is
    // not its answer (CI, loaded: a stale "ok" read for a broken file, a stale "error" for a good one).
    await eventually(() => button.isEnabled(), (e) => e, 30_000);
    return this.projectMessage();
  }

  private async projectMessage() {
    const msg = this.page.getByTestId('project-message');
    await msg.waitFor();
    const text = await eventually(() => msg.innerText(), (t) => t.trim().length > 0);
    return { kind: await msg.getAttribute('data-kind'), text };
  }

  async expectStepCount() {
    for (const id of STEP_IDS) expect(await this.step(id).isVisible()).toBe(true);
  }
}
