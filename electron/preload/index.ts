import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.js';

// Bundled to one CommonJS file (vite.preload.config.ts): a sandboxed preload can require only 'electron'.
contextBridge.exposeInMainWorld('rackside', createBridge(ipcRenderer));
