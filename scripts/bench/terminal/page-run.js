/* global window, document, requestAnimationFrame */
// Evaluated inside the Rackside page by run.ts (an expression: an async arrow function taking the
// options). Opens a shell on node1 (or the local shell) through the same action as the toolbar, types the command, and
// measures with a rAF loop, a long-task observer and the terminal hub's "parsed" tap (called from
// xterm's write callback, where the flow-control ack is sent).
// eslint-disable-next-line @typescript-eslint/no-unused-expressions
async (o) => {
  const T = window.racksideTerminals;
  // o.host 'local': the laptop's own shell (node-pty), for the local-* phases.
  const id = await T.openShell(o.host === 'local' ? { kind: 'local' } : { kind: 'ssh', host: o.host });
  if (!id) throw new Error('could not open a shell: ' + document.querySelector('[data-testid="terminal-error"]')?.textContent);
  const until = async (check, ms) => {
    const t0 = performance.now();
    while (!check()) {
      if (performance.now() - t0 > ms) throw new Error('timed out waiting in the page');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await until(() => (T.text(id, 5) ?? '').includes('# '), 20000);
  // Like with like: the reference harness's terminal is 120x40 cells of 14 px DejaVu Sans Mono
  // (its 'monospace'; the app's font list resolves to the same face here). Set the app's font size
  // to 14 and size the pane (in cells of what xterm measured) until fit gives exactly that.
  if (o.geometry) {
    const g = o.geometry;
    T.setFontSize(g.fontSize);
    let style = document.getElementById('rs-bench-geometry');
    if (!style) {
      style = document.createElement('style');
      style.id = 'rs-bench-geometry';
      document.head.appendChild(style);
    }
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const s = T.size(id);
      if (s.cols === g.cols && s.rows === g.rows) break;
      const hostEl = document.querySelector('[data-testid="xterm-host"]');
      const screen = hostEl.querySelector('.xterm-screen');
      const cw = screen.getBoundingClientRect().width / s.cols;
      const ch = screen.getBoundingClientRect().height / s.rows;
      const w = hostEl.getBoundingClientRect().width + (g.cols - s.cols) * cw;
      const h = hostEl.getBoundingClientRect().height + (g.rows - s.rows) * ch;
      style.textContent = `[data-testid="xterm-host"]{flex:none!important;width:${w}px!important;height:${h}px!important}`;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 300));
  const size = T.size(id);
  const renderer = T.renderer(id);
  const MARK = 'RS_BENCH_DONE';
  let chars = 0;
  let chunks = 0;
  let tail = '';
  let tLast = 0;
  let tStop = 0;
  let charsAtStop = 0;
  let done = false;
  let sawInterruptAt = 0;
  const frames = [];
  const longtasks = [];
  let rafOn = true;
  let lastRaf = 0;
  const raf = (t) => {
    if (lastRaf) frames.push(t - lastRaf);
    lastRaf = t;
    if (rafOn) requestAnimationFrame(raf);
  };
  const po = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) longtasks.push(e.duration);
  });
  po.observe({ entryTypes: ['longtask'] });
  // Only the end of each chunk is decoded (after Ctrl-C the whole chunk: the backend starts the
  // chunk that shows the interrupt with it): decoding every byte would add work to the page that
  // the reference pages do not do.
  const utf8 = new TextDecoder();
  // Time the pane had parsed everything it had received and waited for more (from the first
  // chunk on): the share of the phase the producer side (backend, SSH, the remote end) kept the
  // pane idle, not the pane's own drawing.
  let arrived = 0;
  let idleSince = 0;
  let waitedMs = 0;
  let waits = 0;
  const offArrived = T.onArrived((sid, n) => {
    if (sid !== id) return;
    if (arrived === chars && idleSince && !tStop) {
      waitedMs += performance.now() - idleSince;
      waits++;
    }
    arrived += n;
  });
  const off = T.onParsed((sid, n, data) => {
    if (sid !== id) return;
    chars += n;
    chunks++;
    tLast = performance.now();
    if (chars === arrived) idleSince = tLast;
    const text = typeof data === 'string' ? data : utf8.decode(tStop ? data : data.subarray(-256));
    const s = tail + text;
    if (o.mode === 'until-marker' && s.includes(MARK)) done = true;
    if (o.mode === 'stop' && tStop && !sawInterruptAt && s.includes('^C')) sawInterruptAt = tLast;
    tail = s.slice(-64);
  });
  const tStart = performance.now();
  requestAnimationFrame(raf);
  T.input(id, o.command + '\r');
  if (o.mode === 'until-marker') {
    await until(() => done, o.timeoutMs);
  } else {
    await new Promise((r) => setTimeout(r, o.stopAfterMs));
    tStop = performance.now();
    charsAtStop = chars;
    T.input(id, '\x03');
    // Quiet: the ^C has been drawn, the prompt is back and nothing was parsed for 1 s.
    await until(() => sawInterruptAt > 0 && performance.now() - tLast > 1000 && /#$/.test((T.text(id, 3) ?? '').trimEnd()), o.timeoutMs);
  }
  rafOn = false;
  po.disconnect();
  off();
  offArrived();
  const sorted = frames.slice().sort((a, b) => a - b);
  const pct = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);
  const wallMs = (o.mode === 'stop' ? tStop : tLast) - tStart;
  const result = {
    size, renderer, chars, chunks, wallMs,
    mbPerS: (o.mode === 'stop' ? charsAtStop : chars) / 1e6 / (wallMs / 1000),
    frames: { n: sorted.length, p50: pct(50), p95: pct(95), p99: pct(99), max: sorted.length ? sorted[sorted.length - 1] : null },
    longtasks: { n: longtasks.length, max: longtasks.length ? Math.max(...longtasks) : null },
    waitedMs, waits,
    stopToLastMs: tStop ? tLast - tStop : null,
    charsAfterStop: tStop ? chars - charsAtStop : null,
    screen: T.text(id, 4),
  };
  await T.close(id);
  return result;
}
