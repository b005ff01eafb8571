import type { Host, RacksideApi } from '../../../electron/contract/index.js';
import { useAppStore } from '../store/index.js';
import { broadcastTargets } from './terminal-slice.js';

/** Size a shell starts with, before its pane has been measured (the first fit resizes it). */
const INITIAL_COLS = 120;
const INITIAL_ROWS = 30;

/**
 * Keystrokes from a pane. With broadcast on and this pane included, they go to every included
 * shell in one request; an excluded pane types only into its own shell.
 */
export function sendInput(api: RacksideApi, sessionId: string, data: string): void {
  const s = useAppStore.getState();
  const targets = s.broadcast && !s.broadcastExcluded[sessionId] ? broadcastTargets(s) : [sessionId];
  if (targets.length === 0) return;
  void api['terminal.input']({ sessionIds: targets, data }).then((r) => {
    if (!r.ok) useAppStore.getState().setTerminalError(r.error);
  });
}

export async function openShell(api: RacksideApi, target: { kind: 'ssh'; host: Host } | { kind: 'local' }): Promise<string | null> {
  const { projectDir, setTerminalError, upsertSession, setActiveSession, extras, setDockOpen } = useAppStore.getState();
  setTerminalError(null);
  // Asked for by the technician: the new pane (or why it failed) must be on screen.
  setDockOpen(true);
  const reach = { ...(extras.bastion ? { bastion: extras.bastion } : {}), ...(extras.hostKeyPolicy ? { hostKeyPolicy: extras.hostKeyPolicy } : {}) };
  const r = await api['terminal.open']({
    target: target.kind === 'ssh' ? { ...target, ...reach } : target,
    cols: INITIAL_COLS,
    rows: INITIAL_ROWS,
    ...(projectDir.trim() ? { projectDir: projectDir.trim() } : {}),
  });
  if (!r.ok) {
    setTerminalError(r.error);
    return null;
  }
  upsertSession(r.value);
  setActiveSession(r.value.sessionId);
  return r.value.sessionId;
}

export async function closeSession(api: RacksideApi, sessionId: string): Promise<void> {
  const r = await api['terminal.close']({ sessionId });
  if (!r.ok) useAppStore.getState().setTerminalError(r.error);
  useAppStore.getState().removeSession(sessionId);
}
