import type { BrowserWindowConstructorOptions, WebContents } from 'electron';

/** The part of BrowserWindow printing touches (Electron's BrowserWindow satisfies it). */
export interface PrintWindowLike {
  readonly webContents: Pick<WebContents, 'printToPDF'>;
  loadURL(url: string): Promise<void>;
  destroy(): void;
}

export type PrintWindowConstructor<W extends PrintWindowLike> = new (options: BrowserWindowConstructorOptions) => W;

/**
 * The report's HTML → PDF in Electron: a hidden, sandboxed window with JavaScript off loads the
 * self-contained HTML as a data: URL (it has no external resources; its own CSP forbids them) and
 * Chromium's printToPDF prints it on A4 honouring the page's @page rules. The browser host prints
 * the same HTML with the Chromium command line (services/report/pdf.ts).
 */
export function createPrintToPdf<W extends PrintWindowLike>(BrowserWindowCtor: PrintWindowConstructor<W>) {
  return async (html: string): Promise<Buffer> => {
    const win = new BrowserWindowCtor({
      show: false,
      webPreferences: {
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        javascript: false,
        webSecurity: true,
        // Its own partition: nothing of the app's session (storage, permission state) is shared.
        partition: 'rackside-print',
      },
    });
    try {
      await win.loadURL(`data:text/html;charset=utf-8;base64,${Buffer.from(html, 'utf8').toString('base64')}`);
      return await win.webContents.printToPDF({ pageSize: 'A4', printBackground: true, preferCSSPageSize: true });
    } finally {
      win.destroy();
    }
  };
}
