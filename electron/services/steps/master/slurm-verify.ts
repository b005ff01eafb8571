import type { Host } from '../../../contract/index.js';
import type { Action, ActionArg, ActionResult, Finding, Phase, StepResults } from '../../runbook/step-module.js';
import { nodeName } from './pacemaker.js';
import type { ClusterProfile, ProfileContext } from './profile.js';
import { MUNGE_CREDENTIAL, MUNGE_DECODE, SLURM_VERIFY_JOB, SLURM_VERIFY_NODES } from './slurm-scripts.js';
import { VERIFY_CLUSTER, VERIFY_HOSTS, checkFailed, oneCheckFailedPerHost } from './verify-common.js';

/**
 * Step 7's Slurm checks (issue 20): every planned node takes jobs (sinfo), munge between every
 * pair of nodes, one job across all of them. Read-only.
 *
 * munge between every pair needs an order: each node makes a credential in `verify-hosts` (a
 * secret output, never journaled: for its 5 minutes it authenticates as root of that node), and
 * each node decodes every other node's in the profile's own phase after it. A decode on the
 * maker itself would prove nothing about the shared key, so it is not done.
 */

export const SLURM_VERIFY_PHASE = 'slurm-munge-pairs';
export const SLURM_UP_STATES = ['idle', 'mixed', 'allocated', 'completing'] as const;
/** srun's limit: the job itself takes ~0.1 s; a cluster that cannot run it in this long has a problem. */
export const JOB_LIMIT_S = 90;
const SHORT_MS = 60_000;
const CRED = 'munge-credential';

const t = (k: string) => `install.actions.${k}`;
const nameOf = (h: Host, ctx: ProfileContext) => nodeName(h, ctx);
const isFirst = (h: Host, ctx: ProfileContext) => h.id === ctx.firstMaster.id;

function actions(h: Host, ctx: ProfileContext): Action[] {
  const a: Action[] = [{
    id: 'munge-credential', title: t('verifyMungeCredential'), phase: VERIFY_HOSTS, sudo: false, timeoutMs: SHORT_MS, destructive: false,
    command: { script: MUNGE_CREDENTIAL }, output: { name: CRED, secret: true },
  }];
  const others = ctx.hosts.filter((o) => o.id !== h.id);
  if (others.length > 0) {
    const args: ActionArg[] = others.flatMap((o): ActionArg[] => [nameOf(o, ctx), { output: CRED, host: o.id }]);
    a.push({ id: 'munge-decode', title: t('verifyMungeDecode'), phase: SLURM_VERIFY_PHASE, sudo: false, timeoutMs: SHORT_MS, destructive: false,
      command: { script: MUNGE_DECODE, args }, capture: true });
  }
  if (isFirst(h, ctx)) {
    a.push({ id: 'slurm-nodes', title: t('verifySlurmNodes'), phase: VERIFY_CLUSTER, sudo: false, timeoutMs: SHORT_MS, destructive: false,
      command: { script: SLURM_VERIFY_NODES }, capture: true });
    const names = ctx.hosts.map((x) => nameOf(x, ctx));
    a.push({ id: 'slurm-job', title: t('verifySlurmJob'), phase: VERIFY_CLUSTER, sudo: false, timeoutMs: (JOB_LIMIT_S + 30) * 1000, destructive: false,
      command: { script: SLURM_VERIFY_JOB, args: [String(names.length), names.join(','), String(JOB_LIMIT_S)] }, capture: true });
  }
  return a;
}

/** `sinfo -h -N -o '%N %T'` → node → states (one per partition the node is in). */
export function parseSinfo(out: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const [node, state] = line.trim().split(/\s+/);
    if (!node || !state) continue;
    m.set(node, [...(m.get(node) ?? []), state]);
  }
  return m;
}

/** Up: every state it is listed in takes jobs. A suffix (`idle*`: not responding, `~`: powered off, `#`, `!`, `%`, `@`…) is not up. */
export const isUp = (states: readonly string[]) => states.length > 0 && states.every((s) => (SLURM_UP_STATES as readonly string[]).includes(s));

/** MUNGE_DECODE's lines → node → `ok` or the failure. */
export function parseDecode(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const match = /^(\S+) (ok|no-credential|failed)(?: (.*))?$/.exec(line.trim());
    if (match) m.set(match[1]!, match[2] === 'failed' ? (match[3]?.trim() || 'failed') : match[2]!);
  }
  return m;
}

/** SLURM_VERIFY_JOB's lines → exit code and what srun printed. */
export function parseJob(out: string): { rc: number | null; lines: string[] } {
  let rc: number | null = null;
  const lines: string[] = [];
  for (const line of out.split('\n')) {
    if (line.startsWith('rc ')) rc = Number(line.slice(3).trim());
    else if (line.startsWith('out ')) lines.push(line.slice(4).trim());
  }
  return { rc: rc !== null && Number.isFinite(rc) ? rc : null, lines: lines.filter(Boolean) };
}

const done = (r: ActionResult | undefined): r is ActionResult => r?.status === 'done' || r?.status === 'already-done';

function findings(results: StepResults, ctx: ProfileContext): Finding[] {
  const out: Finding[] = [];
  const first = ctx.firstMaster;
  const firstName = first.name || first.address;
  const n = ctx.hosts.length;

  // Every planned node takes jobs.
  const nodes = results.get(first.id)?.get('slurm-nodes');
  if (!done(nodes)) out.push(checkFailed(first, 'slurm-nodes', nodes));
  else {
    const states = parseSinfo(nodes.stdout);
    let up = 0;
    for (const h of ctx.hosts) {
      const name = nameOf(h, ctx);
      const s = states.get(name) ?? [];
      if (isUp(s)) {
        up++;
        continue;
      }
      const measured = s.length ? [...new Set(s)].join(', ') : 'absent';
      out.push({
        severity: 'blocking', hostId: h.id, code: 'slurm.node-not-up', params: { host: h.name || h.address, node: name, state: measured },
        measured, threshold: SLURM_UP_STATES.slice(0, 3).join(' / '),
        message: `${h.name || h.address}: Slurm node ${name} is ${measured} in sinfo, not idle, mixed or allocated`,
        remediation: `On ${h.name || h.address}: systemctl status slurmd munge; then scontrol update nodename=${name} state=resume on the controller if it stays down.`,
      });
    }
    if (up === n) {
      out.push({ severity: 'info', code: 'slurm.nodes-up', params: { up, total: n }, measured: `${up}/${n}`, threshold: `${n}/${n}`,
        compare: { measured: up, threshold: n, better: 'higher' },
        message: `All ${n} Slurm nodes take jobs`, remediation: 'Recorded for the report.' });
    }
  }

  // munge between every pair: each node's decodes of the others' credentials.
  let pairsOk = 0;
  let pairs = 0;
  for (const h of ctx.hosts) {
    const others = ctx.hosts.filter((o) => o.id !== h.id);
    if (others.length === 0) continue;
    const r = results.get(h.id)?.get('munge-decode');
    if (!done(r)) {
      pairs += others.length;
      out.push(checkFailed(h, 'munge-decode', r));
      continue;
    }
    const got = parseDecode(r.stdout);
    const failed = others.filter((o) => got.get(nameOf(o, ctx)) !== 'ok');
    pairs += others.length;
    pairsOk += others.length - failed.length;
    if (failed.length === 0) continue;
    const detail = failed.map((o) => `${nameOf(o, ctx)}: ${got.get(nameOf(o, ctx)) ?? 'not decoded'}`).join('; ');
    out.push({
      severity: 'blocking', hostId: h.id, code: 'slurm.munge-failed', params: { host: h.name || h.address, failed: detail },
      measured: `${others.length - failed.length}/${others.length}`, threshold: `${others.length}/${others.length}`,
      compare: { measured: others.length - failed.length, threshold: others.length, better: 'higher' },
      message: `${h.name || h.address}: munge credentials from other nodes not decoded (${detail})`,
      remediation: 'Every node needs the same /etc/munge/munge.key (munge:munge, 0400), munged running and clocks within a few minutes: run step 5 and 6 again to put the cluster key back, check chrony.',
    });
  }
  if (pairs > 0 && pairsOk === pairs) {
    out.push({ severity: 'info', code: 'slurm.munge-ok', params: { pairs }, measured: `${pairsOk}/${pairs}`, threshold: `${pairs}/${pairs}`,
      compare: { measured: pairsOk, threshold: pairs, better: 'higher' },
      message: `munge: every node decodes every other node's credential (${pairs} pairs)`, remediation: 'Recorded for the report.' });
  }

  // One job on every node.
  const job = results.get(first.id)?.get('slurm-job');
  if (!done(job)) out.push(checkFailed(first, 'slurm-job', job));
  else {
    const { rc, lines } = parseJob(job.stdout);
    const want = ctx.hosts.map((h) => nameOf(h, ctx));
    const names = new Set(lines.filter((l) => want.includes(l)));
    const missing = want.filter((w) => !names.has(w));
    if (rc === 0 && missing.length === 0) {
      out.push({ severity: 'info', code: 'slurm.job-ran', params: { nodes: n }, measured: names.size, threshold: n,
        compare: { measured: names.size, threshold: n, better: 'higher' },
        message: `srun -N${n} hostname ran on all ${n} nodes`, remediation: 'Recorded for the report.' });
    } else {
      const detail = rc === 124 ? `no answer within ${JOB_LIMIT_S} s` : (lines.filter((l) => !want.includes(l)).join(' ').slice(0, 300) || `exit ${rc ?? '?'}`);
      out.push({
        severity: 'blocking', hostId: first.id, code: 'slurm.job-failed',
        params: { host: firstName, nodes: n, ran: names.size, missing: missing.join(', ') || '-', detail },
        measured: names.size, threshold: n, compare: { measured: names.size, threshold: n, better: 'higher' },
        message: `A job across all ${n} nodes (srun -N${n} hostname) ran on ${names.size}; missing ${missing.join(', ') || '-'}: ${detail}`,
        remediation: 'Fix the nodes that are not up first (sinfo); then run squeue and the slurmctld log on the controller (journalctl -u slurmctld).',
      });
    }
  }
  return oneCheckFailedPerHost(out);
}

export const slurmVerify: NonNullable<ClusterProfile['verify']> = {
  phases: (ctx): Phase[] => [{ id: SLURM_VERIFY_PHASE, title: 'install.phases.slurmMungePairs', hosts: ctx.hosts.map((h) => h.id), mode: 'parallel' }],
  actions,
  findings,
};
