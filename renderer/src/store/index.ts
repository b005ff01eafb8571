import { create } from 'zustand';
import { createInventorySlice, type InventorySlice } from './inventory-slice.js';
import { createProjectSlice, type ProjectSlice } from './project-slice.js';
import { createUiSlice, type UiSlice } from './ui-slice.js';
import { createTerminalSlice, type TerminalSlice } from '../terminal/terminal-slice.js';
import { createRunbookSlice, type RunbookSlice } from '../runbook/runbook-slice.js';
import { createNetworkSlice, type NetworkSlice } from '../steps/network/network-slice.js';
import { createHostKeySlice, type HostKeySlice } from './host-key-slice.js';
import { createStorageSlice, type StorageSlice } from '../steps/storage/storage-slice.js';
import { createKitSlice, type KitSlice } from '../steps/master/kit-slice.js';

/**
 * The renderer's one store, made of typed slices. Components select single values. No secrets
 * (passwords are sent to the backend as typed) and no terminal bytes (they go straight to xterm)
 * ever live here.
 */
export type AppStore = UiSlice & InventorySlice & ProjectSlice & TerminalSlice & RunbookSlice & NetworkSlice & HostKeySlice & StorageSlice & KitSlice;

export const createAppStore = () =>
  create<AppStore>()((...a) => ({
    ...createUiSlice(...a),
    ...createInventorySlice(...a),
    ...createProjectSlice(...a),
    ...createTerminalSlice(...a),
    ...createRunbookSlice(...a),
    ...createNetworkSlice(...a),
    ...createHostKeySlice(...a),
    ...createStorageSlice(...a),
    ...createKitSlice(...a),
  }));

export const useAppStore = createAppStore();

export { STEP_IDS, LANGUAGES, isLanguage, type StepId, type Language } from './ui-slice.js';
