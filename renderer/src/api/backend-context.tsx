import { createContext, useContext, type ReactNode } from 'react';
import type { RacksideApi } from '../../../electron/contract/index.js';
import type { Backend } from './client.js';

const BackendContext = createContext<Backend | null>(null);

export function BackendProvider({ backend, children }: { backend: Backend; children: ReactNode }) {
  return <BackendContext.Provider value={backend}>{children}</BackendContext.Provider>;
}

export function useBackend(): Backend {
  const b = useContext(BackendContext);
  if (!b) throw new Error('useBackend outside BackendProvider');
  return b;
}

export const useApi = (): RacksideApi => useBackend().api;
