/** Backend link as the status bar shows it. Electron IPC is always `open`. */
export type ConnectionState = 'connecting' | 'open' | 'closed';
