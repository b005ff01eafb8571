import type { Terminal } from '@xterm/xterm';
import type { Host, RacksideApi } from '../../../electron/contract/index.js';
import { useAppStore } from '../store/index.js';
import { closeSession, openShell, sendInput } from './terminal-actions.js';
import { terminalPoolStats } from './xterm-pane.js';
import type { TerminalHub } from './terminal-hub.js';

/**
 * `window.racksideTerminals`: read-only access to the visible panes' xterm buffers, for the e2e
 * page objects (read back what xterm holds, not what the DOM happens to draw) and for
 * the terminal benchmark's in-page measurements. It exposes nothing the page could not already
 * reach: it lives in the same page, and input still goes through the contract.
 */
export interface TerminalDebugHandle {
  /** Text of a pane's buffer (scrollback and screen) up to the cursor line, trailing spaces trimmed. */
  text(sessionId: string, lastLines?: number): string | null;
  /** Sessions that have a live xterm (visible panes). */
  attached(): string[];
  size(sessionId: string): { cols: number; rows: number } | null;
  renderer(sessionId: string): 'webgl' | 'dom' | null;
  /** Called for every chunk a pane has parsed (for measuring throughput in the page), with the data as it arrived. */
  onParsed(fn: (sessionId: string, chars: number, data: string | Uint8Array) => void): () => void;
  /** Called for every chunk a visible pane receives, before it is written (with onParsed: when a pane waited for output). */
  onArrived(fn: (sessionId: string, chars: number) => void): () => void;
  /**
   * The toolbar's actions, for the benchmark's unobserved page (no Playwright locators there):
   * the same functions the buttons and keyboard call.
   */
  openShell(target: { kind: 'ssh'; host: Host } | { kind: 'local' }): Promise<string | null>;
  input(sessionId: string, data: string): void;
  close(sessionId: string): Promise<void>;
  /** The font size of every pane, as Ctrl+= / Ctrl+- set it (the benchmark matches the reference's 14 px). */
  setFontSize(px: number): void;
  /** xterm Terminals made so far, and how many wait (reset) for the next pane (xterm-pane.tsx). */
  terminalPool(): { created: number; parked: number };
  /** What is selected in a pane (a search match selects it), for the search and copy e2e. */
  selection(sessionId: string): string | null;
  /** The font size and theme background a pane's xterm draws with now. */
  look(sessionId: string): { fontSize: number; background: string } | null;
}

declare global {
  interface Window {
    racksideTerminals?: TerminalDebugHandle;
  }
}

const terms = new Map<string, { term: Terminal; renderer: 'webgl' | 'dom' }>();

export function registerTerminal(sessionId: string, term: Terminal, renderer: 'webgl' | 'dom'): () => void {
  terms.set(sessionId, { term, renderer });
  return () => {
    if (terms.get(sessionId)?.term === term) terms.delete(sessionId);
  };
}

export function setTerminalRenderer(sessionId: string, renderer: 'webgl' | 'dom'): void {
  const t = terms.get(sessionId);
  if (t) t.renderer = renderer;
}

export function installDebugHandle(api: RacksideApi, hub: TerminalHub): void {
  window.racksideTerminals = {
    text(sessionId, lastLines = Infinity) {
      const t = terms.get(sessionId)?.term;
      if (!t) return null;
      const b = t.buffer.active;
      // Up to the cursor's line: the rows below it are empty screen, not output.
      const end = Math.min(b.length, b.baseY + b.cursorY + 1);
      const lines: string[] = [];
      for (let i = Math.max(0, end - lastLines); i < end; i++) lines.push(b.getLine(i)?.translateToString(true) ?? '');
      return lines.join('\n');
    },
    attached: () => [...terms.keys()],
    size(sessionId) {
      const t = terms.get(sessionId)?.term;
      return t ? { cols: t.cols, rows: t.rows } : null;
    },
    renderer: (sessionId) => terms.get(sessionId)?.renderer ?? null,
    onParsed: (fn) => hub.tap(fn),
    onArrived: (fn) => hub.tapArrivals(fn),
    openShell: (target) => openShell(api, target),
    input: (sessionId, data) => sendInput(api, sessionId, data),
    close: (sessionId) => closeSession(api, sessionId),
    setFontSize: (px) => useAppStore.getState().setFontSize(px),
    terminalPool: () => terminalPoolStats(),
    selection: (sessionId) => terms.get(sessionId)?.term.getSelection() ?? null,
    look(sessionId) {
      const t = terms.get(sessionId)?.term;
      return t ? { fontSize: t.options.fontSize ?? 0, background: t.options.theme?.background ?? '' } : null;
    },
  };
}
