import { BASTION_SECRET_ID, jumpSecretId, type Host, type HostKeyPolicy, type JumpHost, type Project } from '../../contract/index.js';
import type { SshTarget } from './connect.js';

/** The project settings that decide how a host is reached (a project, or a request carrying them). */
export type ReachSettings = Pick<Project, 'bastion' | 'hostKeyPolicy'>;

/**
 * How to reach a host: its login, its jump host (its own, else the project's bastion) and the
 * host-key policy. The one builder of SshTarget for inventory hosts: SshPool keys connections by
 * the target's JSON, so every caller building it the same way shares one connection per host.
 */
export function targetOf(host: Host, settings: ReachSettings = {}): SshTarget {
  const policy: HostKeyPolicy = settings.hostKeyPolicy ?? 'confirm';
  const jump = host.jump
    ? jumpTarget(jumpSecretId(host.id), host.jump, policy)
    : settings.bastion
      ? jumpTarget(BASTION_SECRET_ID, settings.bastion, policy)
      : undefined;
  return {
    id: host.id,
    address: host.address,
    port: host.port,
    user: host.user,
    auth: host.auth,
    ...(policy === 'accept-new' ? { hostKeyPolicy: policy } : {}),
    ...(jump ? { jump } : {}),
  };
}

function jumpTarget(id: string, j: JumpHost, policy: HostKeyPolicy): SshTarget {
  return { id, address: j.address, port: j.port, user: j.user, auth: j.auth, ...(policy === 'accept-new' ? { hostKeyPolicy: policy } : {}) };
}

/** The target and every jump host on the way to it, target first. */
export function hopsOf(target: SshTarget): SshTarget[] {
  const out: SshTarget[] = [];
  for (let t: SshTarget | undefined = target; t; t = t.jump) out.push(t);
  return out;
}
