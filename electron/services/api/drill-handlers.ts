import type { drillRequests } from '../../contract/channels/drill.js';
import { err } from '../../contract/index.js';
import type { HandlersFor } from './dispatcher.js';

/**
 * The failover drill's channels (contract/channels/drill.ts). PLACEHOLDER while the drill engine
 * is being built (issue 20, branch h-drill replaces this file): every request answers that the
 * drill is not available, so the UI can be wired against the contract meanwhile.
 */
export function createDrillHandlers(): HandlersFor<keyof typeof drillRequests> {
  const notYet = async () => err('unsupported', 'The failover drill is not built yet', 'Update Rackside.');
  return { 'drill.options': notYet, 'drill.start': notYet, 'drill.abort': notYet, 'drill.list': notYet, 'drill.recover': notYet };
}
