import type { StateCreator } from 'zustand';
import type { HostKeyChange } from '../../../electron/contract/index.js';
import type { AppStore } from './index.js';

/** address:port, as the backend marks it (HostKeyState): the same however the address was typed. */
export const endpointKey = (address: string, port: number | string) => `${address.trim().toLowerCase()}:${String(port).trim() || '22'}`;

/** Hosts whose key changed, from the `hostkeys.changed` event (and `hostkeys.changes` on load). */
export interface HostKeySlice {
  hostKeyChanges: Record<string, HostKeyChange>;
  setHostKeyChanges(changes: HostKeyChange[]): void;
  applyHostKeyEvent(state: 'changed' | 'cleared', change: HostKeyChange): void;
}

export const createHostKeySlice: StateCreator<AppStore, [], [], HostKeySlice> = (set) => ({
  hostKeyChanges: {},
  setHostKeyChanges: (changes) => set({ hostKeyChanges: Object.fromEntries(changes.map((c) => [endpointKey(c.address, c.port), c])) }),
  applyHostKeyEvent: (state, change) =>
    set((s) => {
      const next = { ...s.hostKeyChanges };
      if (state === 'changed') next[endpointKey(change.address, change.port)] = change;
      else delete next[endpointKey(change.address, change.port)];
      return { hostKeyChanges: next };
    }),
});
