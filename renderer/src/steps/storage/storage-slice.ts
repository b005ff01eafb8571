import type { StateCreator } from 'zustand';
import type { AppError, HostDisks, HostStorageStatus } from '../../../../electron/contract/index.js';
import type { AppStore } from '../../store/index.js';
import type { StorageDraft } from './draft.js';

/**
 * Step 4's view: the plan being edited (the saved plan is `extras.storage`), every host's disks as
 * last read, and the arrays' state as last polled (resync progress).
 */
export interface StorageSlice {
  storageDraft: StorageDraft | null;
  storageDisks: HostDisks[] | null;
  storageStatus: { hosts: HostStorageStatus[]; at: string } | null;
  storageError: AppError | null;
  storageSaved: string | null;
  setStorageDraft(draft: StorageDraft | null): void;
  setStorageDisks(hosts: HostDisks[] | null): void;
  setStorageStatus(status: { hosts: HostStorageStatus[]; at: string } | null): void;
  setStorageError(error: AppError | null): void;
  setStorageSaved(path: string | null): void;
}

export const createStorageSlice: StateCreator<AppStore, [], [], StorageSlice> = (set) => ({
  storageDraft: null,
  storageDisks: null,
  storageStatus: null,
  storageError: null,
  storageSaved: null,
  setStorageDraft: (storageDraft) => set({ storageDraft, storageSaved: null }),
  setStorageDisks: (storageDisks) => set({ storageDisks }),
  setStorageStatus: (storageStatus) => set({ storageStatus }),
  setStorageError: (storageError) => set({ storageError }),
  setStorageSaved: (storageSaved) => set({ storageSaved }),
});
