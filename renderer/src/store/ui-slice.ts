import type { StateCreator } from 'zustand';
import type { ConnectionState } from '../api/connection-state.js';
import type { AppStore } from './index.js';

export const STEP_IDS = ['inventory', 'hardware', 'network', 'storage', 'master', 'workers', 'verify', 'report'] as const;
export type StepId = (typeof STEP_IDS)[number];

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];
export const isLanguage = (v: unknown): v is Language => (LANGUAGES as readonly unknown[]).includes(v);

export interface UiSlice {
  step: StepId;
  language: Language;
  backendState: ConnectionState;
  transport: 'electron' | 'browser' | null;
  dockOpen: boolean;
  setStep(step: StepId): void;
  setLanguage(language: Language): void;
  setBackendState(state: ConnectionState): void;
  setTransport(transport: 'electron' | 'browser'): void;
  toggleDock(): void;
}

export const createUiSlice: StateCreator<AppStore, [], [], UiSlice> = (set) => ({
  step: 'inventory',
  language: 'en',
  backendState: 'connecting',
  transport: null,
  dockOpen: true,
  setStep: (step) => set({ step }),
  setLanguage: (language) => set({ language }),
  setBackendState: (backendState) => set({ backendState }),
  setTransport: (transport) => set({ transport }),
  toggleDock: () => set((s) => ({ dockOpen: !s.dockOpen })),
});
