import { describe, expect, it } from 'vitest';
import type { BrowserWindowConstructorOptions } from 'electron';
import { createPrintToPdf } from './print-to-pdf.js';

/** A stand-in for BrowserWindow: no Electron runtime exists on our build machines. */
class FakePrintWindow {
  static last: FakePrintWindow | null = null;
  loaded = '';
  destroyed = false;
  printOptions: unknown = null;
  constructor(readonly options: BrowserWindowConstructorOptions) {
    FakePrintWindow.last = this;
  }
  readonly webContents = {
    printToPDF: async (o: unknown) => {
      this.printOptions = o;
      return Buffer.from('%PDF-fake');
    },
  };
  async loadURL(url: string) {
    this.loaded = url;
  }
  destroy() {
    this.destroyed = true;
  }
}

describe('Electron printToPDF', () => {
  it('prints the HTML in a hidden, sandboxed window without JavaScript on A4, then destroys it', async () => {
    const print = createPrintToPdf(FakePrintWindow);
    const pdf = await print('<p>上海</p>');
    const w = FakePrintWindow.last!;
    expect(pdf.toString()).toBe('%PDF-fake');
    expect(w.options).toMatchObject({ show: false, webPreferences: { sandbox: true, javascript: false, nodeIntegration: false, contextIsolation: true } });
    expect(Buffer.from(w.loaded.split(',')[1]!, 'base64').toString()).toBe('<p>上海</p>');
    expect(w.printOptions).toEqual({ pageSize: 'A4', printBackground: true, preferCSSPageSize: true });
    expect(w.destroyed).toBe(true);
  });
});
