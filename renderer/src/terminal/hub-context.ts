import type { RacksideApi } from '../../../electron/contract/index.js';
import { installDebugHandle } from './debug-handle.js';
import { TerminalHub } from './terminal-hub.js';

const hubs = new WeakMap<RacksideApi, TerminalHub>();

/** One hub per backend connection, shared by the dock and every pane. */
export function terminalHubFor(api: RacksideApi): TerminalHub {
  let hub = hubs.get(api);
  if (!hub) {
    hub = new TerminalHub(api);
    hubs.set(api, hub);
    // Test builds only: the handle can send input and open shells (vite.config.ts).
    if (__RACKSIDE_TEST_HOOKS__) installDebugHandle(api, hub);
  }
  return hub;
}
