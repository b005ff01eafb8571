import type { Locator, Page } from 'playwright-core';
import { RunbookPage } from './runbook-page.js';
import { eventually } from './wizard-page.js';

export interface DiskRowView {
  hostId: string;
  serial: string;
  name: string;
  eligible: boolean;
  reasons: string[];
  size: string;
  ticked: boolean;
  text: string;
}

/** Wizard step 4 (storage) as the technician uses it: read disks, plan, save, run, follow the array. */
export class StoragePage {
  readonly runner: RunbookPage;

  constructor(readonly page: Page) {
    this.runner = new RunbookPage(page, 'storage');
  }

  async open() {
    await this.page.getByTestId('step-storage').click();
    await this.page.getByTestId('storage-step').waitFor();
    await this.page.getByTestId('storage-plan').waitFor();
  }

  /** Fold the terminal dock away so screenshots show the step, and bring `testId`'s panel into view. */
  async showPanel(testId: string) {
    const toggle = this.page.getByTestId('dock-toggle');
    if ((await toggle.getAttribute('aria-expanded')) === 'true') await toggle.click();
    await this.page.getByTestId(testId).scrollIntoViewIfNeeded();
  }

  async readDisks(timeoutMs = 180_000): Promise<DiskRowView[]> {
    await this.page.getByTestId('storage-read-disks').click();
    const done = async () => (await this.page.getByTestId('storage-host').count()) + (await this.page.getByTestId('storage-error').count());
    await eventually(done, (n) => n > 0, timeoutMs);
    return this.disks();
  }

  async disks(): Promise<DiskRowView[]> {
    const rows = await this.page.getByTestId('storage-disk').all();
    return Promise.all(
      rows.map(async (r) => ({
        hostId: (await r.locator('xpath=ancestor::*[@data-testid="storage-host"]').getAttribute('data-host-id')) ?? '',
        serial: (await r.getAttribute('data-serial')) ?? '',
        name: (await r.getAttribute('data-name')) ?? '',
        eligible: (await r.getAttribute('data-eligible')) === 'true',
        reasons: ((await r.getAttribute('data-reasons')) ?? '').split(' ').filter(Boolean),
        size: (await r.getByTestId('storage-disk-size').innerText()).trim(),
        ticked: await r.getByTestId('storage-disk-use').isChecked(),
        text: await r.innerText(),
      })),
    );
  }

  disk(serial: string): Locator {
    return this.page.locator(`[data-testid="storage-disk"][data-serial="${serial}"]`);
  }

  async setLayout(p: { level?: string; arrayName?: string; lvm?: boolean; vg?: string }) {
    if (p.level !== undefined) await this.page.getByTestId('storage-level').selectOption(p.level);
    if (p.arrayName !== undefined) await this.page.getByTestId('storage-array-name').fill(p.arrayName);
    if (p.lvm !== undefined) await this.page.getByTestId('storage-lvm').setChecked(p.lvm);
    if (p.vg !== undefined) await this.page.getByTestId('storage-vg').fill(p.vg);
  }

  async setVolume(index: number, v: { name?: string; size?: string; filesystem?: string; mountPoint?: string; options?: string }) {
    const row = this.page.locator(`[data-testid="storage-volume"][data-index="${index}"]`);
    if (v.name !== undefined) await row.getByTestId('storage-volume-name').fill(v.name);
    if (v.size !== undefined) await row.getByTestId('storage-volume-size').fill(v.size);
    if (v.filesystem !== undefined) await row.getByTestId('storage-volume-fs').selectOption(v.filesystem);
    if (v.mountPoint !== undefined) await row.getByTestId('storage-volume-mount').fill(v.mountPoint);
    if (v.options !== undefined) await row.getByTestId('storage-volume-options').fill(v.options);
  }

  async issues(): Promise<{ code: string; text: string }[]> {
    const items = await this.page.getByTestId('storage-issue').all();
    return Promise.all(items.map(async (i) => ({ code: (await i.getAttribute('data-code')) ?? '', text: await i.innerText() })));
  }

  /** Click save; resolves with the saved path or the error shown. */
  async savePlan(): Promise<{ saved: boolean; text: string }> {
    await this.page.getByTestId('storage-save-plan').click();
    const saved = this.page.getByTestId('storage-plan-saved');
    const error = this.page.getByTestId('storage-error');
    await eventually(async () => (await saved.count()) + (await error.count()), (n) => n > 0);
    if (await saved.count()) return { saved: true, text: await saved.innerText() };
    return { saved: false, text: await error.innerText() };
  }

  dialog(): Locator {
    return this.page.getByTestId('confirm-dialog');
  }

  /** Start a run and wait for the confirmation; resolves with its changes as listed. */
  async startRunToConfirmation(timeoutMs = 60_000): Promise<{ code: string; serial: string; tickable: boolean; text: string }[]> {
    await this.runner.run();
    await this.dialog().waitFor({ timeout: timeoutMs });
    const items = await this.dialog().getByTestId('confirm-change').all();
    return Promise.all(
      items.map(async (i) => ({
        code: (await i.getAttribute('data-code')) ?? '',
        serial: (await i.getAttribute('data-serial')) ?? '',
        tickable: (await i.getByTestId('confirm-change-tick').count()) > 0,
        text: await i.innerText(),
      })),
    );
  }

  async runEnabled(): Promise<boolean> {
    return this.dialog().getByTestId('confirm-run').isEnabled();
  }

  async tickList() {
    await this.dialog().getByTestId('confirm-tick').check();
  }

  async tickDisk(serial: string) {
    await this.dialog().locator(`[data-testid="confirm-change"][data-serial="${serial}"]`).getByTestId('confirm-change-tick').check();
  }

  async confirm() {
    await this.dialog().getByTestId('confirm-run').click();
  }

  async cancelDialog() {
    await this.dialog().getByTestId('confirm-cancel').click();
  }

  async arrays(): Promise<{ hostId: string; device: string; state: string; percent: string | null; members: string[]; missing: string; text: string }[]> {
    const items = await this.page.getByTestId('storage-array').all();
    return Promise.all(
      items.map(async (a) => ({
        hostId: (await a.locator('xpath=ancestor::*[@data-testid="storage-status-host"]').getAttribute('data-host-id')) ?? '',
        device: (await a.getAttribute('data-device')) ?? '',
        state: (await a.getAttribute('data-state')) ?? '',
        percent: (await a.getByTestId('storage-sync').count()) ? await a.getByTestId('storage-sync').getAttribute('data-percent') : null,
        members: await Promise.all((await a.getByTestId('storage-member').all()).map(async (m) => (await m.getAttribute('data-serial')) ?? '')),
        missing: (await a.getByTestId('storage-missing').count()) ? await a.getByTestId('storage-missing').innerText() : '',
        text: await a.innerText(),
      })),
    );
  }
}
