#!/usr/bin/env -S npx tsx
/**
 * Terminal benchmark (issue 6, docs/architecture.md, Budgets). Remote output from a lab node's real sshd,
 * through Rackside's TerminalManager (ssh2 PTY shell, bytes end to end, batches of 16 ms or
 * 256 kB, ack flow control with a 1–2 MB window), the browser host's WebSocket and the app's own terminal
 * pane (xterm.js 6, the renderer the app picks: DOM here, since WebGL is software-only without a
 * GPU), in headless Debian Chromium:
 *
 *   - `yes | head -c 200M` and `cat` of a 100 MB file into a visible pane: MB/s, rAF frame p50/p95;
 *   - endless `yes` and a `cat` loop, Ctrl-C after 3 s: time from Ctrl-C to the last chunk xterm parsed;
 *   - renderer heap and RSS before and after; CPU ms per MB by process class (renderer, other
 *     Chromium processes, backend, lab node's sshd and commands, kernel threads);
 *   - plain OpenSSH `ssh node1 'yes | head -c 200M' > /dev/null` (and the same with `-tt`), for the ratio;
 *   - with `--only soak` (or added to the phases), an endless `yes` for --soak-s seconds (600):
 *     renderer heap and RSS, backend RSS and the data folder's size every 30 s;
 *
 * and, in the same run and the same Chromium, two references built on the bare-xterm harness's
 * own page (../shared/bench-reference/xterm: DOM renderer, its ack flow control, 120x40 at 14 px):
 *
 *   (A) fed by plain OpenSSH from the same node through a remote PTY (`ssh -tt node1 CMD`,
 *       openssh-reference.ts): what the thinnest client draws from the same remote end, on the
 *       same 2 cores that also run the lab's sshd and PTY;
 *   (B) fed from memory by the harness's own server (its run.js, `dom@base`, sources `yes` and
 *       `file`, 200 MB): xterm.js alone, the ceiling the budget (docs/architecture.md) is set against on
 *       GPU-less machines (≥ 0.9x its MB/s, same frame and Ctrl-C figures).
 *
 * The file `cat`ed is the reference harness's own generated typical.txt (ls -lR + dmesg lines),
 * uploaded to node1, so all three measure the same bytes.
 *
 *   npm run build:test && RACKSIDE_LAB_INSTANCE=1 bash scripts/lab/lab up --nodes 4
 *   RACKSIDE_LAB_INSTANCE=1 npm run bench:terminal -- [--ref DIR] [--yes-mb 200] [--file-mb 100] [--no-ref] [--only cat,yes-stop]
 *
 * --ref (or RACKSIDE_XTERM_REF): the reference harness folder, default ../shared/bench-reference/xterm
 * relative to the repository. It is read, never changed: it is copied into a temporary folder
 * (outside the repository) whose node_modules links to this repository's (same xterm 6.0.0,
 * addon-fit, addon-webgl, playwright-core and ws versions; checked), and run there.
 * --only: a subset of phases (yes, cat, yes-stop, cat-stop) for quick iterations; the plain
 * OpenSSH timings, reference (B) and the table need all four (--ref-b runs B with a subset too).
 * Diagnostic phases, never part of the table:
 *   - local-yes, local-cat: the same pane fed by the laptop's own shell (node-pty), no SSH at all;
 *   - memory-yes, memory-cat: fed by a stand-in shell in the backend's memory (memory-shell.mjs, loaded into
 *     the host with --import for these phases only): Rackside's own delivery and pane without
 *     any producer on the 2 cores, the same kind of source as (B);
 *   - memory-vs-b [--rounds 4]: memory-yes and (B)'s own page and server alternately in this same
 *     Chromium, round by round, and the ratio of each pair. This machine's speed drifts by ±15%
 *     within minutes; a ratio of two runs minutes apart (the table's ÷ B) carries that drift,
 *     a ratio of neighbours much less. (B) runs twice per page (see referencePageRun): the
 *     first terminal of a page draws faster than later ones, in the harness's page as in ours.
 *   - ssh-rounds [--rounds 4]: the same for the table's `yes`: Rackside's SSH shell, (A) and (B)
 *     one after the other, round by round, with Rackside ÷ A, Rackside ÷ B and A ÷ B per round.
 * Diagnostics: BENCH_PROFILE=1 prints the page's CPU profile by self time (ms per MB) per phase (Rackside's
 * and reference A's), BENCH_THREADS=1 the renderer's (both pages) and backend's CPU per thread,
 * BENCH_TRACE=1 a Chromium trace of each phase (both pages): the page's main-thread time per MB by
 * trace event, inclusive and self (parsing runs under TimerFire, drawing under UpdateLifecycle; use a short run, e.g.
 * `--only yes --yes-mb 50`), and RACKSIDE_HOST_NODE_ARGS passes options such as
 * `--cpu-prof --cpu-prof-dir=DIR` to the backend.
 *
 * The pages are driven without Playwright observing them (a target created over the browser's
 * CDP session, as the harness's default driver does): Playwright's network events copy every
 * WebSocket frame and halve throughput. Before each measured phase it waits (up to 60 s) for the
 * machine to be idle, and reports how busy it was.
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type CDPSession } from 'playwright-core';
import { startBrowserHost } from '../../../e2e/support/host.js';
import { lab, trustLabHostKeys } from '../../test-support/lab.js';
import { startOpensshReference, type OpensshReference } from './openssh-reference.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const { values: args } = parseArgs({
  options: {
    ref: { type: 'string' },
    'yes-mb': { type: 'string', default: '200' },
    'file-mb': { type: 'string', default: '100' },
    'no-ref': { type: 'boolean', default: false },
    'stop-after': { type: 'string', default: '3000' },
    out: { type: 'string' },
    /** Comma-separated subset of PHASES (below), for quick iterations. */
    only: { type: 'string', default: 'yes,cat,yes-stop,cat-stop' },
    /** The soak phase: endless `yes` for this many seconds (docs/architecture.md, Budgets: memory bounded during a 10-minute `yes`). */
    'soak-s': { type: 'string', default: '600' },
    /** Run reference (B) also with a subset of phases (it always runs with the standard ones). */
    'ref-b': { type: 'boolean', default: false },
    /** memory-vs-b, ssh-rounds: how many alternating rounds. */
    rounds: { type: 'string', default: '4' },
  },
});
const ONLY = new Set(args.only!.split(','));
/** The phases the table needs (soak is extra: `--only yes,cat,yes-stop,cat-stop,soak`). */
const STANDARD_PHASES = ['yes', 'cat', 'yes-stop', 'cat-stop'];
const PHASES = [...STANDARD_PHASES, 'soak', 'local-yes', 'local-cat', 'memory-yes', 'memory-cat', 'memory-vs-b', 'ssh-rounds'];
const unknownPhases = [...ONLY].filter((p) => !PHASES.includes(p));
if (unknownPhases.length) throw new Error(`--only: unknown phase ${unknownPhases.map((p) => `"${p}"`).join(', ')}; the phases are ${PHASES.join(', ')}`);
const REF = resolve(args.ref ?? process.env.RACKSIDE_XTERM_REF ?? join(root, '..', 'shared', 'bench-reference', 'xterm'));
const YES_MB = Number(args['yes-mb']);
const FILE_MB = Number(args['file-mb']);
const STOP_AFTER_MS = Number(args['stop-after']);
const SOAK_S = Number(args['soak-s']);
const ROUNDS = Number(args.rounds);
const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) throw new Error(`--rounds must be a whole number of at least 1, not "${args.rounds}"`);
if (!(SOAK_S >= 60)) throw new Error(`--soak-s must be a number of seconds, at least 60 (memory is sampled every 30 s), not "${args['soak-s']}"`);
/** Memory is sampled this often during the soak. */
const SOAK_SAMPLE_S = 30;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The harness's "base" variant, so both run with the same browser flags.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/**
 * The pane is given the reference harness's terminal geometry (page.html: 120x40, fontSize 14,
 * fontFamily 'monospace' = DejaVu Sans Mono here, as the app's font list resolves to): the DOM
 * renderer's cost grows with cells and glyph size, so any other size would not compare like with like.
 */
const GEOMETRY = { cols: 120, rows: 40, fontSize: 14 };
/** Remote file for the `cat` phase. */
const REMOTE_FILE = '/root/rs-bench-typical.txt';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => console.log(`[bench] ${s}`);

// ---- machine load -------------------------------------------------------------------------------
function cpuStat() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, busy: total - f[3]! - f[4]! };
}
const busyShare = (a: ReturnType<typeof cpuStat>, b: ReturnType<typeof cpuStat>) => (b.busy - a.busy) / Math.max(1, b.total - a.total);

/** Hold a phase back until the machine is (nearly) idle: other people's builds are not our figures. */
async function waitQuiet(maxS = 60, limit = 0.25) {
  const t0 = Date.now();
  for (;;) {
    const a = cpuStat();
    await sleep(2000);
    const busy = busyShare(a, cpuStat());
    if (busy <= limit) return busy;
    if ((Date.now() - t0) / 1000 > maxS) {
      log(`machine still ${(busy * 100).toFixed(0)}% busy after ${maxS} s: measuring anyway`);
      return busy;
    }
  }
}

/**
 * CPU time per process class, read from /proc (utime + stime, plus cutime + cstime so commands
 * that ended inside the phase, like `cat`, count through their shell). Where the 2 cores went
 * during a phase is what decides whether the pane or its producers are the limit.
 */
const USER_HZ = 100;
/** A /proc/…/stat line: the command name and the fields after it (man 5 proc: [11] utime, [12] stime, [13] cutime, [14] cstime). */
function readStat(path: string): { name: string; f: string[] } {
  const stat = readFileSync(path, 'utf8');
  return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), f: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
}
type CpuClass = 'chromium renderer' | 'chromium other' | 'backend (node)' | 'OpenSSH client' | 'lab node (sshd, shell, commands)' | 'kernel threads' | 'other';
function cpuByProcess(backendPid: number | undefined): Map<number, { cls: CpuClass; ticks: number }> {
  const out = new Map<number, { cls: CpuClass; ticks: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const { name, f } = readStat(`/proc/${d}/stat`);
      const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const pid = Number(d);
      const cls: CpuClass =
        pid === backendPid ? 'backend (node)'
        : /chrom/.test(name) ? (cmd.includes('--type=renderer') ? 'chromium renderer' : 'chromium other')
        : name === 'ssh' ? 'OpenSSH client'
        : cmd === '' ? 'kernel threads'
        : /^(sshd|bash|sh|cat|yes|head|sleep)$/.test(name) ? 'lab node (sshd, shell, commands)'
        : 'other';
      out.set(pid, { cls, ticks });
    } catch {
      // The process ended between listing and reading.
    }
  }
  return out;
}
function cpuDelta(a: ReturnType<typeof cpuByProcess>, b: ReturnType<typeof cpuByProcess>): Record<CpuClass, number> {
  const sum = {} as Record<CpuClass, number>;
  for (const [pid, v] of b) {
    const d = (v.ticks - (a.get(pid)?.ticks ?? 0)) / USER_HZ;
    if (d > 0) sum[v.cls] = (sum[v.cls] ?? 0) + d;
  }
  return sum;
}

/** CPU ticks per thread of the renderer (R:) and backend (N:) processes: BENCH_THREADS=1. */
function threadTicks(backendPid: number | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const kind = cmd.includes('--type=renderer') ? 'R' : Number(d) === backendPid ? 'N' : null;
      if (!kind) continue;
      for (const t of readdirSync(`/proc/${d}/task`)) {
        const { name, f } = readStat(`/proc/${d}/task/${t}/stat`);
        out.set(`${d}|${t}|${kind}:${name}`, Number(f[11]) + Number(f[12]));
      }
    } catch {
      // The process ended between listing and reading.
    }
  }
  return out;
}

function logThreads(a: Map<string, number>, b: Map<string, number>): void {
  const agg = new Map<string, number>();
  for (const [k, v] of b) {
    const name = k.split('|')[2]!;
    agg.set(name, (agg.get(name) ?? 0) + (v - (a.get(k) ?? 0)) / USER_HZ);
  }
  log('  CPU s by thread: ' + [...agg].filter(([, v]) => v > 0.05).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', '));
}

/** Resident memory of a process, MB (0 once it has ended). */
function processRssMB(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Bytes of all files under a folder (0 if it does not exist). */
function folderBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let sum = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    try {
      sum += statSync(join(e.parentPath, e.name)).size;
    } catch {
      // Gone since the listing (a transcript's marker is removed when it closes).
    }
  }
  return sum;
}

/**
 * One line on the soak: first, highest and last sample of each measure. "Bounded" is read off the
 * second half: no higher there than the first half's highest, give or take a GC's worth.
 */
function summariseSoak(samples: { s: number; heapMB: number; rendererRssMB: number; backendRssMB: number; transcriptsMB: number }[], r: { chars: number; stopToLastMs: number | null }): string {
  if (samples.length < 2) return 'soak: too few samples';
  const half = Math.floor(samples.length / 2);
  const series = (k: 'heapMB' | 'rendererRssMB' | 'backendRssMB') => {
    const v = samples.map((x) => x[k]);
    const max1 = Math.max(...v.slice(0, half));
    const max2 = Math.max(...v.slice(half));
    return `${v[0]} → max ${Math.max(...v)} → ${v[v.length - 1]} (2nd half max ${max2} vs 1st ${max1})`;
  };
  const last = samples[samples.length - 1]!;
  return `soak: ${(r.chars / 1e9).toFixed(2)} GB drawn in ${last.s} s; renderer JS heap MB ${series('heapMB')}; ` +
    `renderer RSS MB ${series('rendererRssMB')}; backend RSS MB ${series('backendRssMB')}; transcripts on disk ${last.transcriptsMB} MB; ` +
    `Ctrl-C → last byte ${r.stopToLastMs?.toFixed(0) ?? '–'} ms`;
}

// ---- an unobserved page -------------------------------------------------------------------------
/** A page created over the browser CDP session: Playwright does not attach, so no Network events. */
class RawTarget {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listener: (e: { sessionId: string; message: string }) => void;

  private constructor(
    private readonly bcdp: CDPSession,
    readonly targetId: string,
    private readonly sessionId: string,
  ) {
    this.listener = (e) => {
      if (e.sessionId !== this.sessionId) return;
      const m = JSON.parse(e.message) as { id?: number; result?: unknown; error?: { message: string } };
      const p = m.id ? this.pending.get(m.id) : undefined;
      if (!p) return;
      this.pending.delete(m.id!);
      if (m.error) p.reject(new Error(m.error.message));
      else p.resolve(m.result);
    };
    bcdp.on('Target.receivedMessageFromTarget', this.listener);
  }

  /** A page at `url`, with every page's viewport (1280x860, so the panes get the same room). */
  static async open(bcdp: CDPSession, url: string): Promise<RawTarget> {
    const { targetId } = await bcdp.send('Target.createTarget', { url });
    const { sessionId } = await bcdp.send('Target.attachToTarget', { targetId, flatten: false });
    const t = new RawTarget(bcdp, targetId, sessionId);
    await t.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 860, deviceScaleFactor: 1, mobile: false });
    return t;
  }

  /** The bare-xterm harness's page (references A and B), once its script is ready. */
  static async openHarness(bcdp: CDPSession, url: string): Promise<RawTarget> {
    const t = await RawTarget.open(bcdp, url);
    for (let i = 0; !(await t.evaluate<boolean>('() => window.benchReady === true').catch(() => false)); i++) {
      if (i > 300) throw new Error('the reference page did not load');
      await sleep(50);
    }
    return t;
  }

  send<T = unknown>(method: string, params: object = {}): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.bcdp.send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
    });
  }

  async evaluate<T>(fn: string, arg?: unknown): Promise<T> {
    const r = await this.send<{ result: { value: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', {
      expression: `(${fn})(${JSON.stringify(arg ?? null)})`,
      awaitPromise: true,
      returnByValue: true,
    });
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
    return r.result.value;
  }

  async heapMB(gc: boolean): Promise<number> {
    if (gc) await this.send('HeapProfiler.collectGarbage');
    const h = await this.send<{ usedSize: number }>('Runtime.getHeapUsage');
    return Math.round(h.usedSize / 1e5) / 10;
  }

  async close() {
    this.bcdp.off('Target.receivedMessageFromTarget', this.listener);
    await this.bcdp.send('Target.closeTarget', { targetId: this.targetId }).catch(() => {});
  }
}

/** RSS of Chromium's renderer processes (the app's page is the only one), MB. */
async function rendererRssMB(bcdp: CDPSession): Promise<number> {
  const { processInfo } = (await bcdp.send('SystemInfo.getProcessInfo')) as { processInfo: { id: number; type: string }[] };
  return Math.round(Math.max(0, ...processInfo.filter((p) => p.type === 'renderer').map((p) => processRssMB(p.id))));
}

// ---- in-page measurement ------------------------------------------------------------------------
/** BENCH_PROFILE=1: a CPU profile of a page during a phase, summarised by self time. */
async function profileStart(t: RawTarget): Promise<void> {
  await t.send('Profiler.enable');
  await t.send('Profiler.start');
}
async function profileStop(t: RawTarget, mb: number): Promise<void> {
  type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } };
  const { profile } = await t.send<{ profile: { nodes: Node[]; samples: number[]; timeDeltas: number[] } }>('Profiler.stop');
  // Self time from the samples' time deltas (µs), so pages sampled over different spans compare per MB.
  const us = new Map<number, number>();
  profile.samples.forEach((id, i) => us.set(id, (us.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));
  const self = new Map<string, number>();
  for (const n of profile.nodes) {
    const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}:${n.callFrame.columnNumber}`;
    self.set(k, (self.get(k) ?? 0) + (us.get(n.id) ?? 0) / 1000);
  }
  // "(program)" is native work outside JS (Blink's layout and paint, IPC): busy too.
  const busy = [...self].filter(([k]) => !k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  log(`profile: ${(busy / mb).toFixed(1)} ms per MB not idle; top self time, ms per MB:\n` + [...self].sort((x, y) => y[1] - x[1]).slice(0, 30)
    .map(([k, v]) => `  ${(v / mb).toFixed(2)} ${k}`).join('\n'));
}

/**
 * BENCH_TRACE=1: a Chromium trace (devtools.timeline) of each phase: the page's main-thread time
 * per MB by event name, inclusive (an event's time contains what runs inside it) and self (what
 * is left after the events nested in it: where the time went, each millisecond counted once).
 */
type TraceTimes = { total: Map<string, number>; self: Map<string, number> };
async function traceStart(bcdp: CDPSession): Promise<() => Promise<TraceTimes>> {
  const events: { name: string; ph: string; ts: number; dur?: number; pid: number; tid: number; args?: { name?: string } }[] = [];
  const onData = (e: { value: typeof events }) => void events.push(...e.value);
  bcdp.on('Tracing.dataCollected' as never, onData as never);
  await bcdp.send('Tracing.start' as never, { traceConfig: { includedCategories: ['devtools.timeline', 'v8', 'blink', 'toplevel'] }, transferMode: 'ReportEvents' } as never);
  return async () => {
    const done = new Promise<void>((r) => bcdp.once('Tracing.tracingComplete' as never, () => r()));
    await bcdp.send('Tracing.end' as never);
    await done;
    bcdp.off('Tracing.dataCollected' as never, onData as never);
    const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
    const total = new Map<string, number>();
    const self = new Map<string, number>();
    const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us / 1000);
    const complete = events.filter((e) => e.ph === 'X' && e.dur && mains.has(`${e.pid}:${e.tid}`)).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    // Complete events on one thread nest: a stack of the open ones gives each event's parent.
    const stack: { name: string; end: number }[] = [];
    for (const e of complete) {
      add(total, e.name, e.dur!);
      while (stack.length && stack[stack.length - 1]!.end <= e.ts) stack.pop();
      add(self, e.name, e.dur!);
      const parent = stack[stack.length - 1];
      if (parent) add(self, parent.name, -Math.min(e.dur!, parent.end - e.ts));
      stack.push({ name: e.name, end: e.ts + e.dur! });
    }
    return { total, self };
  };
}
function logTrace(t: TraceTimes, mb: number): void {
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${k} ${(v / mb).toFixed(2)}`).join(', ');
  log('  main-thread ms per MB by trace event, inclusive: ' + top(t.total, 18));
  log('  main-thread ms per MB by trace event, self: ' + top(t.self, 24));
}

// page-run.js runs inside the app's page (read as text: tsx would otherwise rewrite the function).
const PAGE_RUN = readFileSync(join(import.meta.dirname, 'page-run.js'), 'utf8');

type PageResult = {
  size: { cols: number; rows: number } | null; renderer: string | null; chars: number; chunks: number; wallMs: number; mbPerS: number;
  frames: { n: number; p50: number | null; p95: number | null; p99: number | null; max: number | null };
  longtasks: { n: number; max: number | null }; stopToLastMs: number | null; charsAfterStop: number | null; screen: string;
  /** Time the pane had drawn all it had received and waited for more (before any Ctrl-C), and how often. */
  waitedMs: number; waits: number;
};

// ---- the reference harness ----------------------------------------------------------------------
function prepareReference(): string {
  for (const f of ['run.js', 'server.js', 'page.html', 'gen-data.js', 'quiet.js', 'package.json']) {
    if (!existsSync(join(REF, f))) throw new Error(`${REF} is not the bare-xterm harness (no ${f}); pass --ref DIR`);
  }
  const want = JSON.parse(readFileSync(join(REF, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const [name, version] of Object.entries(want.dependencies)) {
    const have = (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    if (have !== version) throw new Error(`reference wants ${name}@${version}, this repository has ${have}: install the reference's own dependencies instead`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'rs-xterm-ref-'));
  // Its generated data is ~400 MB: gone with the run.
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  for (const f of readdirSync(REF)) if (f !== 'node_modules' && f !== 'results' && f !== 'data') cpSync(join(REF, f), join(dir, f), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  log(`reference harness: ${REF} → ${dir}; generating its data (node gen-data.js)`);
  execFileSync(process.execPath, ['gen-data.js'], { cwd: dir, stdio: 'inherit' });
  return dir;
}

interface RefRun {
  renderer: string; source: string; flow: boolean;
  tp: { mbPerS: number; processed: number; frames: { p50: number; p95: number }; why: string };
  stop: { stopToLastCbMs: number; bytesAfterStop: number };
  tpSamples: { rendererRssMaxMB: number; machineBusyShare: number };
  heapBefore: number; heapAfterGC: number;
}

function runReference(dir: string): Promise<RefRun[]> {
  const out = join(dir, 'results', 'rackside-side-by-side.json');
  const argv = ['run.js', '--driver', 'unobserved', '--mb', String(YES_MB), '--reps', '1', '--matrix', 'dom@base', '--sources', 'yes,file',
    '--flow', 'on', '--cap-s', '120', '--drain-cap-s', '20', '--stop-after', String(STOP_AFTER_MS), '--max-foreign', '1', '--retries', '0', '--out', out];
  log(`reference: node ${argv.join(' ')}`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, argv, { cwd: dir, stdio: 'inherit', env: { ...process.env, QUIET_MAX_S: '60' } });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`reference harness exited with ${code}`));
      resolvePromise((JSON.parse(readFileSync(out, 'utf8')) as { runs: RefRun[] }).runs);
    });
  });
}

/** Reference (B)'s own server (its server.js, source `yes` from memory), for memory-vs-b. */
async function startReferenceServer(refDir: string): Promise<{ url: string; stop(): void }> {
  const child = fork(join(refDir, 'server.js'), [], { cwd: refDir, env: { ...process.env, SOURCES: 'yes' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const stop = () => void child.kill();
  process.on('exit', stop);
  const port = await new Promise<number>((resolvePort, reject) => {
    child.once('message', (m: { port: number }) => resolvePort(m.port));
    child.once('exit', (code) => reject(new Error(`the reference server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/`, stop };
}

/**
 * Reference (B)'s page (DOM renderer, its flow control) over `bytes` of `y\r\n` from its server's
 * memory, twice in the same page: the harness measures a terminal that is the first in its page,
 * while the app's panes come and go in one page all day, and a second terminal in the same page
 * draws slower (measured: 6.77 → 6.31 and 7.35 → 6.08 MB/s, first → second, in one run; Rackside's
 * panes the same: its first session of a page is its fastest). So both are reported.
 */
async function referencePageRun(bcdp: CDPSession, url: string, bytes: number): Promise<{ first: number; second: number; rendererMsPerMB: number }> {
  const t = await RawTarget.openHarness(bcdp, url);
  try {
    const once = async () => {
      await t.evaluate(`() => window.bench.setup({ renderer: 'dom' })`);
      await waitQuiet();
      const c0 = cpuByProcess(undefined);
      const r = await t.evaluate<{ processed: number; tFirst: number; tLastCb: number; why: string }>('(o) => window.bench.run(o)', { source: 'yes', bytes, flow: true, timeoutMs: 600_000 });
      if (r.why !== 'complete') throw new Error(`reference (B) page run ended with ${r.why}`);
      const cpu = cpuDelta(c0, cpuByProcess(undefined));
      const mb = r.processed / 1e6;
      // The page's `term` (a top-level binding of its script) is disposed before the next setup.
      await t.evaluate(`() => { term.dispose(); document.getElementById('term').replaceChildren(); }`);
      return { mbPerS: mb / ((r.tLastCb - r.tFirst) / 1000), rendererMsPerMB: ((cpu['chromium renderer'] ?? 0) * 1000) / mb };
    };
    const first = await once();
    const second = await once();
    return { first: first.mbPerS, second: second.mbPerS, rendererMsPerMB: second.rendererMsPerMB };
  } finally {
    await t.close();
  }
}

/** The local-cat phase's file: the first FILE_MB of the reference's typical.txt (or generated text), removed at exit. */
function writeLocalFile(dataFile: string | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'rs-bench-local-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'typical.txt');
  const n = FILE_MB * 1_000_000;
  if (dataFile) writeFileSync(file, readFileSync(dataFile).subarray(0, n));
  else writeFileSync(file, Buffer.alloc(n, 'drwxr-xr-x 2 root root 4096 Nov 26 07:17 the quick brown fox jumps over the lazy dog\n'));
  return file;
}

// ---- main ---------------------------------------------------------------------------------------
async function main() {
  if (!existsSync(join(root, 'dist', 'electron', 'host', 'cli.js')) || !existsSync(join(root, 'dist', 'renderer', 'test-build.txt'))) throw new Error('No test build: run `npm run build:test` first (the benchmark drives window.racksideTerminals)');
  const status = await lab.status();
  if (!status.up || !status.nodes[0]?.sshd) throw new Error('The lab is not up: RACKSIDE_LAB_INSTANCE=… bash scripts/lab/lab up --nodes 4');
  const node1 = status.nodes[0];
  const sshConfig = join(status.stateDir, 'ssh_config');
  const ssh = (...a: string[]) => ['-F', sshConfig, '-o', 'BatchMode=yes', 'node1', ...a];

  const refDir = args['no-ref'] ? null : prepareReference();
  const dataFile = refDir ? join(refDir, 'data', 'typical.txt') : null;

  // The same 100 MB on node1 (first FILE_MB of the reference's typical.txt, or generated text).
  log(`uploading ${FILE_MB} MB test file to node1:${REMOTE_FILE}`);
  const upload = dataFile
    ? `head -c ${FILE_MB * 1_000_000} > ${REMOTE_FILE}`
    : `yes 'drwxr-xr-x 2 root root 4096 Nov 26 07:17 the quick brown fox jumps over the lazy dog' | head -c ${FILE_MB * 1_000_000} > ${REMOTE_FILE}; cat > /dev/null`;
  execFileSync('bash', ['-c', `ssh ${ssh().map((a) => `'${a}'`).join(' ')} '${upload}' < ${dataFile ?? '/dev/null'}`], { stdio: 'inherit' });

  const full = STANDARD_PHASES.every((p) => ONLY.has(p));
  /** Plain OpenSSH from node1 into /dev/null, no terminal at all (full runs only): seconds, and how busy the machine was. */
  const timedSsh = async (what: string, sshFlags: string, command: string) => {
    if (!full) return { s: NaN, busy: NaN };
    await waitQuiet();
    const t0 = performance.now();
    const c0 = cpuStat();
    execFileSync('bash', ['-c', `ssh ${sshFlags}${ssh().map((a) => `'${a}'`).join(' ')} '${command}' > /dev/null`]);
    const r = { s: (performance.now() - t0) / 1000, busy: busyShare(c0, cpuStat()) };
    log(`${what} > /dev/null: ${r.s.toFixed(2)} s, machine ${(r.busy * 100).toFixed(0)}% busy`);
    return r;
  };
  // The transport: the same 200 MB with no PTY.
  const { s: opensshS } = await timedSsh(`OpenSSH yes | head -c ${YES_MB}M`, '', `yes | head -c ${YES_MB}M`);
  // Through a remote PTY (ssh -tt), as an interactive shell has it: the PTY's per-line work
  // (ONLCR, n_tty) runs on this machine's 2 cores too, and dominates `yes`.
  const { s: opensshPtyS, busy: opensshPtyBusy } = await timedSsh(`OpenSSH -tt (remote PTY) yes | head -c ${YES_MB}M`, '-tt ', `yes | head -c ${YES_MB}M`);
  // And the file: how fast the remote end (cat, the PTY, sshd) delivers it with nothing drawing.
  const { s: opensshPtyCatS, busy: opensshPtyCatBusy } = await timedSsh(`OpenSSH -tt (remote PTY) cat ${REMOTE_FILE}`, '-tt ', `cat ${REMOTE_FILE}`);

  // memory-yes: a stand-in shell in the backend's memory (memory-shell.mjs), loaded into the host only for that phase.
  if (ONLY.has('memory-yes') || ONLY.has('memory-cat') || ONLY.has('memory-vs-b')) {
    process.env.RACKSIDE_HOST_NODE_ARGS = `${process.env.RACKSIDE_HOST_NODE_ARGS ?? ''} --import ${join(import.meta.dirname, 'memory-shell.mjs')}`;
  }
  const host = await startBrowserHost();
  await trustLabHostKeys(host.dataDir, [1]);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const bcdp = await browser.newBrowserCDPSession();
  const target = await RawTarget.open(bcdp, host.url);
  const prepare = async () => {
    for (let i = 0; ; i++) {
      const ready = await target
        .evaluate<boolean>(`() => !!window.racksideTerminals && document.querySelector('[data-testid="backend-status"]')?.getAttribute('data-state') === 'open'`)
        .catch(() => false);
      if (ready) break;
      if (i > 300) throw new Error('the app did not load');
      await sleep(50);
    }
    // The app's wizard above the dock is hidden so the dock can be tall enough for the harness's
    // geometry (GEOMETRY, set in the page by page-run.js); nothing else changes.
    await target.evaluate(`() => {
      const s = document.createElement('style');
      s.textContent = '.app-main{display:none!important} .dock.open .term-body{height:auto!important;max-height:none!important;flex:1} .dock.open{flex:1}';
      document.head.appendChild(s);
    }`);
  };
  await prepare();
  const labHost = { id: 'node1', name: 'node1', address: node1.address, port: 22, user: 'root', role: 'master', auth: { method: 'key', keyPath: status.keyPath } };

  type Sample = { s: number; heapMB: number; rendererRssMB: number; backendRssMB: number; transcriptsMB: number };
  const samples: Sample[] = [];
  const sample = async (t0: number) => {
    samples.push({
      s: Math.round((performance.now() - t0) / 1000),
      heapMB: await target.heapMB(false),
      rendererRssMB: await rendererRssMB(bcdp),
      backendRssMB: Math.round(processRssMB(host.pid)),
      // The app's data folder: with no project open, the session transcripts are written there.
      transcriptsMB: Math.round(folderBytes(host.dataDir) / 1e6),
    });
  };
  const phase = async (name: string, command: string, mode: 'until-marker' | 'stop', opts: { stopAfterMs?: number; sampleEveryS?: number; host?: typeof labHost | 'local' } = {}) => {
    const busy = await waitQuiet();
    const heapBefore = await target.heapMB(true);
    const rssBefore = await rendererRssMB(bcdp);
    const a = cpuStat();
    const procA = cpuByProcess(host.pid);
    const thrA = process.env.BENCH_THREADS ? threadTicks(host.pid) : null;
    if (process.env.BENCH_PROFILE) await profileStart(target);
    const traceEnd = process.env.BENCH_TRACE ? await traceStart(bcdp) : null;
    // The soak samples memory while the page streams (a CDP call is answered between two tasks).
    const t0 = performance.now();
    let sampling = Promise.resolve();
    const sampler = opts.sampleEveryS ? setInterval(() => (sampling = sampling.then(() => sample(t0))), opts.sampleEveryS * 1000) : undefined;
    const stopAfterMs = opts.stopAfterMs ?? STOP_AFTER_MS;
    const r = await target
      .evaluate<PageResult>(PAGE_RUN, { host: opts.host ?? labHost, command, mode, stopAfterMs, timeoutMs: stopAfterMs + 600_000, geometry: GEOMETRY })
      .finally(() => clearInterval(sampler));
    await sampling;
    const during = busyShare(a, cpuStat());
    const cpu = cpuDelta(procA, cpuByProcess(host.pid));
    if (thrA) {
      // Where the renderer's and the backend's CPU went, thread by thread (main thread, compositor, GC helpers…).
      logThreads(thrA, threadTicks(host.pid));
    }
    if (process.env.BENCH_PROFILE) await profileStop(target, r.chars / 1e6);
    if (traceEnd) logTrace(await traceEnd(), r.chars / 1e6);
    const heapAfter = await target.heapMB(false);
    const heapAfterGC = await target.heapMB(true);
    const rssAfter = await rendererRssMB(bcdp);
    log(`${name}: ${r.mbPerS.toFixed(2)} MB/s, ${(r.chars / 1e6).toFixed(1)} M chars in ${(r.wallMs / 1000).toFixed(1)} s, ` +
      `frames p50/p95/max ${r.frames.p50?.toFixed(1)}/${r.frames.p95?.toFixed(1)}/${r.frames.max?.toFixed(0)} ms, ` +
      `stop→last ${r.stopToLastMs?.toFixed(0) ?? '–'} ms, heap ${heapBefore}→${heapAfter} (GC ${heapAfterGC}) MB, RSS ${rssBefore}→${rssAfter} MB, ` +
      `${r.size?.cols}x${r.size?.rows} ${r.renderer}, ${r.chunks} chunks, waited for output ${r.waitedMs.toFixed(0)} ms ` +
      `(${((r.waitedMs / r.wallMs) * 100).toFixed(1)}% of the phase, ${r.waits} times), machine ${(busy * 100).toFixed(0)}% busy before, ${(during * 100).toFixed(0)}% during`);
    const perMB = (cls: CpuClass) => ((cpu[cls] ?? 0) * 1000) / (r.chars / 1e6);
    log(`  CPU ms per MB drawn: ` + (Object.keys(cpu) as CpuClass[]).sort().map((c) => `${c} ${perMB(c).toFixed(1)}`).join(', '));
    return { ...r, cpuMsPerMB: Object.fromEntries((Object.keys(cpu) as CpuClass[]).map((c) => [c, Math.round(perMB(c) * 10) / 10])), heapBefore, heapAfter, heapAfterGC, rssBefore, rssAfter, busyBefore: busy, busyDuring: during };
  };

  const marker = "; echo RS_BENCH_''DONE";
  const skipped = null as unknown as Awaited<ReturnType<typeof phase>>;
  const yesRun = ONLY.has('yes') ? await phase('yes', `yes | head -c ${YES_MB}M${marker}`, 'until-marker') : skipped;
  const catRun = ONLY.has('cat') ? await phase('cat', `cat ${REMOTE_FILE}${marker}`, 'until-marker') : skipped;
  const yesStop = ONLY.has('yes-stop') ? await phase('yes, Ctrl-C', 'yes', 'stop') : skipped;
  const catStop = ONLY.has('cat-stop') ? await phase('cat, Ctrl-C', `while :; do cat ${REMOTE_FILE}; done`, 'stop') : skipped;
  // docs/architecture.md, Budgets: memory bounded during a 10-minute `yes` (and, since every session is
  // recorded, what its transcript costs on disk).
  const soak = ONLY.has('soak') ? await phase(`soak, ${SOAK_S} s of yes`, 'yes', 'stop', { stopAfterMs: SOAK_S * 1000, sampleEveryS: SOAK_SAMPLE_S }) : null;
  // Diagnostics: the same pane fed by the laptop's own shell (node-pty, no sshd, no ssh2, no lab
  // node on the 2 cores): what Rackside's delivery and pane reach without the SSH chain, beside (B).
  const localFile = ONLY.has('local-cat') || ONLY.has('memory-cat') ? writeLocalFile(dataFile) : null;
  const memoryHost = { ...labHost, id: 'memory', name: 'memory', address: 'memory.invalid' };
  // ---- bare xterm fed by OpenSSH from the same node (see openssh-reference.ts) ------------------
  type RefPage = {
    why: string; processed: number; tStart: number; tFirst: number; tLastCb: number;
    frames: { p50: number | null; p95: number | null }; stopToLastCbMs: number | null; bytesAfterStop: number | null;
  };
  type ViaSsh = RefPage & { mbPerS: number; cpuMsPerMB: Record<string, number> };
  const viaSsh: Record<string, ViaSsh | null> = {};
  const refPhase = async (oref: OpensshReference, name: string, command: string, stop: boolean): Promise<ViaSsh> => {
    oref.command(command);
    const t = await RawTarget.openHarness(bcdp, oref.url);
    const info = await t.evaluate<{ ran: string; cols: number; rows: number }>(`() => window.bench.setup({ renderer: 'dom' })`);
    const busy = await waitQuiet();
    const procA = cpuByProcess(undefined);
    const thrA = process.env.BENCH_THREADS ? threadTicks(undefined) : null;
    if (process.env.BENCH_PROFILE) await profileStart(t);
    const opts = { source: 'ssh', bytes: 0, flow: true, timeoutMs: 600_000, ...(stop ? { stopAfterMs: STOP_AFTER_MS, drainCapMs: 20_000 } : {}) };
    const traceEnd = process.env.BENCH_TRACE ? await traceStart(bcdp) : null;
    const r = await t.evaluate<RefPage>('(o) => window.bench.run(o)', opts);
    const cpu = cpuDelta(procA, cpuByProcess(undefined));
    if (thrA) logThreads(thrA, threadTicks(undefined));
    // After the CPU readings, as for Rackside's page: collecting the trace costs CPU too.
    if (traceEnd) logTrace(await traceEnd(), r.processed / 1e6);
    if (process.env.BENCH_PROFILE) await profileStop(t, r.processed / 1e6);
    await t.close();
    // From the first byte: the page's clock starts before ssh has connected and logged in,
    // while Rackside's shell is already open when its clock starts.
    const mbPerS = r.processed / 1e6 / ((r.tLastCb - r.tFirst) / 1000);
    const perMB = (c: CpuClass) => ((cpu[c] ?? 0) * 1000) / (r.processed / 1e6);
    log(`OpenSSH → bare xterm, ${name}: ${stop ? '' : `${mbPerS.toFixed(2)} MB/s, `}${(r.processed / 1e6).toFixed(1)} MB, ` +
      `frames p50/p95 ${r.frames.p50?.toFixed(1)}/${r.frames.p95?.toFixed(1)} ms, stop→last ${r.stopToLastCbMs?.toFixed(0) ?? '–'} ms, ` +
      `${info.cols}x${info.rows} ${info.ran}, ${r.why}, machine ${(busy * 100).toFixed(0)}% busy before`);
    log(`  CPU ms per MB drawn: ` + (Object.keys(cpu) as CpuClass[]).sort().map((c) => `${c} ${perMB(c).toFixed(1)}`).join(', '));
    return { ...r, mbPerS, cpuMsPerMB: Object.fromEntries((Object.keys(cpu) as CpuClass[]).map((c) => [c, Math.round(perMB(c) * 10) / 10])) };
  };

  // memory-vs-b: Rackside's whole delivery (TerminalManager, WebSocket, hub, app pane) fed by the
  // in-memory stand-in shell, alternating with reference (B)'s own page and server in this same
  // Chromium, --rounds times: the two sit side by side in time, so the machine's drift (large
  // here: the same phase ran anywhere between 5.4 and 7.9 MB/s within minutes) hits both alike.
  const rounds: { ours: number; bFirst: number; bSecond: number }[] = [];
  if (ONLY.has('memory-vs-b')) {
    if (!refDir) throw new Error('memory-vs-b needs the reference harness (drop --no-ref)');
    const refServer = await startReferenceServer(refDir);
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const ours = await phase(`memory-vs-b round ${round + 1}: Rackside, memory shell, yes (session ${round + 1} of this page)`, `yes | head -c ${YES_MB}M${marker}`, 'until-marker', { host: memoryHost });
        const b = await referencePageRun(bcdp, refServer.url, YES_MB * 1024 * 1024 * 1.5);
        log(`memory-vs-b round ${round + 1}: (B) first terminal of its page ${b.first.toFixed(2)} MB/s, second ${b.second.toFixed(2)} MB/s (renderer ${b.rendererMsPerMB.toFixed(1)} ms/MB); ` +
          `Rackside ÷ (B) first ${(ours.mbPerS / b.first).toFixed(3)}, ÷ (B) second ${(ours.mbPerS / b.second).toFixed(3)}`);
        rounds.push({ ours: ours.mbPerS, bFirst: b.first, bSecond: b.second });
      }
    } finally {
      refServer.stop();
    }
    const like = rounds.map((r, i) => r.ours / (i === 0 ? r.bFirst : r.bSecond));
    log(`memory-vs-b: Rackside ÷ (B), like with like (its first session ÷ B's first terminal, later sessions ÷ B's second): ` +
      `${like.map((x) => x.toFixed(3)).join(', ')}; mean ${mean(like).toFixed(3)}. Against B's first terminal only: mean ${mean(rounds.map((r) => r.ours / r.bFirst)).toFixed(3)}`);
  }
  // ssh-rounds: the table's `yes` (Rackside's SSH shell), (A) and (B) one after the other in this
  // same Chromium, --rounds times, with each round's ratios: the table's ÷ A and ÷ B compare runs
  // minutes apart, through this machine's drift. Rackside's page keeps its sessions (session N of
  // the page in round N), as the table's phases do; (A) is a new page each time, (B) runs twice per
  // page (see referencePageRun).
  if (ONLY.has('ssh-rounds')) {
    if (!refDir) throw new Error('ssh-rounds needs the reference harness (drop --no-ref)');
    const oref = await startOpensshReference({ refDir, sshArgs: ssh() });
    const refServer = await startReferenceServer(refDir);
    const rows: { ours: number; a: number; bFirst: number; bSecond: number }[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const ours = await phase(`ssh-rounds ${round + 1}: Rackside, SSH shell, yes (session ${round + 1} of this page)`, `yes | head -c ${YES_MB}M${marker}`, 'until-marker');
        const a = await refPhase(oref, `yes (ssh-rounds ${round + 1})`, `yes | head -c ${YES_MB}M`, false);
        const b = await referencePageRun(bcdp, refServer.url, YES_MB * 1024 * 1024 * 1.5);
        rows.push({ ours: ours.mbPerS, a: a.mbPerS, bFirst: b.first, bSecond: b.second });
        log(`ssh-rounds ${round + 1}: Rackside ${ours.mbPerS.toFixed(2)}, (A) ${a.mbPerS.toFixed(2)}, (B) ${b.first.toFixed(2)} / ${b.second.toFixed(2)} MB/s (first / second terminal); ` +
          `Rackside ÷ A ${(ours.mbPerS / a.mbPerS).toFixed(3)}, Rackside ÷ B ${(ours.mbPerS / b.first).toFixed(3)}, A ÷ B ${(a.mbPerS / b.first).toFixed(3)} (÷ B's first terminal)`);
      }
    } finally {
      refServer.stop();
      await oref.stop();
    }
    const m = (f: (r: (typeof rows)[number]) => number) => mean(rows.map(f)).toFixed(3);
    log(`ssh-rounds, means over ${rows.length} rounds: Rackside ÷ A ${m((r) => r.ours / r.a)}, Rackside ÷ B ${m((r) => r.ours / r.bFirst)}, A ÷ B ${m((r) => r.a / r.bFirst)} ` +
      `(÷ B's second terminal: Rackside ${m((r) => r.ours / r.bSecond)}, A ${m((r) => r.a / r.bSecond)})`);
  }
  const memoryYes = ONLY.has('memory-yes') ? await phase('memory shell (no SSH), yes', `yes | head -c ${YES_MB}M${marker}`, 'until-marker', { host: memoryHost }) : null;
  const localYes = ONLY.has('local-yes') ? await phase('local shell, yes', `yes | head -c ${YES_MB}M${marker}`, 'until-marker', { host: 'local' }) : null;
  const localCat = localFile && ONLY.has('local-cat') ? await phase('local shell, cat', `cat ${localFile}${marker}`, 'until-marker', { host: 'local' }) : null;
  const memoryCat = localFile && ONLY.has('memory-cat') ? await phase('memory shell (no SSH), cat', `cat ${localFile}${marker}`, 'until-marker', { host: memoryHost }) : null;
  const soakSummary = soak ? summariseSoak(samples, soak) : null;
  if (soakSummary) {
    log('  samples (s: renderer heap / renderer RSS / backend RSS / data folder, MB): ' +
      samples.map((x) => `${x.s}: ${x.heapMB}/${x.rendererRssMB}/${x.backendRssMB}/${x.transcriptsMB}`).join(', '));
    log(soakSummary);
  }
  await target.close();

  // Reference (A) for the table's phases, after all of Rackside's.
  if (refDir) {
    const oref = await startOpensshReference({ refDir, sshArgs: ssh() });
    try {
      if (ONLY.has('yes')) viaSsh.yes = await refPhase(oref, 'yes', `yes | head -c ${YES_MB}M`, false);
      if (ONLY.has('cat')) viaSsh.cat = await refPhase(oref, 'cat', `cat ${REMOTE_FILE}`, false);
      if (ONLY.has('yes-stop')) viaSsh.yesStop = await refPhase(oref, 'yes, Ctrl-C', 'yes', true);
      if (ONLY.has('cat-stop')) viaSsh.catStop = await refPhase(oref, 'cat, Ctrl-C', `while :; do cat ${REMOTE_FILE}; done`, true);
    } finally {
      await oref.stop();
    }
  }
  await browser.close();
  await host.stop();
  let ref: RefRun[] = [];
  const refOf = (source: string) => ref.find((r) => r.source === source && r.flow);
  if (!full) {
    if (refDir && args['ref-b']) ref = await runReference(refDir);
    const b = (label: string, source: string, r: { mbPerS: number } | null) => {
      const x = refOf(source);
      if (r && x) log(`${label}: Rackside ÷ (B) ${(r.mbPerS / x.tp.mbPerS).toFixed(2)} (${r.mbPerS.toFixed(2)} vs ${x.tp.mbPerS.toFixed(2)} MB/s)`);
    };
    if (ONLY.has('yes')) b('yes, SSH shell', 'yes', yesRun);
    if (ONLY.has('cat')) b('cat, SSH shell', 'file', catRun);
    b('yes, local shell', 'yes', localYes);
    b('cat, local shell', 'file', localCat);
    b('yes, memory shell', 'yes', memoryYes);
    b('cat, memory shell', 'file', memoryCat);
    if (localYes && viaSsh.yes) log(`yes, local shell ÷ (A) ${(localYes.mbPerS / viaSsh.yes.mbPerS).toFixed(2)}`);
    return;
  }

  if (refDir) ref = await runReference(refDir);

  // ---- the table ----------------------------------------------------------------------------
  const f = (x: number | null | undefined, d = 1) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(d));
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? `${(a / b).toFixed(2)}x` : '–');
  const yesPayloadMBs = (YES_MB * 1024 * 1024) / 1e6 / (yesRun.wallMs / 1000);
  const opensshMBs = (YES_MB * 1024 * 1024) / 1e6 / opensshS;
  const ry = refOf('yes');
  const rf = refOf('file');
  const vy = viaSsh.yes;
  const vc = viaSsh.cat;
  // What the pane drew per second of the time it had something to draw: its own rate, without
  // the time the remote end (on these same 2 cores) kept it waiting.
  const drawingMBs = (r: PageResult) => r.chars / 1e6 / ((r.wallMs - r.waitedMs) / 1000);
  const cpuCell = (c: Record<string, number> | undefined) =>
    c ? Object.entries(c).filter(([, v]) => v >= 1).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') : '–';
  const lines = [
    `Terminal benchmark, ${new Date().toISOString()}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Chromium ${browser.version()}, lab instance ${process.env.RACKSIDE_LAB_INSTANCE ?? '0'}`,
    `Rackside pane ${yesRun.size?.cols}x${yesRun.size?.rows} at ${GEOMETRY.fontSize} px, renderer ${yesRun.renderer}, an SSH shell on node1 (remote PTY). References, same run, same Chromium:`,
    `(A) the bare-xterm harness's page (120x40, 14 px, DOM, ack flow control 100 k / 5 k) fed by plain OpenSSH \`ssh -tt node1 CMD\` from the same node (scripts/bench/terminal/openssh-reference.ts);`,
    `(B) the same page fed from memory (${REF}), the budget's ceiling.`,
    '',
    '| measure | Rackside (ssh2 → WebSocket → app pane) | (A) OpenSSH → bare xterm | Rackside ÷ A | (B) memory → bare xterm | Rackside ÷ B | target |',
    '|---|---|---|---|---|---|---|',
    `| \`yes \\| head -c ${YES_MB}M\`: MB/s drawn (y\\r\\n after the PTY) | ${f(yesRun.mbPerS, 2)} | ${f(vy?.mbPerS, 2)} | ${ratio(yesRun.mbPerS, vy?.mbPerS)} | ${f(ry?.tp.mbPerS, 2)} | ${ratio(yesRun.mbPerS, ry?.tp.mbPerS)} | ≥ 0.9x of B (≥ 10 MB/s with a GPU) |`,
    `| \`cat\` ${FILE_MB} MB file: MB/s drawn | ${f(catRun.mbPerS, 2)} | ${f(vc?.mbPerS, 2)} | ${ratio(catRun.mbPerS, vc?.mbPerS)} | ${f(rf?.tp.mbPerS, 2)} | ${ratio(catRun.mbPerS, rf?.tp.mbPerS)} | ≥ 0.9x of B |`,
    `| rAF frame p50 / p95 ms, \`yes\` | ${f(yesRun.frames.p50)} / ${f(yesRun.frames.p95)} | ${f(vy?.frames.p50)} / ${f(vy?.frames.p95)} | | ${f(ry?.tp.frames.p50)} / ${f(ry?.tp.frames.p95)} | | p95 ≤ 17 |`,
    `| rAF frame p50 / p95 ms, \`cat\` | ${f(catRun.frames.p50)} / ${f(catRun.frames.p95)} | ${f(vc?.frames.p50)} / ${f(vc?.frames.p95)} | | ${f(rf?.tp.frames.p50)} / ${f(rf?.tp.frames.p95)} | | p95 ≤ 17 |`,
    `| Ctrl-C → last byte drawn ms, \`yes\` | ${f(yesStop.stopToLastMs, 0)} (${f((yesStop.charsAfterStop ?? 0) / 1e3, 0)} kB after) | ${f(viaSsh.yesStop?.stopToLastCbMs, 0)} (${f((viaSsh.yesStop?.bytesAfterStop ?? NaN) / 1e3, 0)} kB after) | | ${f(ry?.stop.stopToLastCbMs, 0)} | | ≤ 300 |`,
    `| Ctrl-C → last byte drawn ms, \`cat\` loop | ${f(catStop.stopToLastMs, 0)} (${f((catStop.charsAfterStop ?? 0) / 1e3, 0)} kB after) | ${f(viaSsh.catStop?.stopToLastCbMs, 0)} (${f((viaSsh.catStop?.bytesAfterStop ?? NaN) / 1e3, 0)} kB after) | | ${f(rf?.stop.stopToLastCbMs, 0)} | | ≤ 300 |`,
    `| CPU ms per MB, \`cat\` | ${cpuCell(catRun.cpuMsPerMB)} | ${cpuCell(vc?.cpuMsPerMB)} | | | | |`,
    `| CPU ms per MB, \`yes\` | ${cpuCell(yesRun.cpuMsPerMB)} | ${cpuCell(vy?.cpuMsPerMB)} | | | | |`,
    `| renderer JS heap MB before → after (→ after GC), \`yes\` | ${yesRun.heapBefore} → ${yesRun.heapAfter} (→ ${yesRun.heapAfterGC}) | | | ${f(ry?.heapBefore)} → (GC) ${f(ry?.heapAfterGC)} | | bounded |`,
    `| renderer JS heap MB before → after (→ after GC), \`cat\` | ${catRun.heapBefore} → ${catRun.heapAfter} (→ ${catRun.heapAfterGC}) | | | ${f(rf?.heapBefore)} → (GC) ${f(rf?.heapAfterGC)} | | bounded |`,
    `| renderer process RSS MB before → after, \`yes\` / \`cat\` | ${yesRun.rssBefore} → ${yesRun.rssAfter} / ${catRun.rssBefore} → ${catRun.rssAfter} | | | peak ${f(ry?.tpSamples.rendererRssMaxMB, 0)} / ${f(rf?.tpSamples.rendererRssMaxMB, 0)} | | bounded |`,
    `| \`yes \\| head -c ${YES_MB}M\` wall time s (payload MB/s) | ${f(yesRun.wallMs / 1000, 1)} (${f(yesPayloadMBs, 1)}) | OpenSSH \`ssh node1 … > /dev/null\` (no PTY, no terminal): ${f(opensshS, 2)} (${f(opensshMBs, 0)}) | OpenSSH is ${f(yesRun.wallMs / 1000 / opensshS, 1)}x faster | | | (transport ceiling) |`,
    `| same through a remote PTY, no terminal: \`ssh -tt node1 'yes \\| head -c ${YES_MB}M' > /dev/null\`, s (MB/s after the PTY) | | ${f(opensshPtyS, 2)} (${f((YES_MB * 1024 * 1024 * 1.5) / 1e6 / opensshPtyS, 1)}), machine ${f(opensshPtyBusy * 100, 0)}% busy | Rackside ${f(yesRun.mbPerS / ((YES_MB * 1024 * 1024 * 1.5) / 1e6 / opensshPtyS), 2)}x of it | | | |`,
    `| same for the file: \`ssh -tt node1 'cat FILE' > /dev/null\`, s (MB/s after the PTY) | | ${f(opensshPtyCatS, 2)} (${f(catRun.chars / 1e6 / opensshPtyCatS, 1)}), machine ${f(opensshPtyCatBusy * 100, 0)}% busy | Rackside ${f(catRun.mbPerS / (catRun.chars / 1e6 / opensshPtyCatS), 2)}x of it | | | |`,
    `| pane waited for output, share of the phase (times): \`yes\` / \`cat\` | ${f((yesRun.waitedMs / yesRun.wallMs) * 100)}% (${yesRun.waits}) / ${f((catRun.waitedMs / catRun.wallMs) * 100)}% (${catRun.waits}) | | | | | |`,
    `| MB/s drawn while the pane had output (drawn ÷ time not waiting): \`yes\` / \`cat\` | ${f(drawingMBs(yesRun), 2)} / ${f(drawingMBs(catRun), 2)} | | | ${f(ry?.tp.mbPerS, 2)} / ${f(rf?.tp.mbPerS, 2)} | ${ratio(drawingMBs(yesRun), ry?.tp.mbPerS)} / ${ratio(drawingMBs(catRun), rf?.tp.mbPerS)} | |`,
    ...(soakSummary ? [`| ${SOAK_S} s of endless \`yes\`, memory every ${SOAK_SAMPLE_S} s | ${soakSummary.replace(/^soak: /, '')} | | | | | bounded |`] : []),
    `| machine busy before / during (other work) | yes ${f(yesRun.busyBefore * 100, 0)}% / ${f(yesRun.busyDuring * 100, 0)}%, cat ${f(catRun.busyBefore * 100, 0)}% / ${f(catRun.busyDuring * 100, 0)}% | | | yes ${f((ry?.tpSamples.machineBusyShare ?? NaN) * 100, 0)}%, file ${f((rf?.tpSamples.machineBusyShare ?? NaN) * 100, 0)}% | | |`,
  ];
  const table = lines.join('\n');
  console.log('\n' + table);
  const outFile = args.out ?? join(root, 'test-results', `bench-terminal-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
  writeFileSync(outFile, table + '\n\n```json\n' + JSON.stringify({ yesRun, catRun, yesStop, catStop, soak: soak ? { ...soak, samples } : null, opensshS, opensshPtyS, opensshPtyBusy, opensshPtyCatS, opensshPtyCatBusy, viaSsh, ref }, null, 1) + '\n```\n');
  log(`written to ${outFile}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
