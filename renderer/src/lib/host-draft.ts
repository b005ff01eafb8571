import type { Host, JumpHost, Role } from '../../../electron/contract/index.js';

/**
 * A host row as the technician edits it. Fields stay as typed (port as text) so a half-typed row
 * can be shown with its errors; `draftToHostInput` turns it into what the contract validates.
 */
export interface HostDraft {
  id: string;
  name: string;
  address: string;
  port: string;
  user: string;
  role: Role;
  authMethod: 'password' | 'key' | 'agent';
  keyPath: string;
  /** The host's own jump host (overrides the project's bastion); absent: none. */
  jump?: JumpDraft;
  /** The host's BMC (IPMI over LAN, for fencing); its password is in the secret store (bmcSecretId). Absent: none. */
  bmc?: BmcDraft;
}

/** A host's BMC as typed: the port stays text until validated. */
export interface BmcDraft {
  address: string;
  port: string;
  user: string;
}

/** The limit of the contract's BMC user, as the input's maxLength. */
export const BMC_USER_MAX = 64;

/** What "Add BMC" starts from: IPMI's port; the user is the technician's to type (no vendor default guessed). */
export function newBmcDraft(): BmcDraft {
  return { address: '', port: '623', user: '' };
}

/** A host's own jump host as typed: like the host, its port stays text until validated. */
export interface JumpDraft {
  address: string;
  port: string;
  user: string;
  authMethod: 'password' | 'key' | 'agent';
  keyPath: string;
}

/** Fields whose change makes an earlier connection test meaningless for that row. */
export const CONNECTION_FIELDS: ReadonlyArray<keyof HostDraft> = ['address', 'port', 'user', 'authMethod', 'keyPath', 'jump'];

export function draftFromHost(h: Host): HostDraft {
  return {
    id: h.id,
    name: h.name,
    address: h.address,
    port: String(h.port),
    user: h.user,
    role: h.role,
    authMethod: h.auth.method,
    keyPath: h.auth.method === 'key' ? h.auth.keyPath : '',
    ...(h.jump ? { jump: jumpDraftFrom(h.jump) } : {}),
    ...(h.bmc ? { bmc: { address: h.bmc.address, port: String(h.bmc.port), user: h.bmc.user } } : {}),
  };
}

function jumpDraftFrom(j: JumpHost): JumpDraft {
  return { address: j.address, port: String(j.port), user: j.user, authMethod: j.auth.method, keyPath: j.auth.method === 'key' ? j.auth.keyPath : '' };
}

/** What "Add jump host" starts from. */
export function newJumpDraft(): JumpDraft {
  return { address: '', port: '22', user: 'root', authMethod: 'password', keyPath: '' };
}

/** The object handed to `validateHosts` / the backend. A non-numeric port stays text so the
 * contract reports "port must be a number" instead of us guessing. */
export function draftToHostInput(d: HostDraft): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name.trim(),
    address: d.address.trim(),
    port: portInput(d.port),
    user: d.user.trim(),
    role: d.role,
    auth: authInput(d),
    ...(d.jump
      ? { jump: { address: d.jump.address.trim(), port: portInput(d.jump.port), user: d.jump.user.trim(), auth: authInput(d.jump) } }
      : {}),
    ...(d.bmc ? { bmc: { address: d.bmc.address.trim(), port: portInput(d.bmc.port), user: d.bmc.user.trim() } } : {}),
  };
}

function portInput(text: string): number | string {
  const portText = text.trim();
  return /^-?\d+(\.\d+)?$/.test(portText) ? Number(portText) : portText;
}

function authInput(d: { authMethod: HostDraft['authMethod']; keyPath: string }): Record<string, unknown> {
  return d.authMethod === 'key' ? { method: 'key', keyPath: d.keyPath.trim() } : { method: d.authMethod };
}

export function newHostDraft(id: string, role: Role): HostDraft {
  return { id, name: '', address: '', port: '22', user: 'root', role, authMethod: 'password', keyPath: '' };
}

/** crypto.randomUUID needs a secure context (127.0.0.1 and app:// are); fall back just in case. */
export function newHostId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
