import { describe, expect, it } from 'vitest';
import { hardenWebContents, installContentSecurityPolicy, installPermissionHandlers, isTrustedSender } from './security.js';
import { FakeSession, FakeWebContents, FakeWebFrame, navigationEvent, silentLog } from './test-fakes/fake-electron.js';
import { CONTENT_SECURITY_POLICY } from './window-options.js';

const hardened = () => {
  const contents = new FakeWebContents();
  hardenWebContents(contents.asWebContents(), silentLog());
  return contents;
};

describe('hardenWebContents', () => {
  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])(
    'prevents %s to https://evil.example',
    (eventName) => {
      const contents = hardened();
      const event = navigationEvent('https://evil.example/phish');
      contents.emit(eventName, event);
      expect(event.defaultPrevented).toBe(true);
    },
  );

  it.each(['file:///etc/passwd', 'app://other/index.html', 'http://127.0.0.1:8080/', 'javascript:alert(1)'])(
    'prevents navigation to %s',
    (url) => {
      const contents = hardened();
      const event = navigationEvent(url);
      contents.emit('will-navigate', event);
      expect(event.defaultPrevented).toBe(true);
    },
  );

  it('lets only a subframe load about:srcdoc (the report preview), never the main frame', () => {
    const contents = hardened();
    const sub = { ...navigationEvent('about:srcdoc'), isMainFrame: false };
    contents.emit('will-frame-navigate', sub);
    expect(sub.defaultPrevented).toBe(false);
    const main = navigationEvent('about:srcdoc');
    contents.emit('will-frame-navigate', Object.assign(main, { isMainFrame: true }));
    expect(main.defaultPrevented).toBe(true);
  });

  it('lets the app navigate within app://rackside/', () => {
    const contents = hardened();
    const event = navigationEvent('app://rackside/index.html#/inventory');
    contents.emit('will-navigate', event);
    expect(event.defaultPrevented).toBe(false);
  });

  it('denies window.open', () => {
    const contents = hardened();
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'app://rackside/index.html' })).toEqual({ action: 'deny' });
  });

  it('refuses to attach a <webview>', () => {
    const contents = hardened();
    const event = navigationEvent('');
    contents.emit('will-attach-webview', event, {}, { src: 'https://evil.example/' });
    expect(event.defaultPrevented).toBe(true);
  });

  it('registers its listeners once even when called twice for the same contents', () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents.asWebContents());
    hardenWebContents(contents.asWebContents());
    expect(contents.listeners.get('will-navigate')).toHaveLength(1);
  });
});

describe('installPermissionHandlers', () => {
  it('denies every permission request and check', () => {
    const session = new FakeSession();
    installPermissionHandlers(session.asSession());
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      let granted: boolean | undefined;
      session.permissionRequestHandler?.({}, permission, (g) => (granted = g));
      expect(granted).toBe(false);
      expect(session.permissionCheckHandler?.({}, permission, 'app://rackside', {})).toBe(false);
    }
    expect(session.devicePermissionHandler?.({ deviceType: 'usb' })).toBe(false);
  });
});

describe('installContentSecurityPolicy', () => {
  it('adds the CSP header to every response, keeping the other headers', () => {
    const session = new FakeSession();
    installContentSecurityPolicy(session.asSession());
    let headers: Record<string, string[]> | undefined;
    session.headersListener?.({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (headers = r.responseHeaders));
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });

  it('keeps a policy the response already has (any spelling) beside ours, never replacing it', () => {
    const session = new FakeSession();
    installContentSecurityPolicy(session.asSession());
    const strict = "default-src 'none'";
    for (const name of ['Content-Security-Policy', 'content-security-policy']) {
      let headers: Record<string, string[]> | undefined;
      session.headersListener?.({ responseHeaders: { [name]: [strict] } }, (r) => (headers = r.responseHeaders));
      expect(headers).toEqual({ 'Content-Security-Policy': [strict, CONTENT_SECURITY_POLICY] });
    }
  });
});

describe('isTrustedSender', () => {
  const main = () => new FakeWebContents();

  it('accepts the main frame of the main window on app://rackside/', () => {
    const contents = main();
    expect(isTrustedSender(contents.mainFrame.asFrame(), contents.asWebContents())).toBe(true);
  });

  it('accepts an equivalent frame object for the same frame (same process and frame token)', () => {
    const contents = main();
    const sameFrame = new FakeWebFrame('app://rackside/index.html', 1, 'main-frame-token');
    expect(isTrustedSender(sameFrame.asFrame(), contents.asWebContents())).toBe(true);
  });

  it('rejects the main window after it navigated away from app://rackside/', () => {
    const contents = main();
    contents.mainFrame.url = 'https://evil.example/';
    expect(isTrustedSender(contents.mainFrame.asFrame(), contents.asWebContents())).toBe(false);
  });

  it('rejects a frame of another window or a subframe, even on app://rackside/', () => {
    const contents = main();
    const other = new FakeWebFrame('app://rackside/index.html', 2, 'other-token');
    const subframe = new FakeWebFrame('app://rackside/index.html', 1, 'subframe-token');
    expect(isTrustedSender(other.asFrame(), contents.asWebContents())).toBe(false);
    expect(isTrustedSender(subframe.asFrame(), contents.asWebContents())).toBe(false);
  });

  it('rejects a missing frame, a missing or destroyed window, and a detached frame', () => {
    const contents = main();
    expect(isTrustedSender(null, contents.asWebContents())).toBe(false);
    expect(isTrustedSender(contents.mainFrame.asFrame(), null)).toBe(false);
    contents.mainFrame.detached = true;
    expect(isTrustedSender(contents.mainFrame.asFrame(), contents.asWebContents())).toBe(false);
    contents.mainFrame.detached = false;
    contents.destroyed = true;
    expect(isTrustedSender(contents.mainFrame.asFrame(), contents.asWebContents())).toBe(false);
  });

  it('rejects a frame that throws because it was disposed', () => {
    const contents = main();
    const disposed = {
      get url(): string {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
      detached: false,
    };
    expect(isTrustedSender(disposed as never, contents.asWebContents())).toBe(false);
  });
});
