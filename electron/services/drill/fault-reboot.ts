import { verifyPlanSchema, type DrillReason, type Host, type Project } from '../../contract/index.js';
import type { SshPool } from '../ssh/pool.js';
import { runOn } from './cluster.js';
import type { FaultInjector } from './fault.js';

/**
 * `reboot` (contract/drill.ts): the verification plan's reboot test. The target reboots itself
 * (`systemctl reboot`, a clean shutdown as an administrator would do it), and is "restored" when it
 * answers SSH again from a new boot; the drill engine then waits for it to rejoin and re-verifies.
 * Only hosts the plan lists in `rebootHosts` may be rebooted (the confirmation dialog asks again).
 *
 * The reboot is scheduled on the node by a transient timer (`systemd-run --on-active`) a moment
 * after the command returns, so the SSH exchange ends cleanly instead of dying with the node. A new
 * boot is told by the kernel's boot id and PID 1's start time (`/proc/1/stat` field 22): a server's
 * boot id changes with every boot; the lab's nodes share the lab machine's kernel, and their PID 1
 * is what starts again.
 *
 * Nothing can undo a reboot: restore waits (up to `bootLimitMs`; a server's firmware can take
 * minutes) and is idempotent — a resumed drill, which no longer knows the old boot, takes "answers
 * SSH" as back.
 */
export const REBOOT_UNIT = 'rackside-reboot-test';

const BOOT = `printf '%s %s\\n' "$(cat /proc/sys/kernel/random/boot_id)" "$(cut -d' ' -f22 /proc/1/stat)"`;

const REBOOT = `set -u
unit=$1 delay=$2
${BOOT}
systemctl stop "$unit.timer" >/dev/null 2>&1
systemctl reset-failed "$unit.timer" "$unit.service" >/dev/null 2>&1
exec systemd-run --quiet --unit "$unit" --on-active="$delay" --timer-property=AccuracySec=100ms systemctl reboot`;

export interface RebootFaultOptions {
  /** How long the target may take to answer SSH from its new boot (default 600 s: a server's POST). */
  bootLimitMs?: number;
  /** Seconds between the command's return and the reboot (default 2). */
  delayS?: number;
  /** How often the target is asked whether it is back (default 1 s). */
  pollMs?: number;
}

/** The hosts the verification plan allows to reboot, in inventory order. */
export function rebootTargets(project: Project): string[] {
  const allowed = new Set(verifyPlanSchema.parse(project.verify ?? {}).rebootHosts);
  return project.hosts.filter((h) => allowed.has(h.id)).map((h) => h.id);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function rebootFault(pool: SshPool, opts: RebootFaultOptions = {}): FaultInjector {
  const bootLimitMs = opts.bootLimitMs ?? 600_000;
  const delayS = opts.delayS ?? 2;
  const pollMs = opts.pollMs ?? 1_000;
  /** The boot each target was rebooted from (host id → boot marker, and when its reboot begins). */
  const before = new Map<string, { boot: string; at: number }>();
  const label = (h: Host) => h.name || h.address;
  const fail = (code: DrillReason['code'], params: DrillReason['params']) => ({ ok: false as const, reason: { code, params } });

  return {
    kind: 'reboot',
    // The drill counts from when the node starts going down, not from the command that schedules it.
    leadMs: delayS * 1000,
    available: async (target, project) =>
      rebootTargets(project).includes(target.id) ? { ok: true } : fail('not-reboot-host', { host: label(target) }),
    inject: async (target, project, signal) => {
      if (!rebootTargets(project).includes(target.id)) return fail('not-reboot-host', { host: label(target) });
      const r = await runOn(pool, target, { script: REBOOT, args: [REBOOT_UNIT, `${delayS}s`] }, 60_000, signal);
      if (r.status !== 'ok') {
        const detail = (r.stderr || r.message).trim().slice(0, 300);
        return r.status === 'connect-failed' ? fail('unreachable', { hosts: label(target), host: label(target), detail }) : fail('inject-failed', { host: label(target), detail });
      }
      before.set(target.id, { boot: r.stdout.trim().split('\n')[0] ?? '', at: Date.now() + delayS * 1000 });
      return { ok: true };
    },
    restore: async (target) => {
      const old = before.get(target.id);
      const end = Date.now() + bootLimitMs;
      // Not before the reboot has begun: the node answers from its old boot until then.
      if (old !== undefined) await sleep(Math.max(0, old.at - Date.now()));
      while (Date.now() < end) {
        const r = await runOn(pool, target, { script: BOOT }, 5_000);
        const now = r.status === 'ok' ? r.stdout.trim().split('\n')[0] ?? '' : null;
        if (now !== null && (old === undefined || (now !== '' && now !== old.boot))) {
          before.delete(target.id);
          return { ok: true };
        }
        await sleep(pollMs);
      }
      return fail('not-back', { host: label(target), s: Math.round(bootLimitMs / 1000) });
    },
  };
}
