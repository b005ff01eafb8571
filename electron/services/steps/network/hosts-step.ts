import { NETWORK_HOSTS_STEP, type Project } from '../../../contract/index.js';
import type { Action, ActionResult, Finding, StepModule, StepResults } from '../../runbook/step-module.js';
import { parseKv } from './parse.js';
import { expectedNames, planOf } from './names.js';

/**
 * Hostnames and /etc/hosts on every node (wizard step 3, issue 5). Idempotent: each change
 * has a probe that recomputes the wanted state and compares, so a second run reports every
 * action "already done" and touches no file. /etc/hosts is rewritten in place (not renamed),
 * which also works where it is a bind mount (containers); the first change keeps a copy in
 * /etc/hosts.rackside-orig.
 */

export const HOSTS_BEGIN = '# BEGIN rackside (managed by Rackside: lines up to END are replaced on every run)';
export const HOSTS_END = '# END rackside';

// $1 the name. hostnamectl where systemd runs; otherwise /etc/hostname and the kernel's name.
const SET_HOSTNAME = `set -eu
if command -v hostnamectl >/dev/null 2>&1 && hostnamectl set-hostname "$1" 2>/dev/null; then :
else
  [ "$(cat /etc/hostname 2>/dev/null)" = "$1" ] || printf '%s\\n' "$1" > /etc/hostname
  hostname "$1"
fi`;
const HOSTNAME_DONE = `[ "$(hostname)" = "$1" ] && [ "$(cat /etc/hostname 2>/dev/null)" = "$1" ]`;

/**
 * $1 check|apply, $2 the block's lines, then the names and addresses the block manages. Lines
 * outside the block that give one of those names or addresses are commented out (kept, marked),
 * so lookups cannot find an old mapping first.
 */
const ETC_HOSTS = `set -eu
mode=$1; block=$2; shift 2
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk -v managed="$*" -v begin="${HOSTS_BEGIN}" -v end="${HOSTS_END}" '
BEGIN { n = split(managed, a, " "); for (i = 1; i <= n; i++) m[tolower(a[i])] = 1 }
$0 == begin { skip = 1; next }
$0 == end { skip = 0; next }
skip { next }
/^[[:space:]]*#/ || NF < 2 { print; next }
{
  hit = (tolower($1) in m)
  for (i = 2; i <= NF && $i !~ /^#/; i++) if (tolower($i) in m) hit = 1
  if (hit) print "# rackside-replaced: " $0; else print
}' /etc/hosts > "$tmp"
printf '%s\\n%s\\n%s\\n' "${HOSTS_BEGIN}" "$block" "${HOSTS_END}" >> "$tmp"
if cmp -s "$tmp" /etc/hosts; then exit 0; fi
[ "$mode" = apply ] || exit 1
[ -e /etc/hosts.rackside-orig ] || cp -p /etc/hosts /etc/hosts.rackside-orig
cat "$tmp" > /etc/hosts`;

// Read back what a lookup on the node returns now: $@ are the names. ahostsv4, not hosts: `getent
// hosts` asks for IPv6 first, which /etc/hosts does not answer, and waits for DNS timeouts.
const VERIFY = `printf 'hostname=%s\\n' "$(hostname)"
printf 'etc_hostname=%s\\n' "$(cat /etc/hostname 2>/dev/null)"
for n in "$@"; do printf 'resolve %s=%s\\n' "$n" "$(getent ahostsv4 "$n" | awk '{ print $1; exit }')"; done`;

/** The lines of the managed block: `address fqdn short` per host, and the VIP if it has a name. */
export function hostsBlock(project: Project): string[] {
  const plan = planOf(project);
  const lines = expectedNames(project).map((e) => (e.fqdn !== e.name ? `${e.address} ${e.fqdn} ${e.name}` : `${e.address} ${e.name}`));
  if (plan.vip && plan.vipName) lines.push(plan.domain ? `${plan.vip} ${plan.vipName}.${plan.domain} ${plan.vipName}` : `${plan.vip} ${plan.vipName}`);
  return lines;
}

/** Names and addresses the block manages (for replacing stale lines outside it). */
function managedTokens(project: Project): string[] {
  const plan = planOf(project);
  const out = new Set<string>();
  for (const e of expectedNames(project)) [e.name, e.fqdn, e.address].forEach((x) => out.add(x));
  if (plan.vip && plan.vipName) [plan.vip, plan.vipName, plan.domain ? `${plan.vipName}.${plan.domain}` : plan.vipName].forEach((x) => out.add(x));
  return [...out];
}

export const networkHostsStep: StepModule = {
  id: NETWORK_HOSTS_STEP,
  title: 'network.hosts.title',

  plan(project) {
    const plan = planOf(project);
    const block = hostsBlock(project).join('\n');
    const tokens = managedTokens(project);
    const names = expectedNames(project);
    const lookups = [...new Set(names.flatMap((e) => [e.name, e.fqdn]))];
    const out = new Map<string, Action[]>();
    for (const h of project.hosts) {
      const sudo = h.user !== 'root';
      const actions: Action[] = [];
      const name = plan.hosts.find((x) => x.hostId === h.id)?.hostname;
      if (name) {
        actions.push({
          id: 'hostname',
          title: 'network.actions.hostname',
          command: { script: SET_HOSTNAME, args: [name] },
          probe: { script: HOSTNAME_DONE, args: [name] },
          sudo,
          timeoutMs: 20_000,
          destructive: false,
        });
      }
      if (names.length > 0) {
        actions.push({
          id: 'etc-hosts',
          title: 'network.actions.etcHosts',
          command: { script: ETC_HOSTS, args: ['apply', block, ...tokens] },
          probe: { script: ETC_HOSTS, args: ['check', block, ...tokens] },
          sudo,
          timeoutMs: 20_000,
          destructive: false,
        });
        actions.push({
          id: 'verify',
          title: 'network.actions.verifyNames',
          command: { script: VERIFY, args: lookups },
          sudo: false,
          timeoutMs: 20_000,
          destructive: false,
          capture: true,
        });
      }
      if (actions.length) out.set(h.id, actions);
    }
    return out;
  },

  evaluate(results: StepResults, project: Project): Finding[] {
    const plan = planOf(project);
    const names = expectedNames(project);
    const findings: Finding[] = [];
    for (const h of project.hosts) {
      const r = results.get(h.id);
      if (!r) continue;
      const label = h.name || h.address;
      const verify = r.get('verify');
      if (!verify || !done(verify)) {
        if ([...r.values()].some((a) => a.status === 'failed')) {
          findings.push({
            severity: 'blocking', hostId: h.id, code: 'network.hosts-failed', params: { host: label },
            message: `${label}: setting the host name or /etc/hosts failed`,
            remediation: 'See the transcript of the failed action; check that / is writable and sudo works.',
          });
        }
        continue;
      }
      const kv = parseKv(verify.stdout);
      const want = plan.hosts.find((x) => x.hostId === h.id)?.hostname;
      if (want && (kv.get('hostname') !== want || kv.get('etc_hostname') !== want)) {
        findings.push({
          severity: 'blocking', hostId: h.id, code: 'network.hostname-mismatch',
          params: { host: label, expected: want, got: kv.get('hostname') ?? '' },
          message: `${label}: host name reads back as "${kv.get('hostname')}" (/etc/hostname "${kv.get('etc_hostname')}"), expected ${want}`,
          remediation: 'Something else manages the host name (cloud-init, NetworkManager); disable that, then run the step again.',
        });
      }
      const wrong = names.flatMap((e) =>
        [e.name, e.fqdn].filter((n, k, all) => all.indexOf(n) === k).flatMap((n) => {
          const got = kv.get(`resolve ${n}`) ?? '';
          return got === e.address ? [] : [`${n} → ${got || 'nothing'} (expected ${e.address})`];
        }),
      );
      if (wrong.length) {
        findings.push({
          severity: 'blocking', hostId: h.id, code: 'network.names-mismatch', params: { host: label, names: wrong.join('; ') },
          message: `${label}: name lookups disagree with the plan: ${wrong.join('; ')}`,
          remediation: 'Check /etc/nsswitch.conf (files before dns) and DNS records that shadow /etc/hosts.',
        });
      } else {
        findings.push({
          severity: 'info', hostId: h.id, code: 'network.names-ok', params: { host: label, count: names.length },
          message: `${label}: host name and all ${names.length} names resolve as planned`,
          remediation: 'Recorded for the report.',
        });
      }
    }
    return findings;
  },
};

const done = (r: ActionResult) => r.status === 'done' || r.status === 'already-done';
