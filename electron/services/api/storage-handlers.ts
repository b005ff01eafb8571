import type { storageRequests } from '../../contract/channels/storage.js';
import { err } from '../../contract/index.js';
import type { HandlersFor } from './dispatcher.js';
import type { HandlerContext, SharedServices } from './handlers.js';

/**
 * Storage step (issue 17): reading disks (on-demand step storage-disks), saving the plan, the
 * arrays' status. PLACEHOLDER while the step is built: every channel answers "internal".
 */
export function createStorageHandlers(_ctx: HandlerContext, _shared: SharedServices): HandlersFor<keyof typeof storageRequests> {
  const notYet = () => Promise.resolve(err('internal', 'The storage step is being built'));
  return { 'storage.disks': notYet, 'storage.savePlan': notYet, 'storage.status': notYet };
}
