import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Host, PackageSource, Project } from '../../../contract/index.js';
import { KIT_KEYRING, KIT_MANIFEST, type KitManifest } from '../../kit/build.js';
import { serveKitOver } from '../../kit/serve.js';
import type { Action, ActionResult, Finding, HostLink, HostSession, Phase } from '../../runbook/step-module.js';
import { INSTALLED_COUNT, PACKAGES } from './scripts.js';

/**
 * The site kit as the install's package source (issue 22). The kit folder on the laptop holds one
 * signed flat repository per target (`<release>-<arch>/`, kit/build.ts). For each host:
 *
 * - `kit-source`, before its first package install: the host's OS release and architecture read on
 *   the host and checked against the kit's targets that hold every package this host's plan
 *   installs — a host the kit does not cover stops there, before anything changed, and the step's
 *   evaluate words it as a blocking finding naming what to rebuild; then the kit's keyring
 *   (`signed-by=`, never `trusted=yes`) and an apt source on the host's own loopback, and apt's
 *   index of that source alone refreshed;
 * - while the host's actions run, the runner forwards that loopback port through the host's SSH
 *   connection to the laptop (`hostSession`, ssh2 `forwardIn`): no site network change;
 * - `kit-source-remove`, after the host's last action, unless the plan keeps the source.
 */

export const KIT_KEYRING_PATH = '/etc/apt/keyrings/rackside-kit.gpg';
export const KIT_SOURCES_FILE = '/etc/apt/sources.list.d/rackside-kit.list';
export const KIT_SOURCE_ACTION = 'kit-source';
export const KIT_REMOVE_ACTION = 'kit-source-remove';

type KitSource = Extract<PackageSource, { kind: 'kit' }>;

export interface KitTargetInfo {
  /** `<release>-<arch>`, the folder name. */
  target: string;
  packages: Set<string>;
  /** SHA-256 of its InRelease: the probe compares it with the index apt holds on the host. */
  inRelease: string;
  /** SHA-256 of its manifest.json (the report records it). */
  manifestSha256: string;
  app: string;
}

export interface KitOnDisk {
  keyring: Buffer | null;
  targets: KitTargetInfo[];
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** What the kit folder holds, read synchronously (planning is synchronous); an unreadable target is left out. */
export function readKitDir(dir: string): KitOnDisk {
  const keyringPath = join(dir, KIT_KEYRING);
  const keyring = existsSync(keyringPath) ? readFileSync(keyringPath) : null;
  const targets: KitTargetInfo[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch {
    entries = [];
  }
  for (const name of entries) {
    try {
      const raw = readFileSync(join(dir, name, KIT_MANIFEST));
      const m = JSON.parse(raw.toString('utf8')) as KitManifest;
      if (`${m.target.release}-${m.target.arch}` !== name) continue;
      targets.push({
        target: name, packages: new Set(m.needs.map((n) => n.package)), inRelease: sha256(readFileSync(join(dir, name, 'InRelease'))),
        manifestSha256: sha256(raw), app: m.app,
      });
    } catch {
      // Not a built target (or a broken one: kit.verify names it).
    }
  }
  return { keyring, targets };
}

export const isKit = (src: PackageSource): src is KitSource => src.kind === 'kit';

/** The packages a host's plan installs (every PACKAGES apply). */
export function plannedPackages(actions: readonly Action[]): string[] {
  const out = new Set<string>();
  for (const a of actions) {
    const c = a.command;
    if ('script' in c && c.script === PACKAGES && c.args?.[0] === 'apply') for (const p of c.args.slice(1)) if (typeof p === 'string') out.add(p);
  }
  return [...out].sort();
}

/**
 * $1 check|apply, $2 port, $3 keyring (base64), $4 the packages this host's plan installs
 * (space-separated Debian package names), then `<release>-<arch>=<InRelease sha256>:<manifest
 * sha256>` for each kit target that covers this host. Prints `target=<release>-<arch>` first; exit 3
 * when the host's target is not among them (nothing touched); after an apply `manifest=<sha256>`
 * (the report's record of the kit the host was installed from). `check` passes when the host's
 * target is covered and either every one of its packages is installed already (a re-run: nothing
 * to take from the kit, so no source is put on the host) or the keyring and the source are in place
 * and apt's index of the kit is the kit's current InRelease (a resumed run).
 */
export const KIT_SOURCE = `set -eu
${INSTALLED_COUNT}
mode=$1 port=$2 keyring=$3 packages=$4; shift 4
codename=$(. /etc/os-release && echo "\${VERSION_CODENAME:-unknown}")
target="$codename-$(dpkg --print-architecture)"
echo "target=$target"
want=
for t in "$@"; do [ "\${t%%=*}" != "$target" ] || want=\${t#*=}; done
if [ -z "$want" ]; then echo "the site kit has no complete repository for $target" >&2; exit 3; fi
manifest=\${want#*:} want=\${want%%:*}
ring=${KIT_KEYRING_PATH} list=${KIT_SOURCES_FILE}
line="deb [signed-by=$ring] http://127.0.0.1:$port/$target/ ./"
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
printf '%s' "$keyring" | base64 -d > "$tmp"
index() { for f in /var/lib/apt/lists/127.0.0.1:\${port}_\${target}_*InRelease; do [ -e "$f" ] && sha256sum "$f" | cut -d' ' -f1; done; }
if [ "$mode" = check ]; then
  # shellcheck disable=SC2086 # the package names, one word each
  set -- $packages
  [ "$#" -gt 0 ] && [ "$(installed_count "$@")" -eq "$#" ] && exit 0
  cmp -s "$tmp" "$ring" && [ "$(cat "$list" 2>/dev/null)" = "$line" ] && [ "$(index)" = "$want" ]
  exit
fi
mkdir -p "$(dirname "$ring")"
install -m 644 "$tmp" "$ring"
printf '# Managed by Rackside: the site kit, served from the laptop through this host'"'"'s SSH connection while Rackside runs.\\n%s\\n' "$line" > "$list"
chmod 644 "$list"
# Only the kit's index: the host's other sources may be unreachable on site.
apt-get update -q -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0
[ "$(index)" = "$want" ] || { echo "apt's index of the kit is not the kit's InRelease" >&2; exit 1; }
echo "manifest=$manifest"
echo "kit source: $line"`;

/** $1 check|apply, $2 port. Removes the kit's source, keyring and apt's index of it. */
export const KIT_SOURCE_REMOVE = `set -eu
mode=$1 port=$2
ring=${KIT_KEYRING_PATH} list=${KIT_SOURCES_FILE}
if [ "$mode" = check ]; then [ ! -e "$list" ] && [ ! -e "$ring" ]; exit; fi
rm -f "$list" "$ring" /var/lib/apt/lists/127.0.0.1:\${port}_*
echo "kit source removed"`;

const MS = 15 * 60_000;

/**
 * The host's plan with the kit's source around it: `kit-source` before its first package install
 * (same phase), `kit-source-remove` after its last action (in its last phase, by `phaseOrder`)
 * unless kept. A host that installs no package is left as it is.
 */
export function withKitSource(plan: Map<string, Action[]>, hosts: readonly Host[], src: KitSource, phaseOrder: readonly string[], kit = readKitDir(src.dir)): Map<string, Action[]> {
  if (!kit.keyring || kit.targets.length === 0) {
    throw new Error(`The site kit folder ${src.dir} holds no built kit (no ${KIT_KEYRING} or no target with a manifest): build the kit first`);
  }
  const keyring = kit.keyring.toString('base64');
  const out = new Map<string, Action[]>();
  for (const [hostId, actions] of plan) {
    const host = hosts.find((h) => h.id === hostId);
    const first = actions.findIndex((a) => plannedPackages([a]).length > 0);
    if (!host || first < 0) {
      out.set(hostId, actions);
      continue;
    }
    const sudo = host.user !== 'root';
    const want = plannedPackages(actions);
    const covering = kit.targets.filter((t) => want.every((p) => t.packages.has(p))).map((t) => `${t.target}=${t.inRelease}:${t.manifestSha256}`);
    const args = (mode: string) => [mode, String(src.port), keyring, want.join(' '), ...covering];
    const at = actions[first]!;
    const add: Action = {
      id: KIT_SOURCE_ACTION, title: 'install.actions.kitSource', ...(at.phase ? { phase: at.phase } : {}), ...(at.stage ? { stage: at.stage } : {}),
      sudo, timeoutMs: MS, destructive: false, capture: true,
      command: { script: KIT_SOURCE, args: args('apply') }, probe: { script: KIT_SOURCE, args: args('check') },
    };
    const list = [...actions.slice(0, first), add, ...actions.slice(first)];
    if (!src.keep) {
      const rank = (a: Action) => phaseOrder.indexOf(a.phase ?? '');
      const last = list.reduce((best, a) => (rank(a) >= rank(best) ? a : best), list[0]!);
      const rm = (mode: string) => ({ script: KIT_SOURCE_REMOVE, args: [mode, String(src.port)] });
      list.push({ id: KIT_REMOVE_ACTION, title: 'install.actions.kitSourceRemove', ...(last.phase ? { phase: last.phase } : {}), sudo, timeoutMs: 60_000,
        destructive: false, command: rm('apply'), probe: rm('check') });
    }
    out.set(hostId, list);
  }
  return out;
}

export const phaseIds = (phases: readonly Phase[]) => phases.map((p) => p.id);

/** While a host's actions run: the kit folder served on the host's loopback port through its SSH connection. */
export async function kitSession(project: Project, link: HostLink): Promise<HostSession | null> {
  const src = project.install?.packageSource;
  if (!src || src.kind !== 'kit') return null;
  const port = src.port ?? 47480;
  return link.keepForward((client) => serveKitOver(client, src.dir, port));
}

/** What kit-source recorded on a host: its target and the manifest it was installed from (SHA-256). */
export function kitRecordOf(result: ActionResult | undefined): { target: string; manifestSha256: string } | null {
  if (!result || result.status !== 'done') return null;
  const target = /^target=(\S+)$/m.exec(result.stdout)?.[1];
  const manifest = /^manifest=([0-9a-f]{64})$/m.exec(result.stdout)?.[1];
  return target && manifest ? { target, manifestSha256: manifest } : null;
}

/**
 * A host the kit does not cover, as a blocking finding naming what to rebuild: the kit has no
 * repository for the host's release/architecture, or that repository lacks packages the host's
 * plan installs. `stdout` is kit-source's capture (`target=…`).
 */
export function kitMismatchFinding(host: Host, result: ActionResult | undefined, actions: readonly Action[], src: KitSource, code: string): Finding | null {
  if (!result || result.status !== 'failed') return null;
  const target = /^target=(\S+)$/m.exec(result.stdout)?.[1];
  if (!target) return null;
  const kit = readKitDir(src.dir);
  const want = plannedPackages(actions);
  const have = kit.targets.find((t) => t.target === target);
  const missing = have ? want.filter((p) => !have.packages.has(p)) : [];
  if (have && missing.length === 0) return null;
  const label = host.name || host.address;
  const inKit = kit.targets.map((t) => t.target).join(', ') || '-';
  return {
    severity: 'blocking', hostId: host.id, code,
    params: { host: label, target, kit: inKit, missing: missing.join(', ') || '-', packages: want.join(' ') },
    message: have
      ? `${label} is ${target}: the site kit's ${target} repository lacks ${missing.join(', ')}`
      : `${label} is ${target}: the site kit has no repository for it (it has: ${inKit})`,
    remediation: `Rebuild the site kit for ${target} with this plan's packages (${want.join(' ')}), then Retry.`,
  };
}
