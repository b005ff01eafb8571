import type { WebContents } from 'electron';
import type { Logger } from '../services/log/logger.js';

export interface RendererRecoveryOptions {
  /** Called instead of a reload when the page keeps dying: reloading again would only loop. */
  onGiveUp: (reason: string) => void;
  /** At most this many reloads within windowMs (default 3 in a minute). */
  maxReloads?: number;
  windowMs?: number;
  now?: () => number;
}

type GoneDetails = { reason: string; exitCode: number };

/**
 * The Electron counterpart of the browser page's "backend restarted" message: when the window's
 * renderer process is gone (crash, OOM, killed), the backend in the main process is still there,
 * so the window is reloaded and the page reconnects to it. A page that keeps crashing is not
 * reloaded forever; the technician is told instead.
 */
export function reloadWhenRendererGone(
  contents: Pick<WebContents, 'on' | 'reload' | 'isDestroyed'>,
  log: Logger,
  opts: RendererRecoveryOptions,
): void {
  const maxReloads = opts.maxReloads ?? 3;
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? Date.now;
  let recent: number[] = [];
  const onGone = (_event: unknown, details: GoneDetails) => {
    log.error('renderer process gone', { reason: details.reason, exitCode: details.exitCode });
    // The window is closing on purpose: nothing to recover.
    if (details.reason === 'clean-exit' || contents.isDestroyed()) return;
    const t = now();
    recent = recent.filter((r) => t - r < windowMs);
    if (recent.length >= maxReloads) return opts.onGiveUp(details.reason);
    recent.push(t);
    contents.reload();
  };
  contents.on('render-process-gone', onGone as never);
}
