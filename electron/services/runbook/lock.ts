import type { LockHolder } from '../../contract/index.js';
import type { RemoteCommand } from '../ssh/quote.js';
import { LOCK_STALE_S } from './replay.js';

/**
 * The per-host run lock: a directory created with mkdir (atomic: exactly one creator wins) holding
 * an `owner` file (owner, laptop name, pid, run id, step id, heartbeat). The owner is one run of one
 * app instance (`<instance id>:<run id>`, see runOwner), not the instance: two steps of the same
 * app, or two projects sharing a host, are two holders, so one cannot release the other's lock. It lives in /run/lock, a tmpfs,
 * so a reboot of the server clears it rather than leaving a lock nobody holds. Heartbeats are
 * written and aged with the server's own clock, so laptop/server clock skew cannot make a live
 * lock look stale.
 */
export const LOCK_DIR = '/run/lock/rackside';

/** How often the holder refreshes its heartbeat; well under LOCK_STALE_S. */
export const HEARTBEAT_INTERVAL_MS = 10_000;

export interface LockOwner {
  owner: string;
  laptop: string;
  pid: number;
}

/**
 * The lock owner of one run of this instance. A resumed or retried run keeps its run id, so it is
 * the same holder; any other run (another step, another project) is a different one.
 */
export const runOwner = (instance: LockOwner, runId: string): LockOwner => ({ ...instance, owner: `${instance.owner}:${runId}` });

/** Whether a lock's owner is a run of this instance (see runOwner). */
export const ownedByInstance = (owner: string, instance: LockOwner): boolean => owner.startsWith(`${instance.owner}:`);

const WRITE_OWNER = `write_owner() {
  t="$1/.owner.$$"
  printf 'owner=%s\\nlaptop=%s\\npid=%s\\nrun=%s\\nstep=%s\\nheartbeat=%s\\n' "$2" "$3" "$4" "$5" "$8" "$(date +%s)" > "$t" && mv -f "$t" "$1/owner"
}`;

/**
 * $1 lock dir, $2 owner, $3 laptop, $4 pid, $5 run id, $6 owner we may take the lock from ('' for
 * none), $7 minimum heartbeat age in seconds for that, $8 step id. Prints `state=acquired|taken-over|held`
 * and, when held, the holder's owner file and `age=<s>`.
 */
const ACQUIRE = `${WRITE_OWNER}
mkdir -p "\${1%/*}" || exit 4
if mkdir "$1" 2>/dev/null; then write_owner "$@" || exit 4; echo state=acquired; exit 0; fi
o=$(sed -n 's/^owner=//p' "$1/owner" 2>/dev/null)
hb=$(sed -n 's/^heartbeat=//p' "$1/owner" 2>/dev/null)
now=$(date +%s)
# Created a moment ago and its owner not written yet: age it by the directory's time.
[ -n "$hb" ] || hb=$(stat -c %Y "$1" 2>/dev/null || echo "$now")
age=$((now - hb))
if [ "$o" = "$2" ]; then write_owner "$@" || exit 4; echo state=acquired; exit 0; fi
if [ -n "$6" ] && [ "$o" = "$6" ] && [ "$age" -ge "$7" ]; then
  write_owner "$@" || exit 4
  [ "$(sed -n 's/^owner=//p' "$1/owner")" = "$2" ] || { echo state=held; cat "$1/owner"; echo age=0; exit 0; }
  echo state=taken-over; exit 0
fi
echo state=held
cat "$1/owner" 2>/dev/null
echo "age=$age"`;

const HEARTBEAT = `o=$(sed -n 's/^owner=//p' "$1/owner" 2>/dev/null)
[ "$o" = "$2" ] || { echo lost; exit 3; }
sed "s/^heartbeat=.*/heartbeat=$(date +%s)/" "$1/owner" > "$1/.hb.$$" && mv -f "$1/.hb.$$" "$1/owner"`;

const RELEASE = `o=$(sed -n 's/^owner=//p' "$1/owner" 2>/dev/null)
[ "$o" = "$2" ] || exit 0
rm -rf -- "$1"`;

/**
 * Wait until the process of an earlier attempt that the lock records as running (see
 * wrapForLock) has ended: after the runner was killed, its remote command may still be running,
 * and must not run twice at once. Prints `orphan=<run> <action>` when it waited for one.
 */
const WAIT_ORPHAN = `f="$1/active"
[ -f "$f" ] || exit 0
read -r pid run action < "$f" || exit 0
[ -n "$pid" ] && [ -d "/proc/$pid" ] || { rm -f "$f"; exit 0; }
echo "orphan=$run $action"
while [ -d "/proc/$pid" ]; do sleep 0.3; done
rm -f "$f"`;

/** `me` is the run's owner (runOwner), not the instance's. */
export function acquireCommand(me: LockOwner, runId: string, stepId: string, takeFrom: { owner: string; minAgeS: number } | null): RemoteCommand {
  return {
    script: ACQUIRE,
    args: [LOCK_DIR, me.owner, me.laptop, String(me.pid), runId, takeFrom?.owner ?? '', String(takeFrom?.minAgeS ?? LOCK_STALE_S), stepId],
  };
}

export const heartbeatCommand = (me: LockOwner): RemoteCommand => ({ script: HEARTBEAT, args: [LOCK_DIR, me.owner] });
export const releaseCommand = (me: LockOwner): RemoteCommand => ({ script: RELEASE, args: [LOCK_DIR, me.owner] });
export const waitOrphanCommand = (): RemoteCommand => ({ script: WAIT_ORPHAN, args: [LOCK_DIR] });

/**
 * An action's command as executed under the lock: it first records its PID, its run (from the
 * lock's owner file, which this run holds) and the action in the lock directory, then execs the
 * action's own command unchanged, so a resumed run can wait for a command a killed runner left
 * running. Nothing in it depends on the run id, so the dry run shows the very line that is sent.
 */
export function wrapForLock(cmd: RemoteCommand, actionId: string): RemoteCommand {
  const inner = 'argv' in cmd ? [...cmd.argv] : ['sh', '-c', cmd.script, 'sh', ...(cmd.args ?? [])];
  return {
    script: `r=$(sed -n 's/^run=//p' "$1/owner" 2>/dev/null); printf "%s %s %s\\n" "$$" "$r" "$2" > "$1/active" 2>/dev/null; shift 2; exec "$@"`,
    args: [LOCK_DIR, actionId, ...inner],
  };
}

export type AcquireOutcome =
  | { state: 'acquired' | 'taken-over' }
  | { state: 'held'; holder: LockHolder };

export function parseAcquire(stdout: string): AcquireOutcome | null {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1));
  }
  const state = kv.get('state');
  if (state === 'acquired' || state === 'taken-over') return { state };
  if (state !== 'held') return null;
  const age = Number(kv.get('age') ?? '0');
  return {
    state: 'held',
    holder: {
      owner: kv.get('owner') ?? '(unknown)',
      laptop: kv.get('laptop') ?? '(unknown)',
      pid: Number(kv.get('pid') ?? '0') || 0,
      runId: kv.get('run') ?? '',
      ...(kv.get('step') ? { stepId: kv.get('step')! } : {}),
      heartbeatAgeS: Number.isFinite(age) ? age : 0,
      stale: age > LOCK_STALE_S,
    },
  };
}
