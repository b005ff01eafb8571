import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys } from '../scripts/test-support/lab.js';
import { TerminalPage } from './pages/terminal-page.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: Chromium → browser host → TerminalManager → ssh2 PTY on the lab's real sshd, and a
// real node-pty shell on this machine.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let term: TerminalPage;
const shells: Record<string, string> = {};

/** `stty size` prints "rows cols"; the marker keeps it apart from the echoed command line. */
const sttySize = "printf 'SIZE=%s\\n' \"$(stty size)\"";

beforeAll(async () => {
  // Transcripts stop at 1 MB here (1 GiB by default), so one test can fill one; the others print far less.
  host = await startBrowserHost({ args: ['--transcript-limit-mb', '1'] });
  // The fingerprints as read at the nodes' consoles: the inventory e2e covers the confirmation UI.
  await trustLabHostKeys(host.dataDir, [1, 2]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  wizard = new WizardPage(page);
  term = new TerminalPage(page);
  await wizard.open(host.url);
  await wizard.importInventory((await lab.inventoryText()).path);
  await wizard.waitForRows((rows) => rows.length === 4);
  // Closed until there is output (terminal-dock.e2e.ts covers that); these tests use its tools.
  await term.openDock();
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-terminal-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('Live terminal', () => {
  it('opens shells on node1 and node2 and reads `hostname` back from xterm\'s buffer', async () => {
    await term.setLayout('grid');
    shells.node1 = await term.openHostShell('node1');
    shells.node2 = await term.openHostShell('node2');
    for (const name of ['node1', 'node2'] as const) {
      await term.run(shells[name]!, 'hostname');
      const lines = await term.waitForLine(shells[name]!, (l) => l === name);
      // The other node's name never appears in this pane.
      expect(lines).not.toContain(name === 'node1' ? 'node2' : 'node1');
    }
    await screenshot(page, 'terminal-hostname');
  });

  it('broadcasts `echo hi` to both shells with an indicator, and leaves an excluded pane out', async () => {
    await term.setBroadcast(true);
    await expect.poll(() => term.broadcastBanner().getAttribute('data-count')).toBe('2');
    expect(await term.pane(shells.node1!).getAttribute('data-broadcast')).toBe('on');
    expect(await term.pane(shells.node2!).getAttribute('data-broadcast')).toBe('on');

    await term.run(shells.node1!, 'echo hi');
    for (const id of [shells.node1!, shells.node2!]) await term.waitForLine(id, (l) => l === 'hi');
    await screenshot(page, 'terminal-broadcast');

    // Per-pane exclusion: node2 stops receiving; node1 still types into the (now single) set.
    await term.setReceivesBroadcast(shells.node2!, false);
    await expect.poll(() => term.broadcastBanner().getAttribute('data-count')).toBe('1');
    await term.run(shells.node1!, 'echo only-$((40+2))');
    await term.waitForLine(shells.node1!, (l) => l === 'only-42');
    expect(await term.lines(shells.node2!)).not.toContain('only-42');

    await term.setBroadcast(false);
    await term.broadcastBanner().waitFor({ state: 'detached' });
  });

  it('resizing the pane changes `stty size` on the remote', async () => {
    const id = shells.node1!;
    // What the remote says its size is, once it agrees with the pane: the pane's own size can
    // still change just before (a header above it reflows) and its resize is debounced, so a
    // single `stty size` may report the size of a moment ago. Only the newest SIZE line counts.
    const remoteAgrees = () =>
      eventually(
        async () => {
          await term.run(id, sttySize);
          await new Promise((r) => setTimeout(r, 200));
          const pane = await term.size(id);
          const last = (await term.lines(id)).filter((l) => l.startsWith('SIZE=')).at(-1);
          return { pane, last };
        },
        ({ pane, last }) => last === `SIZE=${pane.rows} ${pane.cols}`,
        15_000,
      );
    const before = (await remoteAgrees()).pane;

    await page.setViewportSize({ width: 1000, height: 700 });
    await eventually(
      () => term.size(id),
      (s) => s.cols < before.cols && s.rows < before.rows,
    );
    const after = (await remoteAgrees()).pane;
    expect(after.cols).toBeLessThan(before.cols);
    expect(after.rows).toBeLessThan(before.rows);
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  it('a local shell through node-pty echoes a command', async () => {
    await term.setLayout('tabs');
    const id = await term.openLocalShell();
    await term.run(id, 'echo local-$((6*7))');
    await term.waitForLine(id, (l) => l === 'local-42');
    await screenshot(page, 'terminal-local');
  });

  it('a closed pane\'s terminal is reset and reused by the next pane, with nothing of the old session in it', async () => {
    await term.setLayout('tabs');
    const old = await term.openLocalShell();
    await term.run(old, 'echo old-session-$((6*7))');
    await term.waitForLine(old, (l) => l === 'old-session-42');
    await term.closeShell(old);
    // Parked once xterm has parsed what it still held.
    const before = await eventually(() => term.terminalPool(), (p) => p.parked >= 1);
    const next = await term.openLocalShell();
    await term.run(next, 'echo new-session-$((6*7))');
    const lines = await term.waitForLine(next, (l) => l === 'new-session-42');
    expect(lines.join('\n')).not.toContain('old-session');
    expect((await term.terminalPool()).created).toBe(before.created);
    await screenshot(page, 'terminal-reused');
  });

  it('a session whose transcript reaches its size limit says so in the pane header and keeps streaming', async () => {
    await term.setLayout('tabs');
    const id = await term.openLocalShell();
    expect(await term.transcriptStopped(id)).toBeNull();
    await term.run(id, 'yes | head -c 3000000; echo after-$((6*7))');
    await term.waitForLine(id, (l) => l === 'after-42', 30_000);
    const why = await eventually(() => term.transcriptStopped(id), (t) => t !== null);
    expect(why).toMatch(/local\/.*-shell\.log: the 1 MB limit per session was reached: later output is not recorded/);
    await screenshot(page, 'terminal-transcript-stopped');
    const logPath = why!.slice(0, why!.indexOf('.log: ') + 4);
    const log = await readFile(logPath, 'utf8');
    expect(log.length).toBeLessThanOrEqual(1_000_000 + 300);
    expect(log.trimEnd().split('\r\n').at(-1)).toMatch(/^# Rackside: transcript stopped at .*: the 1 MB limit per session was reached/);
    expect(log).not.toContain('after-42');

    // Its tab says so too, also once another session's pane is the one on screen.
    const other = await term.openLocalShell();
    expect(await term.tabTranscriptStopped(other)).toBeNull();
    expect(await term.tabTranscriptStopped(id)).toMatch(/^logging stopped: the 1 MB limit per session was reached: later output is not recorded/);
    await eventually(() => page.getByTestId('terminal-transcript-stopped').count(), (n) => n === 0);
    await screenshot(page, 'terminal-tab-transcript-stopped');
  });

  it('logged every session to a transcript named by host and timestamp, with ANSI and as plain text', async () => {
    const dir = join(host.dataDir, 'logs', 'node1');
    const files = await eventually(() => readdir(dir).catch(() => [] as string[]), (f) => f.length >= 2);
    const log = files.find((f) => /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-shell\.log$/.test(f));
    const txt = files.find((f) => /-shell\.txt$/.test(f));
    expect(log, files.join(', ')).toBeDefined();
    expect(txt).toBeDefined();
    // Transcripts are flushed as output arrives (held at most ~1 s for redaction across chunks).
    const plain = await eventually(() => readFile(join(dir, txt!), 'utf8'), (t) => t.includes('only-42'));
    expect(plain).toMatch(/^node1$/m);
    expect(plain).not.toContain('\x1b[');
    expect(await readFile(join(dir, log!), 'utf8')).toContain('\x1b[');
  });
});
