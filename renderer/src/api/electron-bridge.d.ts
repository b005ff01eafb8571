import type { Transport } from '../../../electron/contract/index.js';

declare global {
  interface Window {
    /** Set by the Electron preload via contextBridge; absent when served by the browser host. */
    rackside?: Transport;
  }
}

export {};
