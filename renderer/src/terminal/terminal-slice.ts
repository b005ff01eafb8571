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
        // The dock stays closed until there is something to show, then opens once by itself.
        ...(known || s.dockClosedByUser ? {} : { dockOpen: true }),
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

/** A tab of the dock: one step run with its hosts inside, or one shell. */
export type DockTab =
  | { kind: 'run'; runId: string; stepId: string; sessionIds: string[]; finished: boolean }
  | { kind: 'session'; sessionId: string };

/**
 * The dock's tabs in the order they appeared: a step run's host streams share one tab (a run on
 * 100 hosts is one tab, not 100), every shell has its own.
 */
export function dockTabs(s: Pick<TerminalSlice, 'sessions' | 'sessionOrder'>): DockTab[] {
  const tabs: DockTab[] = [];
  const runs = new Map<string, Extract<DockTab, { kind: 'run' }>>();
  for (const id of s.sessionOrder) {
    const session = s.sessions[id];
    if (!session) continue;
    const run = session.run;
    if (!run) {
      tabs.push({ kind: 'session', sessionId: id });
      continue;
    }
    let tab = runs.get(run.runId);
    if (!tab) {
      tab = { kind: 'run', runId: run.runId, stepId: run.stepId, sessionIds: [], finished: true };
      runs.set(run.runId, tab);
      tabs.push(tab);
    }
    tab.sessionIds.push(id);
    if (session.state !== 'exited') tab.finished = false;
  }
  // Streams open in whatever order the hosts got their lock; a run lists node1, node2 … node10.
  const host = (id: string) => (s.sessions[id]?.title ?? '').split(' · ')[0] ?? '';
  for (const tab of runs.values()) tab.sessionIds.sort((a, b) => host(a).localeCompare(host(b), undefined, { numeric: true }));
  return tabs;
}

/** Key of a tab, as the dock's overflow menu and tests name it. */
export const dockTabKey = (tab: DockTab) => (tab.kind === 'run' ? `run:${tab.runId}` : tab.sessionId);

/** The tab a session is shown under. */
export function tabOf(tabs: DockTab[], sessionId: string | null): DockTab | undefined {
  if (!sessionId) return undefined;
  return tabs.find((t) => (t.kind === 'run' ? t.sessionIds.includes(sessionId) : t.sessionId === sessionId));
}

/** Sessions of every finished run: what "Close finished runs" closes. */
export function finishedRunSessions(tabs: DockTab[]): string[] {
  return tabs.flatMap((t) => (t.kind === 'run' && t.finished ? t.sessionIds : []));
}
