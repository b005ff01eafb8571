import type { Session, WebContents, WebFrameMain } from 'electron';
import type { Logger } from '../services/log/logger.js';
import { CONTENT_SECURITY_POLICY, isAppUrl } from './window-options.js';

/*
 * Everything here takes Electron objects as parameters instead of importing 'electron', so the
 * rules can be unit-tested with fakes: under plain Node the electron package only exports a path.
 */

const hardened = new WeakSet<WebContents>();

/**
 * Locks a webContents to our origin: no new windows, no navigation or redirect away from
 * app://rackside/, no <webview>. Applied to every webContents the app creates (index.ts listens
 * to 'web-contents-created'), so it is idempotent: the main window is reached by both paths.
 */
export function hardenWebContents(contents: WebContents, log?: Logger): void {
  if (hardened.has(contents)) return;
  hardened.add(contents);

  // Links the renderer wants opened (docs, vendor pages) must go through a reviewed IPC channel,
  // never window.open: a new BrowserWindow would not have our webPreferences.
  contents.setWindowOpenHandler((details) => {
    log?.warn('blocked window.open', { url: truncate(details.url) });
    return { action: 'deny' };
  });

  const blockForeign =
    (kind: string) =>
    (event: { url: string; preventDefault(): void }): void => {
      if (!isAppUrl(event.url)) {
        event.preventDefault();
        log?.warn(`blocked ${kind}`, { url: truncate(event.url) });
      }
    };
  contents.on('will-navigate', blockForeign('navigation'));
  // The report preview is a sandboxed srcdoc iframe (no scripts): the only non-app URL a subframe
  // may load.
  const blockForeignFrame = blockForeign('frame navigation');
  contents.on('will-frame-navigate', (event: { url: string; isMainFrame: boolean; preventDefault(): void }) => {
    if (!event.isMainFrame && event.url === 'about:srcdoc') return;
    blockForeignFrame(event);
  });
  contents.on('will-redirect', blockForeign('redirect'));

  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log?.warn('blocked <webview>');
  });
}

/**
 * Rackside needs no browser permission (camera, notifications, geolocation, USB, …): deny every
 * request and every check, so a compromised renderer cannot obtain one either. Note this includes
 * 'clipboard-read'/'clipboard-sanitized-write' for navigator.clipboard; copy/paste through
 * the native edit commands keeps working.
 */
export function installPermissionHandlers(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/**
 * Adds our CSP to every response of the session. protocol.ts also sets it on the HTML it serves;
 * this covers anything else that might be loaded. Any CSP already present stays: several policies
 * intersect, so adding ours can only make a page stricter.
 */
export function installContentSecurityPolicy(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    // Header names are case-insensitive: a policy the response already has (any spelling) is kept
    // beside ours, never replaced by it, or a stricter page policy would be loosened to ours.
    const existing = Object.keys(headers).filter((k) => k.toLowerCase() === 'content-security-policy');
    const policies = existing.flatMap((k) => headers[k] ?? []);
    for (const k of existing) delete headers[k];
    headers['Content-Security-Policy'] = [...policies, CONTENT_SECURITY_POLICY];
    callback({ responseHeaders: headers });
  });
}

/**
 * The IPC sender check (as GitHub Desktop validates IPC senders): a request is trusted only if it
 * comes from the top frame of our main window while that frame shows app://rackside/. Subframes,
 * other windows and anything navigated elsewhere are refused even though they share the preload.
 */
export function isTrustedSender(
  frame: WebFrameMain | null | undefined,
  mainWindowContents: WebContents | null | undefined,
): boolean {
  if (!frame || !mainWindowContents) return false;
  try {
    if (mainWindowContents.isDestroyed() || frame.detached) return false;
    if (!isAppUrl(frame.url)) return false;
    const top = mainWindowContents.mainFrame;
    return frame === top || (frame.processId === top.processId && frame.frameToken === top.frameToken);
  } catch {
    // Accessing a frame that was disposed mid-call throws; such a sender is not trusted.
    return false;
  }
}

const truncate = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);
