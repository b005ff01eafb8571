import type { BrowserWindowConstructorOptions } from 'electron';
import { beforeEach, describe, expect, it } from 'vitest';
import { ELECTRON_FUSES } from './fuses.js';
import { createMainWindow, type BrowserWindowConstructor, type MainWindowLike } from './main-window.js';
import { FakeWebContents, navigationEvent, silentLog } from './test-fakes/fake-electron.js';
import { APP_ENTRY_URL, CONTENT_SECURITY_POLICY, isAppUrl, secureWindowOptions } from './window-options.js';

const PRELOAD = '/opt/rackside/dist/electron/preload/index.cjs';

/**
 * MOCK at the createMainWindow seam. A real BrowserWindow cannot exist here: there is no Electron
 * runtime on our machines and it cannot be downloaded (docs/architecture.md, What runs where). The fake records the
 * options it was constructed with and what was done to it; its webContents is a FakeWebContents,
 * so the hardening is checked by its effects (denied window.open, prevented navigation).
 */
class FakeBrowserWindow {
  static created: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly loadedUrls: string[] = [];
  readonly onceListeners = new Map<string, () => void>();
  shown = false;

  constructor(readonly options: BrowserWindowConstructorOptions) {
    FakeBrowserWindow.created.push(this);
  }
  once(event: string, listener: () => void): this {
    this.onceListeners.set(event, listener);
    return this;
  }
  show(): void {
    this.shown = true;
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrls.push(url);
    return Promise.resolve();
  }
  /** Typed as the real constructor for createMainWindow; the instances are read back from `created`. */
  static asConstructor(): BrowserWindowConstructor<MainWindowLike> {
    return FakeBrowserWindow as unknown as BrowserWindowConstructor<MainWindowLike>;
  }
}

describe('secureWindowOptions (docs/architecture.md, Security)', () => {
  it('sets every webPreferences value of the security checklist', () => {
    expect(secureWindowOptions(PRELOAD).webPreferences).toStrictEqual({
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    });
  });

  it('keeps the window hidden until ready-to-show, titled and with a minimum size', () => {
    const o = secureWindowOptions(PRELOAD);
    expect(o.show).toBe(false);
    expect(o.title).toBe('Rackside');
    expect(o.minWidth).toBeGreaterThan(0);
    expect(o.minHeight).toBeGreaterThan(0);
    expect(o.backgroundColor).toMatch(/^#[0-9a-f]{6}$/i);
  });
});

describe('CONTENT_SECURITY_POLICY', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values.join(' ')] as const;
    }),
  );

  it('has exactly the strict directives', () => {
    expect(Object.fromEntries(directives)).toStrictEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self' 'unsafe-inline'",
      'img-src': "'self' data:",
      'connect-src': "'self'",
      'font-src': "'self' data:",
      'object-src': "'none'",
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'",
    });
  });

  it('never allows inline or eval scripts', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
  });
});

describe('isAppUrl', () => {
  it.each([
    ['app://rackside/index.html', true],
    ['app://rackside/', true],
    ['app://evil/index.html', false],
    ['app://rackside.evil/index.html', false],
    ['app://user@rackside/', false],
    ['app://rackside:8080/', false],
    ['file:///etc/passwd', false],
    ['https://evil.example/', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => expect(isAppUrl(url)).toBe(expected));
});

describe('createMainWindow', () => {
  const fakeMainWindow = () => {
    createMainWindow(FakeBrowserWindow.asConstructor(), PRELOAD, silentLog());
    return FakeBrowserWindow.created.at(-1)!;
  };

  beforeEach(() => {
    FakeBrowserWindow.created.length = 0;
  });

  it('passes exactly secureWindowOptions to the BrowserWindow constructor', () => {
    createMainWindow(FakeBrowserWindow.asConstructor(), PRELOAD, silentLog());
    expect(FakeBrowserWindow.created).toHaveLength(1);
    expect(FakeBrowserWindow.created[0]!.options).toStrictEqual(secureWindowOptions(PRELOAD));
  });

  it('hardens the window webContents before loading app://rackside/index.html, never file://', () => {
    const win = fakeMainWindow();
    expect(win.loadedUrls).toEqual([APP_ENTRY_URL]);
    // hardenWebContents ran: window.open is denied and foreign navigation is prevented.
    expect(win.webContents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    const nav = navigationEvent('https://evil.example/');
    win.webContents.emit('will-navigate', nav);
    expect(nav.defaultPrevented).toBe(true);
  });

  it('shows the window only on ready-to-show', () => {
    const win = fakeMainWindow();
    expect(win.shown).toBe(false);
    win.onceListeners.get('ready-to-show')?.();
    expect(win.shown).toBe(true);
  });
});

describe('ELECTRON_FUSES', () => {
  it('turns off every way to run arbitrary code through the signed binary', () => {
    expect(ELECTRON_FUSES).toStrictEqual({
      RunAsNode: false,
      EnableCookieEncryption: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      GrantFileProtocolExtraPrivileges: false,
    });
  });
});
