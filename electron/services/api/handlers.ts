import type { Logger } from '../log/logger.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { SshPool } from '../ssh/pool.js';
import { createCoreHandlers } from './core-handlers.js';
import type { Emit, Handlers } from './dispatcher.js';

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
}

/** Long-lived services the domains share: one known_hosts, one SSH connection per host. */
export interface SharedServices {
  knownHosts: KnownHosts;
  pool: SshPool;
}

/** Every channel's handler. Each domain contributes its own; the type checks none is missing. */
export function createHandlers(ctx: HandlerContext): Handlers {
  const knownHosts = new KnownHosts(ctx.dataDir);
  const shared: SharedServices = { knownHosts, pool: new SshPool({ knownHosts, secrets: ctx.secrets }) };
  return {
    ...createCoreHandlers(ctx, shared),
  };
}
