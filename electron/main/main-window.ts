import type { BrowserWindowConstructorOptions, WebContents } from 'electron';
import type { Logger } from '../services/log/logger.js';
import { hardenWebContents } from './security.js';
import { APP_ENTRY_URL, secureWindowOptions } from './window-options.js';

/** The part of BrowserWindow that window creation touches (Electron's BrowserWindow satisfies it). */
export interface MainWindowLike {
  readonly webContents: WebContents;
  show(): void;
  loadURL(url: string): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): unknown;
}

/**
 * The BrowserWindow constructor is a parameter — a named seam — because no Electron runtime exists
 * on our build machines: tests pass a fake to check the exact options and the hardening, and
 * index.ts passes Electron's real BrowserWindow.
 */
export type BrowserWindowConstructor<W extends MainWindowLike> = new (options: BrowserWindowConstructorOptions) => W;

export function createMainWindow<W extends MainWindowLike>(
  BrowserWindowCtor: BrowserWindowConstructor<W>,
  preloadPath: string,
  log: Logger,
): W {
  const win = new BrowserWindowCtor(secureWindowOptions(preloadPath));
  // Hardened before the first load, so not even the first navigation escapes the rules.
  hardenWebContents(win.webContents, log);
  win.once('ready-to-show', () => win.show());
  win.loadURL(APP_ENTRY_URL).catch((e: unknown) => {
    log.error('could not load the app', { url: APP_ENTRY_URL, error: e instanceof Error ? e.message : String(e) });
  });
  return win;
}
