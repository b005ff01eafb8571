import type { StateCreator } from 'zustand';
import type { TerminalSession } from '../../../electron/contract/channels/terminal.js';
import type { AppError } from '../../../electron/contract/index.js';
import type { AppStore } from '../store/index.js';

/** Font sizes the technician can step through (px); 13 is xterm's readable default at 1x. */
export const MIN_FONT_SIZE = 9;
export const MAX_FONT_SIZE = 28;
export const DEFAULT_FONT_SIZE = 13;

/** Panes on one grid page. Only visible panes hold an xterm, so this bounds renderer work with 100 hosts. */
export const GRID_PAGE_SIZE = 6;

export type TerminalLayout = 'tabs' | 'grid';

/**
 * Terminal sessions as the UI lists them. Metadata only: output goes from the backend straight
 * into xterm (renderer/src/terminal/terminal-hub.ts), never through the store.
 */
export interface TerminalSlice {
  sessions: Record<string, TerminalSession>;
  sessionOrder: string[];
  activeSessionId: string | null;
  layout: TerminalLayout;
  gridPage: number;
  /** Broadcast input: what is typed in an included shell goes to every included shell. */
  broadcast: boolean;
  /** Shells left out of broadcast (per-pane exclusion). */
  broadcastExcluded: Record<string, true>;
  fontSize: number;
  terminalError: AppError | null;
  upsertSession(session: TerminalSession): void;
  removeSession(sessionId: string): void;
  setActiveSession(sessionId: string | null): void;
  setLayout(layout: TerminalLayout): void;
  setGridPage(page: number): void;
  setBroadcast(on: boolean): void;
  setBroadcastExcluded(sessionId: string, excluded: boolean): void;
  setFontSize(size: number): void;
  setTerminalError(error: AppError | null): void;
}

export const createTerminalSlice: StateCreator<AppStore, [], [], TerminalSlice> = (set) => ({
  sessions: {},
  sessionOrder: [],
  activeSessionId: null,
  layout: 'tabs',
  gridPage: 0,
  broadcast: false,
  broadcastExcluded: {},
  fontSize: DEFAULT_FONT_SIZE,
  terminalError: null,

  upsertSession: (session) =>
    set((s) => {
      const known = session.sessionId in s.sessions;
      return {
        sessions: { ...s.sessions, [session.sessionId]: session },
        sessionOrder: known ? s.sessionOrder : [...s.sessionOrder, session.sessionId],
        activeSessionId: s.activeSessionId ?? session.sessionId,
      };
    }),

  removeSession: (sessionId) =>
    set((s) => {
      if (!(sessionId in s.sessions)) return {};
      const sessions = { ...s.sessions };
      delete sessions[sessionId];
      const broadcastExcluded = { ...s.broadcastExcluded };
      delete broadcastExcluded[sessionId];
      const index = s.sessionOrder.indexOf(sessionId);
      const sessionOrder = s.sessionOrder.filter((id) => id !== sessionId);
      const activeSessionId =
        s.activeSessionId === sessionId ? (sessionOrder[Math.min(index, sessionOrder.length - 1)] ?? null) : s.activeSessionId;
      const pages = Math.max(1, Math.ceil(sessionOrder.length / GRID_PAGE_SIZE));
      return { sessions, sessionOrder, activeSessionId, broadcastExcluded, gridPage: Math.min(s.gridPage, pages - 1) };
    }),

  setActiveSession: (activeSessionId) => set({ activeSessionId }),
  setLayout: (layout) => set({ layout }),
  setGridPage: (gridPage) => set({ gridPage: Math.max(0, gridPage) }),
  setBroadcast: (broadcast) => set({ broadcast }),
  setBroadcastExcluded: (sessionId, excluded) =>
    set((s) => {
      const broadcastExcluded = { ...s.broadcastExcluded };
      if (excluded) broadcastExcluded[sessionId] = true;
      else delete broadcastExcluded[sessionId];
      return { broadcastExcluded };
    }),
  setFontSize: (size) => set({ fontSize: Math.min(MAX_FONT_SIZE, Math.max(MIN_FONT_SIZE, Math.round(size))) }),
  setTerminalError: (terminalError) => set({ terminalError }),
});

/** The shells broadcast input reaches: open, interactive, not excluded. */
export function broadcastTargets(s: Pick<TerminalSlice, 'sessions' | 'sessionOrder' | 'broadcastExcluded'>): string[] {
  return s.sessionOrder.filter((id) => {
    const t = s.sessions[id];
    return t !== undefined && t.interactive && t.state === 'open' && !s.broadcastExcluded[id];
  });
}
