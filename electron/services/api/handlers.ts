import { companyProfilesDir, defaultBuiltinProfilesDir, ProfileLibrary } from '../steps/hardware/profile-files.js';
import type { Logger } from '../log/logger.js';
import type { Runbook } from '../runbook/engine.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { SshPool } from '../ssh/pool.js';
import { TerminalManager } from '../terminal/terminal-manager.js';
import { createClusterHandlers } from './cluster-handlers.js';
import { createCoreHandlers } from './core-handlers.js';
import { DrillEngine } from '../drill/engine.js';
import { createDrillHandlers } from './drill-handlers.js';
import { stepReVerifier } from '../drill/reverify.js';
import type { Emit, Handlers } from './dispatcher.js';
import { createHardwareHandlers } from './hardware-handlers.js';
import { createInstallHandlers } from './install-handlers.js';
import { createKitHandlers } from './kit-handlers.js';
import { createVerifyHandlers } from './verify-handlers.js';
import { createNetworkHandlers } from './network-handlers.js';
import { createReportHandlers } from './report-handlers.js';
import { createRunbook, createRunbookHandlers } from './runbook-handlers.js';
import { createStorageHandlers } from './storage-handlers.js';
import { createTerminalHandlers } from './terminal-handlers.js';

export interface HandlerContext {
  transport: 'electron' | 'browser';
  version: string;
  /** The app's own data folder (known_hosts lives here), never the project folder. */
  dataDir: string;
  secrets: SecretStore;
  emit: Emit;
  log: Logger;
  /** Native folder picker; absent in the browser host. */
  pickFolder?: (purpose: 'open' | 'save') => Promise<string | null>;
  /** Native file picker for an inventory file; absent in the browser host. */
  pickFile?: () => Promise<string | null>;
  /** HTML → PDF (Electron: webContents.printToPDF); absent in the browser host, which prints with Chromium. */
  printToPdf?: (html: string) => Promise<Buffer>;
  /** Registers work the backend must finish before it exits (closing sessions, completing transcripts). */
  onShutdown?: (fn: () => Promise<void>) => void;
  /** Size limit of one terminal session's transcript (default LOG_MAX_BYTES in transcript.ts). */
  transcriptMaxBytes?: number;
  /**
   * The built-in hardware profiles (default: resources/profiles of the app root). A packaged app
   * passes its resources path; the company's own profiles are always `<dataDir>/profiles`.
   */
  profilesDir?: string;
}

/** Long-lived services the domains share: one known_hosts, one SSH connection per host. */
export interface SharedServices {
  knownHosts: KnownHosts;
  pool: SshPool;
  /** Live terminal sessions; the step runner streams each host's output into it (openStepStream). */
  terminals: TerminalManager;
  /** The hardware profiles, built-in and the company's, read from their files on each use. */
  profiles: ProfileLibrary;
  /** The step runner; the network handlers run their on-demand steps (reading interfaces) on it. */
  runbook: Runbook;
}

/** Every channel's handler. Each domain contributes its own; the type checks none is missing. */
export function createHandlers(ctx: HandlerContext): Handlers {
  const knownHosts = new KnownHosts(ctx.dataDir);
  const pool = new SshPool({ knownHosts, secrets: ctx.secrets });
  // Inventory, steps and terminal mark the host from this event (and hostkeys.changes after a reload).
  knownHosts.changes.subscribe((change, state) => {
    ctx.log.warn(state === 'changed' ? 'host key changed' : 'host key replaced', { ...change });
    ctx.emit('hostkeys.changed', { state, change });
  });
  const terminals = new TerminalManager({ emit: ctx.emit, pool, secrets: ctx.secrets, dataDir: ctx.dataDir, log: ctx.log, transcriptMaxBytes: ctx.transcriptMaxBytes });
  const profiles = new ProfileLibrary({ builtin: ctx.profilesDir ?? defaultBuiltinProfilesDir(), company: companyProfilesDir(ctx.dataDir) });
  const runbook = createRunbook(ctx, { pool, knownHosts, terminals, profiles });
  const shared: SharedServices = { knownHosts, pool, terminals, profiles, runbook };
  ctx.onShutdown?.(async () => {
    await terminals.closeAll();
    pool.closeAll();
  });
  return {
    ...createClusterHandlers(shared),
    ...createCoreHandlers(ctx, shared),
    ...createDrillHandlers(new DrillEngine({ pool, emit: ctx.emit, log: ctx.log, secrets: ctx.secrets, reverifier: stepReVerifier(runbook) })),
    ...createHardwareHandlers(shared),
    ...createNetworkHandlers(ctx, shared),
    ...createInstallHandlers(ctx, shared),
    ...createKitHandlers(ctx),
    ...createReportHandlers(ctx),
    ...createRunbookHandlers(runbook),
    ...createStorageHandlers(ctx, shared),
    ...createTerminalHandlers(ctx, shared),
    ...createVerifyHandlers(),
  };
}

/** How long the backend waits for its shutdown work before it exits anyway. */
export const SHUTDOWN_LIMIT_MS = 10_000;

/**
 * Runs what createHandlers registered with `onShutdown`, at most SHUTDOWN_LIMIT_MS (a transcript
 * on a disk that hangs must not keep the app from quitting); failures are logged, not thrown.
 */
export async function runShutdown(fns: readonly (() => Promise<void>)[], log: Logger, limitMs = SHUTDOWN_LIMIT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), limitMs)));
  const work = Promise.all(
    fns.map((fn) => fn().catch((e: unknown) => log.error('shutdown step failed', { error: e instanceof Error ? e.message : String(e) }))),
  );
  const outcome = await Promise.race([work, limit]);
  clearTimeout(timer);
  if (outcome === 'late') log.warn('shutdown did not finish in time; exiting anyway', { limitMs });
}
