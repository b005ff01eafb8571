#!/usr/bin/env -S npx tsx
/**
 * What xterm.js options cost, without SSH or a WebSocket: a bare xterm.js 6 (DOM renderer,
 * 120x40 at 14 px, this repository's node_modules) in headless Chromium is fed from page memory
 * (32 kB writes, at most 1 MB in flight, two at a time handed to xterm as the terminal hub does;
 * the variant 'fed queued' hands it the whole window at once), once per variant,
 * variants interleaved round by round. Prints per variant the median MB/s and the page's
 * main-thread time per MB (CDP Performance.getMetrics: task, script, style, layout).
 *
 *   npx tsx scripts/bench/terminal/xterm-options.ts [--rounds 6] [--mb 30] [--sessions 1] [--variants 'A;B'] [--data yes|file] [--file PATH]
 *
 * --sessions N runs N sessions one after the other in each page, each in a new terminal (the
 * previous one disposed) or, in the variant 'app, reset per session', in the same one reset, as
 * the app's panes reuse theirs (renderer/src/terminal/xterm-pane.tsx, MAX_PARKED_TERMINALS).
 *
 * --data file draws log text: the first 4 MB of PATH (default: the bare-xterm harness's
 * data/typical.txt, generated there by its `node gen-data.js`) with LF as CRLF, as a PTY sends it.
 * The variants are the app's pane options (renderer/src/terminal/xterm-pane.tsx) against the
 * harness's, and the app's with one option changed at a time. A diagnostic, like BENCH_TRACE in
 * run.ts: it says which option costs drawing time, not what the app reaches end to end.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..', '..', '..');
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    sessions: { type: 'string', default: '1' },
    /** Variant names to run, separated by ';' (the names have commas); default: all. */
    variants: { type: 'string' },
    mb: { type: 'string', default: '30' },
    data: { type: 'string', default: 'yes' },
    file: { type: 'string', default: join(root, '..', 'shared', 'bench-reference', 'xterm', 'data', 'typical.txt') },
  },
});
const ROUNDS = Number(args.rounds);
const MB = Number(args.mb);
const SESSIONS = Number(args.sessions);
if (!(ROUNDS > 0 && MB > 0 && Number.isInteger(SESSIONS) && SESSIONS > 0) || !['yes', 'file'].includes(args.data!)) {
  console.error('usage: xterm-options.ts [--rounds N > 0] [--mb N > 0] [--sessions N > 0] [--data yes|file] [--file PATH]');
  process.exit(2);
}

const APP_FONT = "ui-monospace, 'DejaVu Sans Mono', 'Noto Sans Mono', 'Noto Sans Mono CJK SC', Menlo, Consolas, monospace";
const APP = { scrollback: 1000, fontFamily: APP_FONT, cursorBlink: true, allowProposedApi: true, rightClickSelectsWord: true };
interface Variant {
  opts: Record<string, unknown>;
  /** Load the search and serialize addons and focus the terminal, as the app's interactive pane does. */
  app: boolean;
  /**
   * How output is handed to xterm: 'paced' as the terminal hub does it (two 32 kB views at a time,
   * the next from a message task once one is parsed); 'queued' all of the 1 MB window at once, as
   * the hub did before (xterm then works through its queue with nested, clamped timers).
   */
  feed?: 'paced' | 'queued';
  /** With --sessions: later sessions reset the page's terminal (as the app's panes do) instead of making a new one. */
  reuse?: boolean;
}
const VARIANTS: Record<string, Variant> = {
  'harness options': { opts: { scrollback: 1000, fontFamily: 'monospace' }, app: false },
  'app options': { opts: APP, app: true },
  'app, scrollback 5000': { opts: { ...APP, scrollback: 5000 }, app: true },
  'app, no cursor blink': { opts: { ...APP, cursorBlink: false }, app: true },
  'app, font monospace': { opts: { ...APP, fontFamily: 'monospace' }, app: true },
  'app, no addons': { opts: APP, app: false },
  'app, fed queued': { opts: APP, app: true, feed: 'queued' },
  ...(SESSIONS > 1 ? { 'app, reset per session': { opts: APP, app: true, reuse: true } } : {}),
};

const CHOSEN = args.variants?.split(';').map((v) => v.trim());
const unknownVariants = CHOSEN?.filter((v) => !(v in VARIANTS)) ?? [];
if (unknownVariants.length) {
  console.error(`--variants: unknown ${unknownVariants.map((v) => `"${v}"`).join(', ')}; the variants are ${Object.keys(VARIANTS).map((v) => `"${v}"`).join(', ')}`);
  process.exit(2);
}

function source(): string {
  if (args.data === 'yes') return Buffer.from('y\r\n'.repeat(1 << 20)).toString('base64');
  let raw: Buffer;
  try {
    raw = readFileSync(args.file!).subarray(0, 4 << 20);
  } catch (e) {
    console.error(`cannot read ${args.file} (${(e as Error).message}): generate it with \`node gen-data.js\` in the harness, or pass --file`);
    process.exit(1);
  }
  return Buffer.from(raw.toString('latin1').replace(/\n/g, '\r\n'), 'latin1').toString('base64');
}

// Runs in the page: write MB megabytes from `src` (cycled) into the terminal in 32 kB views, at
// most WINDOW in flight (the backend's flow-control window) and, paced, at most IN_XTERM of them
// handed to xterm at a time (renderer/src/terminal/terminal-hub.ts).
const FEED = `async ({ mb, feed }) => {
  const term = window.rsTerm;
  const data = window.rsSource;
  const total = mb * 1e6, CHUNK = 32768, WINDOW = 1 << 20, IN_XTERM = feed === 'queued' ? Infinity : 2;
  let sent = 0, done = 0, pos = 0, inXterm = 0;
  const t0 = performance.now();
  const channel = new MessageChannel();
  await new Promise((resolve) => {
    const pump = () => {
      while (sent < total && sent - done < WINDOW && inXterm < IN_XTERM) {
        const n = Math.min(CHUNK, total - sent, data.length - pos);
        const piece = data.subarray(pos, pos + n);
        pos = (pos + n) % data.length;
        sent += n;
        inXterm++;
        term.write(piece, () => {
          done += n;
          inXterm--;
          if (done >= total) resolve();
          else if (feed === 'queued') setTimeout(pump, 0);
          else channel.port2.postMessage(null);
        });
      }
    };
    channel.port1.onmessage = pump;
    pump();
  });
  return performance.now() - t0;
}`;

const xterm = (f: string) => join(root, 'node_modules', '@xterm', f);
const src = source();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
type Row = { mbPerS: number; task: number; script: number; style: number; layout: number };
const results = new Map<string, Row[]>();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, v] of Object.entries(VARIANTS).filter(([n]) => !CHOSEN || CHOSEN.includes(n))) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.setContent('<!doctype html><html><head><style>html,body{margin:0} #box{width:1200px;height:800px}</style></head><body><div id="box"></div></body></html>');
      await page.addStyleTag({ path: xterm('xterm/css/xterm.css') });
      await page.addScriptTag({ path: xterm('xterm/lib/xterm.js') });
      if (v.app) {
        await page.addScriptTag({ path: xterm('addon-search/lib/addon-search.js') });
        await page.addScriptTag({ path: xterm('addon-serialize/lib/addon-serialize.js') });
      }
      // window.rsNewTerm(): (another) terminal for the next session, the previous one disposed.
      await page.evaluate(`(${(({ opts, app }: Variant) => {
        const w = window as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        w.rsNewTerm = () => {
          w.rsTerm?.dispose();
          const term = new w.Terminal({ cols: 120, rows: 40, fontSize: 14, ...opts });
          if (app) {
            term.loadAddon(new w.SearchAddon.SearchAddon());
            term.loadAddon(new w.SerializeAddon.SerializeAddon());
          }
          term.open(document.getElementById('box'));
          if (app) term.focus();
          w.rsTerm = term;
        };
        w.rsNewTerm();
      }).toString()})(${JSON.stringify(v)})`);
      // Decoded before the measurement starts.
      await page.evaluate(`window.rsSource = Uint8Array.from(atob(${JSON.stringify(src)}), (c) => c.charCodeAt(0))`);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
      for (let session = 1; session <= SESSIONS; session++) {
        if (session > 1) await page.evaluate(v.reuse ? 'window.rsTerm.reset()' : 'window.rsNewTerm()');
        const m0 = await metrics();
        const ms = (await page.evaluate(`(${FEED})(${JSON.stringify({ mb: MB, feed: v.feed ?? 'paced' })})`)) as number;
        const m1 = await metrics();
        const per = (k: string) => ((m1[k]! - m0[k]!) * 1000) / MB;
        const key = SESSIONS > 1 ? `${name} #${session}` : name;
        results.set(key, [...(results.get(key) ?? []), { mbPerS: MB / (ms / 1000), task: per('TaskDuration'), script: per('ScriptDuration'), style: per('RecalcStyleDuration'), layout: per('LayoutDuration') }]);
      }
      await page.close();
    }
  }
} finally {
  await browser.close();
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
console.log(`${args.data}, ${MB} MB per run, ${ROUNDS} rounds${SESSIONS > 1 ? `, ${SESSIONS} sessions per page (#N)` : ''} (median; MB/s of each round in brackets); main-thread ms per MB:`);
for (const [name, rows] of results) {
  const m = (k: keyof Row) => median(rows.map((r) => r[k])).toFixed(1);
  console.log(`${name.padEnd(SESSIONS > 1 ? 30 : 22)} ${m('mbPerS')} MB/s [${rows.map((r) => r.mbPerS.toFixed(1)).join(' ')}]  task ${m('task')}, script ${m('script')}, style ${m('style')}, layout ${m('layout')}`);
}
