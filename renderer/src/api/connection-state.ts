/**
 * Backend link as the status bar shows it. Electron IPC is always `open`. Browser host only:
 * `unreachable`, nothing answers at this page's address (not running, or restarted on another
 * port), retrying; `stale`, the host restarted with a new token, so this page can never reconnect
 * and must be opened again from the address `npm start` printed.
 */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'unreachable' | 'stale';
