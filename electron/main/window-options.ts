import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * The app is served only from this origin (see protocol.ts). A standard, secure custom scheme
 * gives the renderer a real origin — unlike file://, which would share one origin with every local
 * file — so CSP 'self', navigation checks and the IPC sender check all mean something.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'rackside';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** True only for URLs on our own origin; anything unparsable is treated as foreign. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (
      u.protocol === `${APP_SCHEME}:` &&
      u.hostname === APP_HOST &&
      u.port === '' &&
      u.username === '' &&
      u.password === ''
    );
  } catch {
    return false;
  }
}

/**
 * The renderer's Content-Security-Policy. 'unsafe-inline' for styles only, because React inline
 * style attributes and xterm.js's injected <style> need it; scripts stay 'self' so an injected
 * string can never execute. Sent as a response header (protocol.ts, security.ts), never a <meta>,
 * so the page cannot weaken it.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Matches the renderer's dark background so the window does not flash white before first paint. */
export const WINDOW_BACKGROUND = '#111418';

/**
 * Electron's security checklist (docs/architecture.md, Security) as one pure function, so a test can assert
 * every value without an Electron runtime. Several of these are already Electron's defaults; they
 * are spelled out so a default changing upstream, or someone "just trying" a flag, shows up in review
 * and fails the test.
 */
export function secureWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    title: 'Rackside',
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    // Shown on 'ready-to-show' so the technician never sees a blank or half-styled window.
    show: false,
    backgroundColor: WINDOW_BACKGROUND,
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
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
    },
  };
}
