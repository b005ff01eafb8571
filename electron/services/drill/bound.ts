import type { DrillBound, DrillKind } from '../../contract/index.js';

/**
 * The bound a drill's RTO is shown against, from the cluster's own timers (read off the nodes by
 * cluster.ts), not from a table of typical figures.
 *
 * - keepalived, link cut: the backup declares the master dead after 3 × advert_int plus its skew
 *   time, skew = (256 − priority) / 256 × advert_int (RFC 3768 §6.1: Master_Down_Interval); the
 *   priority is the backup's that takes over (the highest of the others).
 * - keepalived, service stop: a stopping keepalived sends a priority-0 advert, so the backup takes
 *   over after its skew time alone (RFC 3768 §6.4.3).
 * - Corosync (Pacemaker), link cut: the token timeout, then consensus, then Pacemaker's recovery on
 *   the survivors (PCM_RECOVER_MS).
 * - Pacemaker, service stop: `pcs cluster stop` moves the resources away before it stops: only the start.
 * - reboot: the OS stops its units cleanly on the way down (keepalived's priority-0 advert,
 *   pacemaker.service moving its resources away), so the same bounds as a service stop.
 *
 * START_MS is the allowance for the new holder to bring the address up and announce it (gratuitous
 * ARP), plus one probe interval: the probes see the service back at most 100 ms late.
 */
export const START_MS = 500;
/** Pacemaker starting IPaddr2 on a survivor after a clean stop (measured 0.14–0.26 s on the lab's 4 nodes; the lab reference 0.2 s). */
export const PCM_START_MS = 1_000;
/**
 * Pacemaker's recovery once corosync has formed the new membership without a lost node: the DC's
 * controller runs the scheduler one or two seconds later (1.03 s and 2.03 s in the lab's logs, from
 * "A new membership" to "Actions: Start rackside-vip"; a lost DC adds an election, ~0.01 s there, and
 * its integration, 1.19 s in all), IPaddr2 starts in 0.1–0.25 s and announces the address, and the
 * probes see it at most 100 ms late. Measured in all 1.1–2.3 s past token + consensus over 10 link
 * cuts (bench:drill, 4 nodes, idle machine). 1 s, the clean stop's allowance, was below every run.
 */
export const PCM_RECOVER_MS = 2_500;

export function skewMs(advertIntMs: number, priority: number): number {
  return Math.round(((256 - priority) / 256) * advertIntMs);
}

export function vrrpBound(kind: DrillKind, advertIntMs: number, backupPriority: number): DrillBound {
  const skew = skewMs(advertIntMs, backupPriority);
  if (kind === 'service-stop' || kind === 'reboot') {
    return { formula: 'service', params: { skewMs: skew, startMs: START_MS }, boundMs: skew + START_MS };
  }
  return { formula: 'vrrp', params: { advertIntMs, skewMs: skew, startMs: START_MS }, boundMs: 3 * advertIntMs + skew + START_MS };
}

/**
 * `fencing`: stonith is on, so a lost node (link cut, power off) is fenced before Pacemaker recovers
 * its resources: the bound adds the fencing as long as it took (`fenceMs`, from the fencer's log once
 * the drill ran; a fence agent's time is the BMC's, not a cluster timer). Before that the bound is
 * the rest of the sum, which the fencing only lengthens.
 */
export function corosyncBound(kind: DrillKind, tokenMs: number, consensusMs: number, fencing = false, fenceMs?: number): DrillBound {
  if (kind === 'service-stop' || kind === 'reboot') return { formula: 'service', params: { startMs: PCM_START_MS }, boundMs: PCM_START_MS };
  const base = tokenMs + consensusMs + PCM_RECOVER_MS;
  if (!fencing) return { formula: 'corosync', params: { tokenMs, consensusMs, startMs: PCM_RECOVER_MS }, boundMs: base };
  return {
    formula: 'corosync-fenced',
    params: { tokenMs, consensusMs, ...(fenceMs !== undefined ? { fenceMs } : {}), startMs: PCM_RECOVER_MS },
    boundMs: base + (fenceMs ?? 0),
  };
}

/** A fenced bound with the fencing's measured duration added (any other bound as it is). */
export function withFencing(b: DrillBound, fenceMs: number): DrillBound {
  if (b.formula !== 'corosync-fenced') return b;
  const { tokenMs = 0, consensusMs = 0, startMs = PCM_RECOVER_MS } = b.params;
  return { formula: b.formula, params: { tokenMs, consensusMs, fenceMs, startMs }, boundMs: tokenMs + consensusMs + fenceMs + startMs };
}

/**
 * keepalived.conf → advert_int (seconds, may be fractional) in ms and the instance's priority.
 * Only the first vrrp_instance counts: Rackside writes one (steps/master/scripts.ts, KEEPALIVED).
 * keepalived's defaults when a line is absent: advert_int 1, priority 100.
 */
export function parseKeepalivedConf(text: string): { advertIntMs: number; priority: number } {
  const body = text.replace(/#.*$/gm, '');
  const inst = body.indexOf('vrrp_instance');
  const scope = inst >= 0 ? body.slice(inst) : body;
  const advert = /\badvert_int\s+([0-9.]+)/.exec(scope);
  const prio = /\bpriority\s+(\d+)/.exec(scope);
  return { advertIntMs: advert ? Math.round(Number(advert[1]) * 1000) : 1000, priority: prio ? Number(prio[1]) : 100 };
}

/**
 * `corosync-cmapctl -g runtime.config.totem.token` / `.consensus` output
 * ("runtime.config.totem.token (u32) = 3650") → the number, or null.
 */
export function parseCmapValue(text: string, key: string): number | null {
  const m = new RegExp(`${key.replace(/\./g, '\\.')}\\s*\\([a-z0-9]+\\)\\s*=\\s*(\\d+)`).exec(text);
  return m ? Number(m[1]) : null;
}
