import type { Project } from '../../../contract/index.js';
import type { Action, ActionResult, Finding, StepModule, StepResults } from '../../runbook/step-module.js';

/** Free space on / below this (MiB) blocks, unless the project sets `thresholds.minRootFreeMiB`. */
export const DEFAULT_MIN_ROOT_FREE_MIB = 2048;

/** Rackside's folder on each server: run state and the marker that says which project host it is. */
export const WORK_DIR = '/var/lib/rackside';

/** Distributions the cluster profiles are written for; others get a warning, not a block. */
const SUPPORTED_OS = ['debian', 'ubuntu', 'rhel', 'rocky', 'almalinux', 'centos'];

const ACCESS = `printf 'uid=%s\\nuser=%s\\n' "$(id -u)" "$(id -un)"
if [ "$(id -u)" = 0 ]; then echo sudo=root
elif ! command -v sudo >/dev/null 2>&1; then echo sudo=missing
elif sudo -n true 2>/dev/null; then echo sudo=nopasswd
else echo sudo=password; fi`;

// os-release is parsed, not sourced: a server's file is data, never code run in our shell.
const SYSTEM = `osr() { sed -n "s/^$1=//p" /etc/os-release 2>/dev/null | head -n1 | tr -d '"'; }
printf 'os_id=%s\\nos_name=%s\\nos_version=%s\\n' "$(osr ID)" "$(osr PRETTY_NAME)" "$(osr VERSION_ID)"
printf 'kernel=%s\\narch=%s\\nhostname=%s\\n' "$(uname -r)" "$(uname -m)" "$(hostname)"
printf 'release=%s\\ndpkg_arch=%s\\n' "$(osr VERSION_CODENAME)" "$(dpkg --print-architecture 2>/dev/null || true)"
df -Pk / | awk 'NR==2 { print "root_avail_kib=" $4; print "root_size_kib=" $2 }'`;

const WORKDIR = `umask 022
mkdir -p "$1/state" && printf '%s\\n' "$2" > "$1/host-id.tmp" && mv -f "$1/host-id.tmp" "$1/host-id"`;
const WORKDIR_DONE = `[ -d "$1/state" ] && [ "$(cat "$1/host-id" 2>/dev/null)" = "$2" ]`;

/**
 * Preflight: before any check or change, per host (1) can we log in and become root, (2) what
 * OS, kernel and free space on / it has, (3) Rackside's work folder with a marker naming the
 * project's host id. Findings: low space on / and no way to root block; unknown distributions
 * and kernels differing across hosts warn; the OS/kernel record is info.
 */
export const preflightStep: StepModule = {
  id: 'preflight',
  title: 'runbook.steps.preflight.title',

  plan(project) {
    const out = new Map<string, Action[]>();
    for (const h of project.hosts) {
      const sudo = h.user !== 'root';
      out.set(h.id, [
        { id: 'access', title: 'runbook.actions.preflight.access', command: { script: ACCESS }, sudo: false, timeoutMs: 20_000, destructive: false, capture: true },
        { id: 'system', title: 'runbook.actions.preflight.system', command: { script: SYSTEM }, sudo: false, timeoutMs: 20_000, destructive: false, capture: true },
        {
          id: 'workdir',
          title: 'runbook.actions.preflight.workdir',
          command: { script: WORKDIR, args: [WORK_DIR, h.id] },
          probe: { script: WORKDIR_DONE, args: [WORK_DIR, h.id] },
          sudo,
          timeoutMs: 20_000,
          destructive: false,
        },
      ]);
    }
    return out;
  },

  evaluate(results: StepResults, project: Project): Finding[] {
    const minMiB = project.thresholds?.minRootFreeMiB ?? DEFAULT_MIN_ROOT_FREE_MIB;
    const findings: Finding[] = [];
    const kernels = new Map<string, string[]>();
    for (const host of project.hosts) {
      const r = results.get(host.id);
      if (!r) continue;
      const label = host.name || host.address;
      const access = r.get('access');
      const system = r.get('system');
      const workdir = r.get('workdir');
      if (access && failed(access)) {
        findings.push({
          severity: 'blocking', hostId: host.id, code: 'preflight.access-failed', params: { host: label },
          message: `${label}: the access check failed`,
          remediation: 'Check the connection, user and password in step 1, then retry.',
        });
      }
      if (access && ok(access)) {
        const a = kv(access.stdout);
        if (a.get('sudo') === 'missing') {
          findings.push({
            severity: 'blocking', hostId: host.id, code: 'preflight.no-sudo', params: { host: label, user: a.get('user') ?? host.user },
            message: `${label}: user ${a.get('user') ?? host.user} is not root and sudo is not installed`,
            remediation: 'Log in as root, or install sudo and allow this user to use it.',
          });
        } else if (a.get('sudo') === 'password') {
          findings.push({
            severity: 'info', hostId: host.id, code: 'preflight.sudo-password', params: { host: label },
            message: `${label}: sudo asks for a password; Rackside sends it over stdin`,
            remediation: 'Enter the sudo password for this host in step 1 if you have not.',
          });
        }
      }
      if (system && ok(system)) {
        const s = kv(system.stdout);
        const osName = s.get('os_name') || s.get('os_id') || 'unknown';
        const kernel = s.get('kernel') ?? 'unknown';
        findings.push({
          severity: 'info', hostId: host.id, code: 'preflight.system',
          // release and dpkgArch: the site kit's target this host needs (`<release>-<dpkgArch>`, kit.status).
          params: { host: label, os: osName, kernel, arch: s.get('arch') ?? '', release: s.get('release') ?? '', dpkgArch: s.get('dpkg_arch') ?? '' },
          message: `${label}: ${osName}, kernel ${kernel} (${s.get('arch') ?? '?'})`,
          remediation: 'Recorded for the report.',
        });
        kernels.set(kernel, [...(kernels.get(kernel) ?? []), label]);
        if (!SUPPORTED_OS.includes(s.get('os_id') ?? '')) {
          findings.push({
            severity: 'warning', hostId: host.id, code: 'preflight.os-unsupported', params: { host: label, os: osName },
            message: `${label}: ${osName} is not a distribution the cluster profiles are written for`,
            remediation: 'Install Debian, Ubuntu or a RHEL-compatible distribution, or proceed at your own risk.',
          });
        }
        const availKiB = Number(s.get('root_avail_kib'));
        if (Number.isFinite(availKiB)) {
          const availMiB = Math.floor(availKiB / 1024);
          if (availMiB < minMiB) {
            findings.push({
              severity: 'blocking', hostId: host.id, code: 'preflight.root-space-low',
              params: { host: label, measured: availMiB, threshold: minMiB },
              message: `${label}: ${availMiB} MiB free on /, below the required ${minMiB} MiB`,
              remediation: 'Free space on / (old kernels, logs, package caches) or grow the filesystem, then run the step again.',
              measured: availMiB,
              threshold: minMiB,
              compare: { measured: availMiB, threshold: minMiB, better: 'higher' },
            });
          }
        }
      }
      if (workdir && failed(workdir)) {
        findings.push({
          severity: 'blocking', hostId: host.id, code: 'preflight.workdir-failed', params: { host: label, dir: WORK_DIR },
          message: `${label}: could not create ${WORK_DIR}`,
          remediation: 'Check that / is writable and not full, and that the user can use sudo; see the transcript.',
        });
      }
    }
    if (kernels.size > 1) {
      const list = [...kernels].map(([k, hosts]) => `${k} (${hosts.join(', ')})`).join('; ');
      findings.push({
        severity: 'warning', code: 'preflight.kernel-mismatch', params: { kernels: list },
        message: `The hosts run different kernels: ${list}`,
        remediation: 'Update the hosts to the same kernel before building the cluster.',
      });
    }
    return findings;
  },
};

const ok = (r: ActionResult) => r.status === 'done' || r.status === 'already-done';
const failed = (r: ActionResult) => r.status === 'failed';

function kv(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return m;
}
