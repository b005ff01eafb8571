import type { Logger } from '../log/logger.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { SshPool } from '../ssh/pool.js';
import { TerminalManager } from '../terminal/terminal-manager.js';
import { createCoreHandlers } from './core-handlers.js';
import type { Emit, Handlers } from './dispatcher.js';
import { createHardwareHandlers } from './hardware-handlers.js';
import { createNetworkHandlers } from './network-handlers.js';
import { createReportHandlers } from './report-handlers.js';
import { createRunbookHandlers } from './runbook-handlers.js';
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
  /** HTML → PDF (Electron: webContents.printToPDF); absent in the browser host, which prints with Chromium. */
  printToPdf?: (html: string) => Promise<Buffer>;
}

/** Long-lived services the domains share: one known_hosts, one SSH connection per host. */
export interface SharedServices {
  knownHosts: KnownHosts;
  pool: SshPool;
  /** Live terminal sessions; the step runner streams each host's output into it (openStepStream). */
  terminals: TerminalManager;
}

/** Every channel's handler. Each domain contributes its own; the type checks none is missing. */
export function createHandlers(ctx: HandlerContext): Handlers {
  const knownHosts = new KnownHosts(ctx.dataDir);
  const pool = new SshPool({ knownHosts, secrets: ctx.secrets });
  const terminals = new TerminalManager({ emit: ctx.emit, pool, secrets: ctx.secrets, dataDir: ctx.dataDir, log: ctx.log });
  const shared: SharedServices = { knownHosts, pool, terminals };
  return {
    ...createCoreHandlers(ctx, shared),
    ...createHardwareHandlers(),
    ...createNetworkHandlers(ctx, shared),
    ...createReportHandlers(ctx),
    ...createRunbookHandlers(ctx, shared),
    ...createTerminalHandlers(ctx, shared),
  };
}
