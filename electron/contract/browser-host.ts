/**
 * HTTP path on the browser host that answers `{current: boolean}` for `?token=…`: a page whose
 * socket cannot open asks it to tell "the host restarted with a new token" from "not running".
 */
export const TOKEN_STATUS_PATH = '/api/token-status';
export interface TokenStatus {
  current: boolean;
}
