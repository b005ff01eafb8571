import type { Host } from '../../../contract/index.js';
import { findingKey, type Action, type ActionResult, type Finding, type StepResults } from '../../runbook/step-module.js';
import { PCM_VERIFY_QUORUM, PCM_VERIFY_STATUS, VIP_RESOURCE } from './pacemaker-scripts.js';
import type { ClusterProfile, ProfileContext } from './profile.js';
import { VERIFY_CLUSTER, checkFailed, oneCheckFailedPerHost } from './verify-common.js';

/**
 * Step 7's Pacemaker checks (issue 20), from the first master, read-only: every planned node
 * online, no failed resource actions, corosync quorate with the planned members' votes, the VIP
 * resource started on exactly one node (when Pacemaker holds the VIP), fencing (stonith) on.
 * crm_mon's XML is the machine-readable view (its text output changes between versions).
 */

const SHORT_MS = 60_000;
const t = (k: string) => `install.pacemaker.actions.${k}`;
const sudoOf = (h: Host) => h.user !== 'root';

type Attrs = Record<string, string>;

/** `name="value"` pairs of one start tag (crm_mon escapes `"` and `<` in values, so a quote ends a value). */
function attrs(tag: string): Attrs {
  const out: Attrs = {};
  for (const m of tag.matchAll(/([\w:-]+)="([^"]*)"/g)) {
    out[m[1]!] = m[2]!.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  return out;
}

/** The start tags `<name …>` inside `xml`, their attributes. */
const elements = (xml: string, name: string): Attrs[] => [...xml.matchAll(new RegExp(`<${name}(\\s[^>]*)?/?>`, 'g'))].map((m) => attrs(m[1] ?? ''));

/** The inner text of the first `<name>…</name>` block, or '' when it is absent or empty (`<name/>`). */
function block(xml: string, name: string): string {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return m?.[1] ?? '';
}

export interface CrmStatus {
  /** False: not crm_mon's XML (crm_mon missing, the cluster not running on the node). */
  parsed: boolean;
  nodes: { name: string; online: boolean; standby: boolean; maintenance: boolean; unclean: boolean }[];
  resources: { id: string; role: string; active: boolean; failed: boolean; nodes: string[] }[];
  failures: { opKey: string; node: string; exitstatus: string; exitreason: string }[];
  stonithEnabled: boolean | undefined;
  /** Quorum as Pacemaker sees it (`<current_dc with_quorum=…>`). */
  withQuorum: boolean | undefined;
}

/** `crm_mon -1 --inactive --output-as=xml` (Pacemaker 2.1). */
export function parseCrmMon(xml: string): CrmStatus {
  const parsed = /<pacemaker-result[\s>]/.test(xml) && /<nodes[\s>]/.test(xml);
  const nodes = elements(block(xml, 'nodes'), 'node').map((a) => ({
    name: a.name ?? '', online: a.online === 'true', standby: a.standby === 'true', maintenance: a.maintenance === 'true', unclean: a.unclean === 'true',
  }));
  const resources: CrmStatus['resources'] = [];
  // Resources are <resource …/> (stopped: no nodes) or <resource …>…<node name=…/>…</resource>, maybe inside a group or clone.
  for (const m of block(xml, 'resources').matchAll(/<resource(\s[^>]*?)(\/>|>([\s\S]*?)<\/resource>)/g)) {
    const a = attrs(m[1] ?? '');
    resources.push({ id: a.id ?? '', role: a.role ?? '', active: a.active === 'true', failed: a.failed === 'true', nodes: elements(m[3] ?? '', 'node').map((n) => n.name ?? '') });
  }
  const failures = elements(block(xml, 'failures'), 'failure').map((a) => ({
    opKey: a.op_key ?? a.id ?? '', node: a.node ?? '', exitstatus: a.exitstatus ?? '', exitreason: a.exitreason ?? '',
  }));
  const opts = elements(xml, 'cluster_options')[0];
  const dc = elements(xml, 'current_dc')[0];
  return {
    parsed, nodes, resources, failures,
    stonithEnabled: opts?.['stonith-enabled'] === undefined ? undefined : opts['stonith-enabled'] === 'true',
    withQuorum: dc?.with_quorum === undefined ? undefined : dc.with_quorum === 'true',
  };
}

export interface QuorumStatus {
  parsed: boolean;
  quorate: boolean;
  expectedVotes: number | null;
  totalVotes: number | null;
}

/** `corosync-quorumtool -s`: the `Quorate:`, `Expected votes:` and `Total votes:` lines. */
export function parseQuorumTool(out: string): QuorumStatus {
  const line = (k: string) => new RegExp(`^\\s*${k}:\\s*(.+?)\\s*$`, 'm').exec(out)?.[1];
  const num = (k: string) => {
    const v = line(k);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
  };
  const q = line('Quorate');
  return { parsed: q !== undefined, quorate: q === 'Yes', expectedVotes: num('Expected votes'), totalVotes: num('Total votes') };
}

function actions(h: Host, ctx: ProfileContext): Action[] {
  if (h.id !== ctx.firstMaster.id) return [];
  return [
    { id: 'pcm-verify-status', title: t('verifyStatus'), phase: VERIFY_CLUSTER, sudo: sudoOf(h), timeoutMs: SHORT_MS, destructive: false,
      command: { script: PCM_VERIFY_STATUS }, capture: true },
    { id: 'pcm-verify-quorum', title: t('verifyQuorum'), phase: VERIFY_CLUSTER, sudo: sudoOf(h), timeoutMs: SHORT_MS, destructive: false,
      command: { script: PCM_VERIFY_QUORUM }, capture: true },
  ];
}

const done = (r: ActionResult | undefined): r is ActionResult => r?.status === 'done' || r?.status === 'already-done';

/**
 * `nodeName` and `ownsVip` come from pacemaker.ts, which imports this module: passed in rather
 * than imported back, so neither module reads the other half-initialised.
 */
export function pacemakerVerify(nodeName: (h: Host, ctx: ProfileContext) => string, ownsVip: (ctx: ProfileContext) => boolean): NonNullable<ClusterProfile['verify']> {
  function findings(results: StepResults, ctx: ProfileContext): Finding[] {
    const out: Finding[] = [];
    const first = ctx.firstMaster;
    const firstName = first.name || first.address;
    const cluster = ctx.plan.pacemaker.clusterName;
    const planned = ctx.hosts.length;

    const st = results.get(first.id)?.get('pcm-verify-status');
    const crm = done(st) ? parseCrmMon(st.stdout) : undefined;
    if (!done(st)) out.push(checkFailed(first, 'pcm-verify-status', st));
    else if (!crm?.parsed) {
      // crm_mon not connected still answers in XML: its status message and errors say why.
      const errors = [...st.stdout.matchAll(/<error>([^<]*)<\/error>/g)].map((m) => m[1]!.trim());
      const status = elements(st.stdout, 'status')[0]?.message;
      const said = errors.length > 0 || status ? [status, ...errors].filter(Boolean).join('; ') : st.stdout.trim().split('\n').slice(0, 3).join(' ');
      const detail = said.slice(0, 200) || 'no output';
      out.push({ ...checkFailed(first, 'pcm-verify-status', st), params: { host: firstName, action: 'pcm-verify-status', detail }, measured: detail,
        message: `${firstName}: crm_mon gave no cluster status (${detail})` });
    }
    if (crm?.parsed) {
      // Every planned node online (not standby, not unclean).
      let online = 0;
      for (const h of ctx.hosts) {
        const name = nodeName(h, ctx);
        const n = crm.nodes.find((x) => x.name === name);
        const state = !n ? 'absent' : !n.online ? 'offline' : n.unclean ? 'unclean' : n.standby ? 'standby' : n.maintenance ? 'maintenance' : 'online';
        if (state === 'online') {
          online++;
          continue;
        }
        out.push({
          severity: 'blocking', hostId: h.id, code: 'pacemaker.node-offline', params: { host: h.name || h.address, node: name, state, cluster },
          measured: state, threshold: 'online',
          message: `${h.name || h.address}: node ${name} is ${state} in cluster ${cluster}, not online`,
          remediation: `On ${h.name || h.address}: pcs cluster start (then pcs node unstandby ${name} if it is in standby); check corosync and pacemaker with systemctl status.`,
        });
      }
      if (online === planned) {
        out.push({ severity: 'info', code: 'pacemaker.nodes-online', params: { online, total: planned, cluster }, measured: `${online}/${planned}`, threshold: `${planned}/${planned}`,
          compare: { measured: online, threshold: planned, better: 'higher' }, message: `Cluster ${cluster}: all ${planned} nodes online`, remediation: 'Recorded for the report.' });
      }

      // No failed resource actions.
      if (crm.failures.length > 0) {
        const list = crm.failures.map((f) => `${f.opKey} on ${f.node}: ${f.exitstatus}${f.exitreason ? ` (${f.exitreason})` : ''}`);
        out.push({
          severity: 'blocking', code: 'pacemaker.failed-actions', params: { cluster, count: crm.failures.length, actions: list.join('; ').slice(0, 500) },
          measured: crm.failures.length, threshold: 0, compare: { measured: crm.failures.length, threshold: 0, better: 'lower' },
          message: `Cluster ${cluster}: ${crm.failures.length} failed resource action(s): ${list.join('; ')}`,
          remediation: 'Find the cause in the node\'s log (journalctl -u pacemaker), fix it, then pcs resource cleanup to clear the failures.',
        });
      }

      // The VIP resource started on exactly one node.
      if (ownsVip(ctx)) {
        const vip = crm.resources.find((r) => r.id === VIP_RESOURCE);
        const on = vip && vip.active && !vip.failed ? vip.nodes : [];
        if (on.length === 1) {
          out.push({ severity: 'info', code: 'pacemaker.vip-started', params: { cluster, vip: ctx.vip, node: on[0]! }, measured: 1, threshold: 1,
            message: `The VIP ${ctx.vip} (${VIP_RESOURCE}) runs on ${on[0]}`, remediation: 'Recorded for the report.' });
        } else {
          const measured = vip ? on.length : 'absent';
          out.push({
            severity: 'blocking', code: 'pacemaker.vip-not-started', params: { cluster, vip: ctx.vip, resource: VIP_RESOURCE, nodes: on.length ? on.join(', ') : '-', count: String(measured) },
            measured, threshold: 1,
            message: `The VIP ${ctx.vip} (${VIP_RESOURCE}) runs on ${String(measured)} nodes (${on.join(', ') || '-'}), not exactly one`,
            remediation: `pcs status resources; pcs resource cleanup ${VIP_RESOURCE}. On two nodes at once: a split brain, which fencing prevents.`,
          });
        }
      }

      // Fencing: the install's finding stands as long as stonith is off; the technician's waiver
      // there is the decision, so here it warns (still in the report) instead of blocking again.
      if (crm.stonithEnabled !== true) {
        const without = ctx.hosts.filter((h) => !h.bmc).map((h) => h.name || h.address);
        const waived = ctx.installWaivers?.includes(findingKey({ code: 'pacemaker.fencing-off' })) === true;
        out.push({
          severity: waived ? 'warning' : 'blocking', code: 'pacemaker.fencing-off', params: { cluster, noBmcHosts: without.length > 0 ? without.join(', ') : '-' },
          measured: crm.stonithEnabled === false ? 'stonith-enabled=false' : 'unknown', threshold: 'stonith-enabled=true',
          message: `Cluster ${cluster}: fencing is off (stonith-enabled=false); a node that stops answering can leave resources running twice`,
          remediation: 'Add each host\'s BMC in the inventory and run the install again (a fence_ipmilan device per host), or waive the install\'s finding to accept a cluster without fencing.',
        });
      }
    }

    // corosync quorate with the planned members' votes.
    const qr = results.get(first.id)?.get('pcm-verify-quorum');
    if (!done(qr)) out.push(checkFailed(first, 'pcm-verify-quorum', qr));
    else {
      const q = parseQuorumTool(qr.stdout);
      const measured = q.parsed ? `quorate ${q.quorate ? 'yes' : 'no'}, votes ${q.totalVotes ?? '?'}/${q.expectedVotes ?? '?'}` : (qr.stdout.trim().split('\n')[0] ?? '').slice(0, 200) || 'no output';
      const threshold = `quorate yes, votes ${planned}/${planned}`;
      if (q.parsed && q.quorate && q.expectedVotes === planned && q.totalVotes === planned) {
        out.push({ severity: 'info', code: 'pacemaker.quorate', params: { cluster, votes: planned }, measured, threshold,
          message: `Cluster ${cluster}: quorate with ${planned} of ${planned} votes`, remediation: 'Recorded for the report.' });
      } else {
        out.push({
          severity: 'blocking', code: 'pacemaker.quorum', params: { cluster, measured, planned },
          measured, threshold,
          message: `Cluster ${cluster}: corosync quorum is "${measured}", planned ${planned} votes, quorate`,
          remediation: 'Start the missing nodes (pcs cluster start on each); a node count that differs from the plan means a node was added or removed outside Rackside: run step 6 again.',
        });
      }
    }
    return oneCheckFailedPerHost(out);
  }
  return { actions, findings };
}
