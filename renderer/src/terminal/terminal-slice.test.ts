import { describe, expect, it } from 'vitest';
import type { TerminalSession } from '../../../electron/contract/channels/terminal.js';
import { createAppStore } from '../store/index.js';
import { dockTabs, finishedRunSessions } from './terminal-slice.js';

const session = (sessionId: string, state: TerminalSession['state'], run?: string): TerminalSession => ({
  sessionId,
  kind: run ? 'step' : 'ssh',
  hostId: `h-${sessionId}`,
  title: `${sessionId} · preflight`,
  state,
  interactive: !run,
  transcript: null,
  ...(run ? { run: { runId: run, stepId: 'preflight' } } : {}),
});

describe('terminal dock tabs', () => {
  it('puts a run\'s host streams under one tab, shells under their own, in the order they appeared', () => {
    const store = createAppStore();
    for (const s of [session('a', 'open', 'r1'), session('sh', 'open'), session('b', 'open', 'r1'), session('c', 'exited', 'r2')]) store.getState().upsertSession(s);
    expect(dockTabs(store.getState())).toEqual([
      { kind: 'run', runId: 'r1', stepId: 'preflight', sessionIds: ['a', 'b'], finished: false },
      { kind: 'session', sessionId: 'sh' },
      { kind: 'run', runId: 'r2', stepId: 'preflight', sessionIds: ['c'], finished: true },
    ]);
  });

  it('lists a run\'s hosts by name (node2 before node10), whatever order their streams opened in', () => {
    const store = createAppStore();
    for (const id of ['node10', 'node2', 'node1']) store.getState().upsertSession(session(id, 'open', 'r1'));
    expect(dockTabs(store.getState())[0]).toMatchObject({ sessionIds: ['node1', 'node2', 'node10'] });
  });

  it('counts a run finished only once every host\'s stream ended, and closes only finished runs together', () => {
    const store = createAppStore();
    for (const s of [session('a', 'exited', 'r1'), session('b', 'open', 'r1'), session('c', 'exited', 'r2'), session('sh', 'exited')]) store.getState().upsertSession(s);
    expect(finishedRunSessions(dockTabs(store.getState()))).toEqual(['c']);
    store.getState().upsertSession(session('b', 'exited', 'r1'));
    expect(finishedRunSessions(dockTabs(store.getState()))).toEqual(['a', 'b', 'c']);
  });

  it('keeps the dock closed until the first session, and closed once the technician closed it', () => {
    const store = createAppStore();
    expect(store.getState().dockOpen).toBe(false);
    store.getState().upsertSession(session('a', 'open', 'r1'));
    expect(store.getState().dockOpen).toBe(true);
    store.getState().toggleDock();
    store.getState().upsertSession(session('b', 'open', 'r2'));
    expect(store.getState().dockOpen).toBe(false);
  });
});
