/**
 * Backend link as the status bar shows it. Electron IPC is always `open`. `stale`: the browser
 * host restarted with a new token (or moved), so this page can never reconnect; it must be opened
 * again from the address `npm start` printed.
 */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'stale';
