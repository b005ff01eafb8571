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
  /** The host's own jump host, kept as project.yaml or the import file gave it. */
  jump?: JumpHost;
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
    ...(h.jump ? { jump: h.jump } : {}),
  };
}

/** The object handed to `validateHosts` / the backend. A non-numeric port stays text so the
 * contract reports "port must be a number" instead of us guessing. */
export function draftToHostInput(d: HostDraft): Record<string, unknown> {
  const portText = d.port.trim();
  const port = /^-?\d+(\.\d+)?$/.test(portText) ? Number(portText) : portText;
  return {
    id: d.id,
    name: d.name.trim(),
    address: d.address.trim(),
    port,
    user: d.user.trim(),
    role: d.role,
    auth: d.authMethod === 'key' ? { method: 'key', keyPath: d.keyPath.trim() } : { method: d.authMethod },
    ...(d.jump ? { jump: d.jump } : {}),
  };
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
