import type { FrameLocator, Page } from 'playwright-core';
import { eventually } from './wizard-page.js';

export interface ExportedFileView {
  kind: string;
  path: string;
}

/** Wizard step 8, the commissioning report, as a technician uses it. */
export class ReportPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByTestId('step-report').click();
    await this.page.getByTestId('report-step').waitFor();
  }

  /** Fold the terminal dock away so the preview is visible (screenshots). */
  async hideTerminalDock() {
    const toggle = this.page.getByTestId('dock-toggle');
    if ((await toggle.getAttribute('aria-expanded')) === 'true') await toggle.click();
  }

  async fillSignOff(p: { technician?: string; customerRepresentative?: string; date?: string }) {
    if (p.technician !== undefined) await this.page.getByTestId('report-technician').fill(p.technician);
    if (p.customerRepresentative !== undefined) await this.page.getByTestId('report-customer-rep').fill(p.customerRepresentative);
    if (p.date !== undefined) await this.page.getByTestId('report-date').fill(p.date);
  }

  /** Show the preview; returns the verdict it shows. */
  async preview(): Promise<string> {
    await this.page.getByTestId('report-preview').click();
    await this.waitIdle();
    return (await this.page.getByTestId('report-verdict').getAttribute('data-verdict')) ?? '';
  }

  previewFrame(): FrameLocator {
    return this.page.frameLocator('[data-testid="report-preview-frame"]');
  }

  async exportAll(): Promise<ExportedFileView[]> {
    return this.exportWith('report-export-all', 3);
  }

  async exportBundle(): Promise<ExportedFileView> {
    const added = await this.exportWith('report-bundle', 1);
    return added[0]!;
  }

  async error(): Promise<string | null> {
    const e = this.page.getByTestId('report-error');
    return (await e.count()) ? e.innerText() : null;
  }

  async files(): Promise<ExportedFileView[]> {
    const items = await this.page.getByTestId('report-file').all();
    return Promise.all(items.map(async (i) => ({ kind: (await i.getAttribute('data-kind')) ?? '', path: (await i.getAttribute('data-path')) ?? '' })));
  }

  private async exportWith(testId: string, count: number): Promise<ExportedFileView[]> {
    const before = (await this.files()).length;
    await this.page.getByTestId(testId).click();
    await this.waitIdle();
    const err = await this.error();
    if (err) throw new Error(`export failed: ${err}`);
    // Newest first.
    const files = await eventually(() => this.files(), (f) => f.length >= before + count);
    return files.slice(0, count);
  }

  private async waitIdle() {
    await eventually(() => this.page.getByTestId('report-busy').count(), (n) => n === 0, 90_000);
  }
}
