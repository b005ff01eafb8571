import type { HostStorageStatus } from '../../../../electron/contract/index.js';
import { isSyncing } from './model.js';

export interface PollerDeps {
  /** storage.status; null when it failed (the panel keeps what it showed). */
  read(): Promise<{ hosts: HostStorageStatus[]; at: string } | null>;
  show(status: { hosts: HostStorageStatus[]; at: string }): void;
  hidden(): boolean;
  /** Subscribe to visibility changes; returns the unsubscribe. */
  onVisibility(listener: () => void): () => void;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  intervalMs: number;
}

/**
 * Reads the arrays' state once, then again every `intervalMs` only while some array syncs and the
 * window is visible (a hidden window resumes when shown). Returns the stop function: nothing is
 * read after it, not even an answer already on its way.
 */
export function pollStorageStatus(d: PollerDeps): () => void {
  let stopped = false;
  let timer: unknown;
  let inFlight = false;
  const tick = async () => {
    timer = undefined;
    if (stopped || inFlight || d.hidden()) return;
    inFlight = true;
    const r = await d.read();
    inFlight = false;
    if (stopped || !r) return;
    d.show(r);
    if (isSyncing(r.hosts)) timer = d.setTimer(() => void tick(), d.intervalMs);
  };
  const off = d.onVisibility(() => {
    if (!d.hidden() && timer === undefined) void tick();
  });
  void tick();
  return () => {
    stopped = true;
    if (timer !== undefined) d.clearTimer(timer);
    off();
  };
}
