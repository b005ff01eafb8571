import type { drillRequests } from '../../contract/channels/drill.js';
import type { DrillEngine } from '../drill/engine.js';
import type { HandlersFor } from './dispatcher.js';

/**
 * The failover drill's channels (contract/channels/drill.ts) on the drill engine (drill/engine.ts).
 * `drill.start` answers once the drill is journaled and running; its progress comes as
 * `drill.progress` events and its end in `drill.list`.
 */
export function createDrillHandlers(drills: DrillEngine): HandlersFor<keyof typeof drillRequests> {
  return {
    'drill.options': ({ dir }) => drills.options(dir),
    'drill.start': ({ dir, kind, targetHostId, technician }) => drills.start(dir, { kind, technician, ...(targetHostId ? { targetHostId } : {}) }),
    'drill.abort': ({ dir, drillId }) => drills.abort(dir, drillId),
    'drill.list': ({ dir }) => drills.list(dir),
    'drill.recover': ({ dir, drillId }) => drills.recover(dir, drillId),
  };
}
