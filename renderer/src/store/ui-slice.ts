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
  /** Closed until there is output (a session appears) or the technician opens it. */
  dockOpen: boolean;
  /** Set once the technician closed the dock: new output then no longer opens it by itself. */
  dockClosedByUser: boolean;
  /** Height of the open dock's body in px as the technician dragged it; null: the default (terminal.css). */
  dockHeight: number | null;
  setStep(step: StepId): void;
  setLanguage(language: Language): void;
  setBackendState(state: ConnectionState): void;
  setTransport(transport: 'electron' | 'browser'): void;
  toggleDock(): void;
  setDockOpen(open: boolean): void;
  setDockHeight(px: number | null): void;
}

export const createUiSlice: StateCreator<AppStore, [], [], UiSlice> = (set) => ({
  step: 'inventory',
  language: 'en',
  backendState: 'connecting',
  transport: null,
  dockOpen: false,
  dockClosedByUser: false,
  dockHeight: null,
  setStep: (step) => set({ step }),
  setLanguage: (language) => set({ language }),
  setBackendState: (backendState) => set({ backendState }),
  setTransport: (transport) => set({ transport }),
  toggleDock: () => set((s) => ({ dockOpen: !s.dockOpen, dockClosedByUser: s.dockOpen })),
  setDockOpen: (dockOpen) => set({ dockOpen }),
  setDockHeight: (dockHeight) => set({ dockHeight }),
});
