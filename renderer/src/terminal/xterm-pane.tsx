import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { SerializeAddon } from '@xterm/addon-serialize';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef } from 'react';
import { useApi } from '../api/backend-context.js';
import { useAppStore } from '../store/index.js';
import { registerTerminal, setTerminalRenderer } from './debug-handle.js';
import { terminalHubFor } from './hub-context.js';
import { rendererChoice } from './renderer-choice.js';
import { sendInput } from './terminal-actions.js';
import { DARK_THEME, LIGHT_THEME, onThemeChange, prefersDark } from './themes.js';

/**
 * Scrollback per pane, in lines (xterm.js's and VS Code's default). Bounded so a 10-minute `yes`
 * cannot grow the renderer: xterm keeps ~(cols × 12) bytes per line. Everything older is in the
 * session's transcript. 1000 rather than the 5000 we had: with 5000, drawing slowed down with
 * each session opened in the same page. Once the scrollback is full every line feed recycles its
 * oldest line (BufferLine.copyFrom), and its profile time doubled from the first session to the
 * second; cold and scattered line memory (5000 × ~1.4 kB) is the likely cause, not proven.
 * bench:terminal `--only memory-vs-b --rounds 4` (50 MB of `yes` per session, the same page, each
 * beside the bare-xterm reference B): 5000 lines 6.43, 5.46, 4.90, 4.76 MB/s (÷ B 0.94, 0.77,
 * 0.76, 0.79; another run 7.80, 5.71, 5.0, 4.9); 1000 lines 7.65, 6.81, 7.16, 6.96 (÷ B 1.01,
 * 0.90, 0.86, 1.02; another run 8.98, 7.42, 7.16, 6.99: some decline is left).
 */
export const SCROLLBACK_LINES = 1_000;

/**
 * Terminals of panes that closed or were hidden are reset and kept for the next pane, at most this
 * many, instead of being disposed: a pane then opens without building a Terminal, and later
 * sessions in a page drew a little faster in a reset terminal than in a new one. The evidence is
 * mixed, a few percent against this machine's ±10% noise: scripts/bench/terminal/xterm-options.ts
 * `--sessions 4` (30 MB of `yes` per session), 6 rounds: sessions 2–4 in a new Terminal 10.5, 9.6,
 * 9.9 MB/s, in the first one reset 11.2, 10.2, 10.3 (the first sessions 9.9 both); an earlier
 * 3-round run the other way round (11.2, 10.4, 11.1 vs 10.7, 9.5, 10.1). bench:terminal
 * ssh-rounds in the app, sessions 2–4 ÷ the OpenSSH-fed reference: 0.81–0.86 before, 0.90–0.93
 * with it. The bare reference page's second terminal drew ~7% slower than its first in those runs.
 * A parked terminal holds a reset buffer (one screen) and its detached DOM (DOM renderer only).
 */
export const MAX_PARKED_TERMINALS = 4;

/** A pane's xterm and its addons, which stay loaded while it is parked. */
interface PaneTerminal {
  term: Terminal;
  fit: FitAddon;
  search: SearchAddon;
  serialize: SerializeAddon;
  renderer: 'webgl' | 'dom';
  /** The session it shows (for the WebGL context-loss handler, which outlives a session). */
  sessionId: string;
  disposed: boolean;
}

const parked: PaneTerminal[] = [];
let terminalsCreated = 0;

/** For the debug handle (e2e checks that panes reuse terminals): how many were made, how many wait. */
export const terminalPoolStats = () => ({ created: terminalsCreated, parked: parked.length });

function takeTerminal(el: HTMLElement, sessionId: string, interactive: boolean): PaneTerminal {
  const options = {
    fontSize: useAppStore.getState().fontSize,
    theme: prefersDark() ? DARK_THEME : LIGHT_THEME,
    cursorBlink: interactive,
    disableStdin: !interactive,
  };
  const reused = parked.pop();
  if (reused) {
    reused.sessionId = sessionId;
    Object.assign(reused.term.options, options);
    el.appendChild(reused.term.element!);
    return reused;
  }
  terminalsCreated += 1;
  const term = new Terminal({
    ...options,
    scrollback: SCROLLBACK_LINES,
    fontFamily: FONT_FAMILY,
    allowProposedApi: true,
    // Right-click selects a word, as in most Linux terminals; copy/paste are explicit (keys below).
    rightClickSelectsWord: true,
  });
  const p: PaneTerminal = { term, fit: new FitAddon(), search: new SearchAddon(), serialize: new SerializeAddon(), renderer: 'dom', sessionId, disposed: false };
  term.loadAddon(p.fit);
  term.loadAddon(p.search);
  term.loadAddon(p.serialize);
  term.open(el);
  if (rendererChoice().webgl) {
    void import('@xterm/addon-webgl').then(({ WebglAddon }) => {
      if (p.disposed) return;
      try {
        const webgl = new WebglAddon();
        // A lost GPU context (driver reset, sleep) falls back to the DOM renderer.
        webgl.onContextLoss(() => {
          webgl.dispose();
          p.renderer = 'dom';
          setTerminalRenderer(p.sessionId, 'dom');
        });
        term.loadAddon(webgl);
        p.renderer = 'webgl';
        setTerminalRenderer(p.sessionId, 'webgl');
      } catch (e) {
        console.warn('rackside: WebGL renderer unavailable, using DOM', e);
      }
    });
  }
  return p;
}

/** Keeps a pane's terminal for the next pane (see MAX_PARKED_TERMINALS), or disposes of it. */
function parkTerminal(p: PaneTerminal): void {
  p.term.element?.remove();
  // Once xterm has parsed what it still holds, so none of this session's output reaches the next.
  p.term.write('', () => {
    // WebGL terminals are not kept: each holds a GPU context, and a page gets only so many.
    if (parked.length >= MAX_PARKED_TERMINALS || p.renderer === 'webgl') {
      p.disposed = true;
      return p.term.dispose();
    }
    p.term.reset();
    p.term.clearSelection();
    p.search.clearDecorations();
    parked.push(p);
  });
}

/** Resizes are sent at most this often while a pane is being dragged (each one reflows the remote). */
const RESIZE_DEBOUNCE_MS = 80;

const FONT_FAMILY = "ui-monospace, 'DejaVu Sans Mono', 'Noto Sans Mono', 'Noto Sans Mono CJK SC', Menlo, Consolas, monospace";

/** What the dock's search box and buttons reach in the active pane. */
export interface PaneControls {
  findNext(text: string): boolean;
  findPrevious(text: string): boolean;
  clearSearch(): void;
  copySelection(): Promise<boolean>;
  paste(): Promise<void>;
  /** The whole buffer with colours, as ANSI text (serialize addon): "save what I see". */
  serialize(): string;
  focus(): void;
}

const controls = new Map<string, PaneControls>();
export const paneControls = (sessionId: string | null) => (sessionId ? controls.get(sessionId) ?? null : null);

/**
 * One visible terminal pane. Only mounted while visible: unmounting disposes the xterm, and the
 * session's output then lives only in the backend's ring buffer until the pane is shown again.
 */
export function XtermPane({ sessionId, interactive }: { sessionId: string; interactive: boolean }) {
  const api = useApi();
  const box = useRef<HTMLDivElement>(null);
  const fontSize = useAppStore((s) => s.fontSize);
  const termRef = useRef<Terminal | null>(null);
  const refitRef = useRef<() => void>(() => {});

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const hub = terminalHubFor(api);
    const pane = takeTerminal(el, sessionId, interactive);
    const { term, fit, search, serialize } = pane;
    termRef.current = term;
    const unregister = registerTerminal(sessionId, term, pane.renderer);
    let disposed = false;

    const copySelection = async () => {
      const sel = term.getSelection();
      if (!sel) return false;
      await navigator.clipboard.writeText(sel);
      return true;
    };
    const paste = async () => {
      const text = await navigator.clipboard.readText();
      if (text) term.paste(text);
    };
    controls.set(sessionId, {
      findNext: (t) => search.findNext(t),
      findPrevious: (t) => search.findPrevious(t),
      clearSearch: () => search.clearDecorations(),
      copySelection,
      paste,
      serialize: () => serialize.serialize(),
      focus: () => term.focus(),
    });

    // Ctrl+Shift+C / Ctrl+Shift+V copy and paste (plain Ctrl+C must stay the interrupt);
    // Ctrl+= / Ctrl+- / Ctrl+0 change the font size of every pane.
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown') return true;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.shiftKey && e.code === 'KeyC') {
        void copySelection();
        return false;
      }
      if (mod && e.shiftKey && e.code === 'KeyV') {
        void paste().catch((err: unknown) => console.warn('rackside: paste failed', err));
        return false;
      }
      if (mod && !e.shiftKey && (e.key === '=' || e.key === '+' || e.key === '-' || e.key === '0')) {
        const s = useAppStore.getState();
        s.setFontSize(e.key === '0' ? 13 : s.fontSize + (e.key === '-' ? -1 : 1));
        return false;
      }
      return true;
    });

    const detach = hub.attach(sessionId, {
      write: (data, parsed) => term.write(data, parsed),
      reset: () => term.reset(),
    });
    const inputSub = interactive ? term.onData((data) => sendInput(api, sessionId, data)) : null;

    let lastSize = '';
    let timer: number | undefined;
    const refit = () => {
      if (disposed || el.clientWidth === 0 || el.clientHeight === 0) return;
      fit.fit();
      const size = `${term.cols}x${term.rows}`;
      if (size === lastSize || !interactive) return;
      lastSize = size;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        void api['terminal.resize']({ sessionId, cols: term.cols, rows: term.rows });
      }, RESIZE_DEBOUNCE_MS);
    };
    refitRef.current = refit;
    const ro = new ResizeObserver(() => requestAnimationFrame(refit));
    ro.observe(el);
    refit();
    const offTheme = onThemeChange((dark) => (term.options.theme = dark ? DARK_THEME : LIGHT_THEME));
    if (interactive) term.focus();

    return () => {
      disposed = true;
      window.clearTimeout(timer);
      ro.disconnect();
      offTheme();
      inputSub?.dispose();
      detach();
      unregister();
      controls.delete(sessionId);
      termRef.current = null;
      parkTerminal(pane);
    };
  }, [api, sessionId, interactive]);

  useEffect(() => {
    const term = termRef.current;
    if (!term || term.options.fontSize === fontSize) return;
    term.options.fontSize = fontSize;
    refitRef.current();
  }, [fontSize]);

  return <div className="xterm-host" ref={box} data-testid="xterm-host" />;
}
