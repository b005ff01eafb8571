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

  /** The language the report exports in (the control in the Report step). */
  async chooseLanguage(lang: 'en' | 'zh-CN') {
    await this.page.getByTestId('report-language').selectOption(lang);
  }

  async language(): Promise<string> {
    return this.page.getByTestId('report-language').inputValue();
  }

  /** Show the preview; returns the verdict it shows. */
  async preview(): Promise<string> {
    const want = await this.language();
    // An error shown instead of a preview ends the wait too (the caller reads it).
    const shown = async () =>
      (await this.page.getByTestId('report-error').count()) > 0 ? 'error' : this.previewFrame().locator('html').getAttribute('lang', { timeout: 2_000 }).catch(() => null);
    // Waits for the preview in the chosen language. verify.e2e.ts saw a click right after the UI's
    // language was switched send no report.preview at all (the WebSocket's frames logged, 2026-12-07:
    // one request for two clicks), the button enabled before and after: a click that is not answered
    // within 15 s is made once more, rather than reading the last language's frame for 30 s.
    for (let attempt = 1; ; attempt++) {
      await this.page.getByTestId('report-preview').click();
      await this.waitIdle();
      const ok = await eventually(shown, (l) => l === want || l === 'error', 15_000).then(() => true, () => false);
      if (ok || attempt === 2) break;
    }
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

  /** The verdict's reasons as shown: code, wizard phase, step module ("" for the wizard step as a whole), text. */
  async reasons(): Promise<{ code: string; phase: string; step: string; text: string }[]> {
    const items = await this.page.getByTestId('report-reason').all();
    return Promise.all(
      items.map(async (i) => ({
        code: (await i.getAttribute('data-code')) ?? '',
        phase: (await i.getAttribute('data-phase')) ?? '',
        step: (await i.getAttribute('data-step')) ?? '',
        text: await i.innerText(),
      })),
    );
  }

  async verdictText(): Promise<string> {
    return this.page.getByTestId('report-verdict').innerText();
  }

  /** Press Verify; returns whether it says "match", and each difference it names. */
  async verify(): Promise<{ match: boolean; problems: { code: string; line: string; file: string; text: string }[]; text: string }> {
    await this.page.getByTestId('report-verify').click();
    await this.waitIdle();
    const err = await this.error();
    if (err) throw new Error(`verify failed: ${err}`);
    const result = this.page.getByTestId('report-verify-result');
    await result.waitFor();
    const problems = await Promise.all(
      (await result.getByTestId('report-verify-problem').all()).map(async (p) => ({
        code: (await p.getAttribute('data-code')) ?? '',
        line: (await p.getAttribute('data-line')) ?? '',
        file: (await p.getAttribute('data-file')) ?? '',
        text: await p.innerText(),
      })),
    );
    return { match: (await result.getAttribute('data-match')) === 'yes', problems, text: await result.innerText() };
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
