import type { Action, StepModule } from '../step-module.js';

/**
 * Test steps for the lab integration tests. `three`: per host, (1) count how often it ran and
 * mark done, (2) sleep, count and mark done, (3) mark done; each with a probe on its mark. The
 * counters on the host prove how many times each command really ran.
 */
export function threeActionStep(workDir: string, sleepS = 4): StepModule {
  const count = (name: string) => `mkdir -p "$1" && n=$(cat "$1/${name}.count" 2>/dev/null || echo 0) && echo $((n + 1)) > "$1/${name}.count"`;
  return {
    id: 'three',
    title: 'test.three',
    plan: (project) =>
      new Map(
        project.hosts.map((h) => [
          h.id,
          [
            { id: 'a1', title: 'test.a1', command: { script: `${count('a1')} && touch "$1/a1.done"`, args: [workDir] }, probe: { script: 'test -f "$1/a1.done"', args: [workDir] }, sudo: false, timeoutMs: 20_000, destructive: false },
            { id: 'a2', title: 'test.a2', command: { script: `echo sleeping; sleep "$2" && ${count('a2')} && touch "$1/a2.done"`, args: [workDir, String(sleepS)] }, probe: { script: 'test -f "$1/a2.done"', args: [workDir] }, sudo: false, timeoutMs: 30_000, destructive: false },
            { id: 'a3', title: 'test.a3', command: { script: `${count('a3')} && touch "$1/a3.done"`, args: [workDir] }, probe: { script: 'test -f "$1/a3.done"', args: [workDir] }, sudo: false, timeoutMs: 20_000, destructive: false },
          ],
        ]),
      ),
    evaluate: () => [],
  };
}

/** `hold`: one action that sleeps on every host, to keep the run lock held for a while. Another `id` makes a second step. */
export function holdStep(sleepS: number, id = 'hold'): StepModule {
  return {
    id,
    title: 'test.hold',
    plan: (project) =>
      new Map(project.hosts.map((h) => [h.id, [{ id: 'hold', title: 'test.hold', command: { argv: ['sleep', String(sleepS)] }, sudo: false, timeoutMs: 60_000, destructive: false }]])),
    evaluate: () => [],
  };
}

/** `gate`: (1) fails unless `<dir>/ok` exists on the host, (2) marks done: for stop / retry / skip. */
export function gateStep(workDir: string): StepModule {
  return {
    id: 'gate',
    title: 'test.gate',
    plan: (project) =>
      new Map(
        project.hosts.map((h) => [
          h.id,
          [
            { id: 'check', title: 'test.check', command: { script: 'test -f "$1/ok" || { echo "no $1/ok" >&2; exit 7; }', args: [workDir] }, sudo: false, timeoutMs: 20_000, destructive: false },
            { id: 'after', title: 'test.after', command: { script: 'mkdir -p "$1" && touch "$1/after"', args: [workDir] }, probe: { script: 'test -f "$1/after"', args: [workDir] }, sudo: false, timeoutMs: 20_000, destructive: false },
          ],
        ]),
      ),
    evaluate: () => [],
  };
}

/**
 * `tidy`: one action that leaves a file in `<input.dir>`, and a clean-up hook that reports what it
 * was handed; on the host named by `input.throwOn` the hook throws, as a buggy step might.
 */
export function cleanUpStep(seen: { hostId: string; input: unknown; status?: string }[]): StepModule {
  return {
    id: 'tidy',
    title: 'test.tidy',
    plan: (project, ctx) => {
      const input = ctx.input as { dir: string };
      return new Map(project.hosts.map((h) => [h.id, [{ id: 'leave', title: 'test.leave', command: { script: 'mkdir -p "$1" && touch "$1/left"', args: [input.dir] }, sudo: false, timeoutMs: 20_000, destructive: false }]]));
    },
    evaluate: () => [],
    cleanUp: async (host, results, ctx) => {
      seen.push({ hostId: host.id, input: ctx.input, status: results.get('leave')?.status });
      if ((ctx.input as { throwOn?: string }).throwOn === host.id) throw new Error('the hook broke');
      return { status: 'done', result: 'tidied', message: `tidied ${host.id}` };
    },
  };
}

/**
 * TEST ONLY — `test-only-phased`: a step with phases and outputs, for the runner's own tests.
 * 1. `generate` (the first host): makes a secret (`CANARY-<random>`, on the host, so no test or
 *    plan ever holds it) and a public value; each has a probe, and `read` to get it back.
 * 2. `spread` (the other hosts, one at a time): writes both values to files, and echoes the secret
 *    (which the transcripts must show as its placeholder), after sleeping `sleepS` (time to kill it).
 * 3. `final` (every host, parallel): records every host's public value (`all`).
 * Counters on the hosts prove how often each command really ran. `gateOn`: that host's write fails
 * until `<workDir>/ok` exists on it (a failed host in a serial phase, for stop / retry).
 */
export const TEST_ONLY_PHASED = 'test-only-phased';
export function testOnlyPhasedStep(workDir: string, sleepS = 3, gateOn?: string): StepModule {
  const count = (name: string) => `n=$(cat "$1/${name}.count" 2>/dev/null || echo 0) && echo $((n + 1)) > "$1/${name}.count"`;
  return {
    id: TEST_ONLY_PHASED,
    title: 'test.phased',
    phases: (project) => [
      { id: 'generate', title: 'test.generate', hosts: [project.hosts[0]!.id], mode: 'parallel' },
      { id: 'spread', title: 'test.spread', hosts: project.hosts.slice(1).map((h) => h.id), mode: 'serial' },
      { id: 'final', title: 'test.final', hosts: project.hosts.map((h) => h.id), mode: 'parallel' },
    ],
    plan: (project) => {
      const [first, ...rest] = project.hosts;
      const plan = new Map<string, Action[]>();
      const final: Action = {
        id: 'final', title: 'test.final', phase: 'final', sudo: false, timeoutMs: 20_000, destructive: false,
        command: { script: `mkdir -p "$1" && ${count('final')} && d="$1"; shift; printf '%s\\n' "$@" > "$d/final"`, args: [workDir, { output: 'public', all: true }] },
        probe: { script: 'test -f "$1/final"', args: [workDir] },
      };
      plan.set(first!.id, [
        {
          id: 'gen-secret', title: 'test.gen-secret', phase: 'generate', sudo: false, timeoutMs: 20_000, destructive: false,
          command: {
            script: `umask 077 && mkdir -p "$1" && ${count('gen-secret')} && v="CANARY-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \\n')" && printf '%s' "$v" > "$1/secret" && printf 'made %s\\n' "$v" >&2 && printf '%s\\n' "$v"`,
            args: [workDir],
          },
          probe: { script: 'test -s "$1/secret"', args: [workDir] },
          output: { name: 'canary', secret: true, read: { script: 'cat "$1/secret"', args: [workDir] } },
        },
        {
          id: 'gen-public', title: 'test.gen-public', phase: 'generate', sudo: false, timeoutMs: 20_000, destructive: false,
          command: { script: `mkdir -p "$1" && ${count('gen-public')} && printf 'public-%s\\n' "$(hostname)" | tee "$1/public"`, args: [workDir] },
          probe: { script: 'test -s "$1/public"', args: [workDir] },
          output: { name: 'public', read: { script: 'cat "$1/public"', args: [workDir] } },
        },
        {
          // Uses an output made by an earlier action of the same host in the same phase.
          id: 'use-public', title: 'test.use-public', phase: 'generate', sudo: false, timeoutMs: 20_000, destructive: false,
          command: { script: 'printf \'%s\\n\' "$2" > "$1/self-public"', args: [workDir, { output: 'public' }] },
          probe: { script: 'test -s "$1/self-public"', args: [workDir] },
        },
        final,
      ]);
      for (const h of rest) {
        plan.set(h.id, [
          {
            id: 'write', title: 'test.write', phase: 'spread', sudo: false, timeoutMs: 30_000, destructive: false,
            command: {
              script: `mkdir -p "$1" && sleep "$4" && ${h.id === gateOn ? '{ test -f "$1/ok" || { echo "no $1/ok" >&2; exit 7; }; } && ' : ''}${count('write')} && printf '%s\\n' "$2" > "$1/got-secret" && printf '%s\\n' "$3" > "$1/got-public" && echo "wrote $2 and $3"`,
              args: [workDir, { output: 'canary' }, { output: 'public', host: first!.id }, String(sleepS)],
            },
            probe: { script: 'test -s "$1/got-public"', args: [workDir] },
          },
          final,
        ]);
      }
      return plan;
    },
    evaluate: () => [],
  };
}
