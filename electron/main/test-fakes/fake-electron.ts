import type { Session, WebContents, WebFrameMain } from 'electron';

/*
 * Mocks at the seams that cannot be real here: no Electron runtime exists on our machines (it
 * cannot be downloaded), and under plain Node the electron package only exports a path. Each fake
 * implements just what the code under test calls and records it, so tests assert behaviour
 * (a navigation was prevented, a window.open was denied) rather than implementation details.
 */

type Listener = (...args: unknown[]) => void;

export interface FakeNavigationEvent {
  url: string;
  defaultPrevented: boolean;
  preventDefault(): void;
}

export const navigationEvent = (url: string): FakeNavigationEvent => ({
  url,
  defaultPrevented: false,
  preventDefault() {
    this.defaultPrevented = true;
  },
});

export class FakeWebFrame {
  detached = false;
  constructor(
    public url: string,
    public processId = 1,
    public frameToken = 'main-frame-token',
  ) {}
  asFrame(): WebFrameMain {
    return this as unknown as WebFrameMain;
  }
}

export class FakeWebContents {
  readonly listeners = new Map<string, Listener[]>();
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  destroyed = false;
  mainFrame = new FakeWebFrame('app://rackside/index.html');

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(event) ?? []) l(...args);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  reloads = 0;
  reload(): void {
    this.reloads++;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  asWebContents(): WebContents {
    return this as unknown as WebContents;
  }
}

type PermissionRequestHandler = (wc: unknown, permission: string, callback: (granted: boolean) => void) => void;
type HeadersListener = (
  details: { responseHeaders?: Record<string, string[]> },
  callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
) => void;

export class FakeSession {
  permissionRequestHandler: PermissionRequestHandler | undefined;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | undefined;
  devicePermissionHandler: ((...args: unknown[]) => boolean) | undefined;
  headersListener: HeadersListener | undefined;
  readonly webRequest = {
    onHeadersReceived: (listener: HeadersListener) => {
      this.headersListener = listener;
    },
  };
  setPermissionRequestHandler(h: PermissionRequestHandler) {
    this.permissionRequestHandler = h;
  }
  setPermissionCheckHandler(h: (...args: unknown[]) => boolean) {
    this.permissionCheckHandler = h;
  }
  setDevicePermissionHandler(h: (...args: unknown[]) => boolean) {
    this.devicePermissionHandler = h;
  }
  asSession(): Session {
    return this as unknown as Session;
  }
}

export const silentLog = () => {
  const lines: { level: string; msg: string; ctx?: Record<string, unknown> }[] = [];
  return {
    lines,
    info: (msg: string, ctx?: Record<string, unknown>) => void lines.push({ level: 'info', msg, ctx }),
    warn: (msg: string, ctx?: Record<string, unknown>) => void lines.push({ level: 'warn', msg, ctx }),
    error: (msg: string, ctx?: Record<string, unknown>) => void lines.push({ level: 'error', msg, ctx }),
  };
};
