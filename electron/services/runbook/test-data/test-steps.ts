import type { StepModule } from '../step-module.js';

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
