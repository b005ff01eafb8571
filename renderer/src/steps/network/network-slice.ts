import type { StateCreator } from 'zustand';
import type { AddressingOutcome, AppError, HostInterfaces, MatrixView } from '../../../../electron/contract/index.js';
import type { AppStore } from '../../store/index.js';
import type { NetworkDraft } from './draft.js';

/**
 * Step 3's view: the plan being edited (a form draft; the saved plan is `extras.network`), the
 * interfaces as last read, the last check's matrix and the outcome of addressing applies.
 */
export interface NetworkSlice {
  networkDraft: NetworkDraft | null;
  networkInterfaces: HostInterfaces[] | null;
  networkMatrix: MatrixView | null;
  networkError: AppError | null;
  networkSaved: string | null;
  addressing: Record<string, AddressingOutcome>;
  setNetworkDraft(draft: NetworkDraft | null): void;
  setNetworkInterfaces(hosts: HostInterfaces[] | null): void;
  setNetworkMatrix(matrix: MatrixView | null): void;
  setNetworkError(error: AppError | null): void;
  setNetworkSaved(path: string | null): void;
  setAddressing(outcome: AddressingOutcome): void;
}

export const createNetworkSlice: StateCreator<AppStore, [], [], NetworkSlice> = (set) => ({
  networkDraft: null,
  networkInterfaces: null,
  networkMatrix: null,
  networkError: null,
  networkSaved: null,
  addressing: {},
  setNetworkDraft: (networkDraft) => set({ networkDraft, networkSaved: null }),
  setNetworkInterfaces: (networkInterfaces) => set({ networkInterfaces }),
  setNetworkMatrix: (networkMatrix) => set({ networkMatrix }),
  setNetworkError: (networkError) => set({ networkError }),
  setNetworkSaved: (networkSaved) => set({ networkSaved }),
  setAddressing: (outcome) => set((s) => ({ addressing: { ...s.addressing, [outcome.hostId]: outcome } })),
});
