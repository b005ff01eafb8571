import type { Host } from '../../../contract/index.js';
import type { ActionResult, Finding } from '../../runbook/step-module.js';

/**
 * The verification step's phases a profile's checks name (ClusterProfile.verify): `verify-hosts`
 * runs on every host in parallel, then the profile's own phases (`verify.phases`), then
 * `verify-cluster` on the first master. The same ids as VERIFY_PHASES in steps/verify.
 */
export const VERIFY_HOSTS = 'verify-hosts';
export const VERIFY_CLUSTER = 'verify-cluster';

/** A check that did not run to its end (host unreachable, timed out, the tool missing): blocking, nothing was proven. */
export function checkFailed(h: Host, action: string, r: ActionResult | undefined): Finding {
  const status = r?.status ?? 'not run';
  const detail = r?.exitCode !== undefined && r?.exitCode !== null ? `${status}, exit ${r.exitCode}` : status;
  return {
    severity: 'blocking', hostId: h.id, code: 'cluster.check-failed', params: { host: h.name || h.address, action, detail },
    measured: detail, threshold: 'done',
    message: `${h.name || h.address}: the cluster check ${action} did not run to its end (${detail})`,
    remediation: 'Open the action\'s output in the run, fix what stopped it (the host unreachable, a service missing), then run the verification again.',
  };
}

/**
 * One `cluster.check-failed` per host (a finding's key, and so a waiver, is its code and host):
 * the checks of a host that did not run merged into the first one's place.
 */
export function oneCheckFailedPerHost(findings: Finding[]): Finding[] {
  const firstOf = new Map<string, Finding>();
  const out: Finding[] = [];
  for (const f of findings) {
    if (f.code !== 'cluster.check-failed') {
      out.push(f);
      continue;
    }
    const key = f.hostId ?? '*';
    const prev = firstOf.get(key);
    if (!prev) {
      const copy = { ...f, params: { ...f.params } };
      firstOf.set(key, copy);
      out.push(copy);
      continue;
    }
    const p = prev.params!;
    p.action = `${String(p.action)}, ${String(f.params?.action)}`;
    p.detail = `${String(p.detail)}; ${String(f.params?.detail)}`;
    prev.measured = String(p.detail);
    prev.message = `${String(p.host)}: the cluster checks ${String(p.action)} did not run to their end (${String(p.detail)})`;
  }
  return out;
}
