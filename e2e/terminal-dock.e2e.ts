import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { lab, trustLabHostKeys } from '../scripts/test-support/lab.js';
import { RunbookPage } from './pages/runbook-page.js';
import { TerminalPage } from './pages/terminal-page.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end (issue 21, the terminal dock): Chromium → browser host → the step runner and
// TerminalManager on the lab's real sshd. The dock stays out of the way until there is output,
// groups a step run's hosts under one tab, opens a shell from a step pane, and its search, copy,
// paste, font size and theme work on a real shell.
let host: RunningHost;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let wizard: WizardPage;
let runner: RunbookPage;
let term: TerminalPage;
let projectDir: string;
let shell = '';
const hostIds = ['h1', 'h2', 'h3', 'h4'];

/** Where the page, the dock and the document are, to check that the dock never covers or widens the page. */
async function layout() {
  return page.evaluate(() => {
    const main = document.querySelector('.app-main')!.getBoundingClientRect();
    const dock = document.querySelector('[data-testid="terminal-dock"]')!.getBoundingClientRect();
    const body = document.querySelector('[data-testid="dock-body"]')?.getBoundingClientRect();
    return {
      innerWidth: window.innerWidth,
      innerHeight: window.innerHeight,
      scrollWidth: document.documentElement.scrollWidth,
      scrollHeight: document.documentElement.scrollHeight,
      mainTop: main.top,
      mainBottom: main.bottom,
      mainHeight: main.height,
      dockTop: dock.top,
      dockBodyHeight: body?.height ?? 0,
    };
  });
}

/** The page keeps the window's width and its own share of the height, above the dock, never under it. */
async function expectPageUsable() {
  const l = await layout();
  expect(l.scrollWidth, JSON.stringify(l)).toBeLessThanOrEqual(l.innerWidth);
  expect(l.scrollHeight, JSON.stringify(l)).toBeLessThanOrEqual(l.innerHeight);
  expect(l.mainBottom, JSON.stringify(l)).toBeLessThanOrEqual(l.dockTop + 0.5);
  return l;
}

async function shots(name: string) {
  for (const [w, h] of [
    [1440, 900],
    [1280, 720],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await expectPageUsable();
    await screenshot(page, `dock-${name}-${w}x${h}`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

beforeAll(async () => {
  host = await startBrowserHost();
  await trustLabHostKeys(host.dataDir, [1, 2, 3, 4]);
  const status = await lab.status();
  const addresses = status.nodes.slice(0, 4).map((n) => n.address);
  projectDir = join(await mkdtemp(join(tmpdir(), 'rs-e2e-dock-')), 'site-d');
  await mkdir(projectDir, { recursive: true });
  await writeFile(
    join(projectDir, 'project.yaml'),
    stringify({
      version: 1,
      site: 'Lab rack D',
      customer: 'ACME Corp',
      technician: 'E2E Tech',
      hosts: addresses.map((address, i) => ({
        id: hostIds[i],
        name: `node${i + 1}`,
        address,
        port: 22,
        user: 'root',
        role: i === 0 ? 'master' : 'worker',
        auth: { method: 'key', keyPath: status.keyPath },
      })),
    }),
  );
  browser = await launchChromium();
  // Copy and paste go through the system clipboard, as in the app.
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
  page = await context.newPage();
  wizard = new WizardPage(page);
  runner = new RunbookPage(page, 'preflight');
  term = new TerminalPage(page);
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-dock-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  for (const i of [1, 2, 3, 4]) await lab.exec(i, 'rm', '-rf', '/var/lib/rackside', '/run/lock/rackside').catch(() => {});
});

describe('Terminal dock', () => {
  it('is closed until there is output, then opens by itself with the page above it', async () => {
    await wizard.open(host.url);
    expect((await wizard.openProject(projectDir)).kind).toBe('ok');
    expect(await page.getByTestId('dock-toggle').getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByTestId('dock-body').count()).toBe(0);
    await shots('closed');

    await wizard.step('hardware').click();
    await runner.waitVisible();
    await runner.runToEnd();
    await eventually(() => page.getByTestId('dock-toggle').getAttribute('aria-expanded'), (v) => v === 'true');
    const l = await expectPageUsable();
    // At its default height the dock leaves the page more room than it takes.
    expect(l.mainHeight).toBeGreaterThan(l.dockBodyHeight);
  });

  it('shows a step run as one tab with its hosts beside the pane', async () => {
    const runs = await eventually(() => term.runTabs(), (r) => r.length === 1 && r[0]!.state === 'finished');
    expect(runs[0]).toMatchObject({ stepId: 'preflight', hosts: 4 });
    expect(runs[0]!.label).toContain('Preflight');
    // No tab per host: the run's four streams are inside its tab.
    expect(await page.getByTestId('terminal-tab').count()).toBe(0);
    await term.selectTab(`run:${runs[0]!.runId}`);
    const hosts = await term.runHosts();
    expect(hosts.map((h) => h.hostId)).toEqual(hostIds);
    // The run's tab opens on its first host.
    expect(hosts[0]!.current).toBe(true);
    expect(hosts.every((h) => h.state === 'exited')).toBe(true);

    await page.locator('[data-testid="terminal-run-host"][data-host-id="h2"]').click();
    const pane = page.locator('[data-testid="terminal-pane"][data-host-id="h2"]');
    expect(await pane.getByTestId('terminal-pane-title').innerText()).toBe('node2 · Preflight');
    // Its ending names the step by its title in the UI's language, not by its id.
    expect(await pane.getByTestId('terminal-pane-exited').innerText()).toBe('Preflight: all actions done');
    await wizard.setLanguage('zh-CN');
    expect(await pane.getByTestId('terminal-pane-exited').innerText()).toBe('预检：所有操作已完成');
    await wizard.setLanguage('en');
    const id = (await pane.getAttribute('data-session-id'))!;
    expect((await term.runHosts()).find((h) => h.current)?.sessionId).toBe(id);
    await term.waitForLine(id, (l) => l.includes('id -u') || l.length > 0);
    await shots('run');
  });

  it('opens a shell on the host of a step pane in one click', async () => {
    const pane = page.locator('[data-testid="terminal-pane"][data-host-id="h2"]');
    const before = new Set(await term.sessionIds());
    await pane.getByTestId('terminal-takeover').click();
    shell = await eventually(
      async () => (await term.sessionIds('open')).find((s) => !before.has(s)) ?? '',
      (s) => s !== '',
    );
    expect(await term.pane(shell).getAttribute('data-host-id')).toBe('h2');
    expect(await term.pane(shell).getAttribute('data-kind')).toBe('ssh');
    await term.run(shell, 'hostname');
    await term.waitForLine(shell, (l) => l === 'node2');
  });

  it('gives a second run its own tab, and closes finished runs together', async () => {
    await runner.runToEnd();
    const runs = await eventually(() => term.runTabs(), (r) => r.length === 2 && r.every((x) => x.state === 'finished'));
    expect(runs[1]!.label).toContain('#2');
    await page.getByTestId('terminal-close-finished').click();
    await eventually(() => term.runTabs(), (r) => r.length === 0);
    // The shell is not a run: it stays.
    expect(await term.sessionIds()).toEqual([shell]);
  });

  it('search finds text in the scrollback and selects it; copy puts the selection on the clipboard', async () => {
    await term.run(shell, 'echo findme-$((40+2)); echo other-line');
    await term.waitForLine(shell, (l) => l === 'other-line');
    await term.search('findme-42');
    expect(await term.selection(shell)).toBe('findme-42');
    await term.search('no-such-text-anywhere');
    expect(await term.selection(shell)).toBeFalsy();
    await term.search('findme-42', { back: true });
    expect(await term.selection(shell)).toBe('findme-42');
    await page.getByTestId('terminal-copy').click();
    await eventually(() => page.evaluate(() => navigator.clipboard.readText()), (t) => t === 'findme-42');
  });

  it('paste types the clipboard into the shell', async () => {
    await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((6*7))'));
    await term.focus(shell);
    await page.getByTestId('terminal-paste').click();
    await term.focus(shell);
    await page.keyboard.press('Enter');
    await term.waitForLine(shell, (l) => l === 'pasted-42');
  });

  it('font size: A+ and A− change every pane\'s text and its columns, Ctrl+0 resets', async () => {
    const before = await term.size(shell);
    expect(await page.getByTestId('terminal-font-size').innerText()).toBe('13');
    await page.getByTestId('terminal-font-larger').click();
    await page.getByTestId('terminal-font-larger').click();
    expect(await page.getByTestId('terminal-font-size').innerText()).toBe('15');
    expect((await term.look(shell))?.fontSize).toBe(15);
    const larger = await eventually(() => term.size(shell), (s) => s.cols < before.cols);
    expect(larger.rows).toBeLessThanOrEqual(before.rows);
    await page.getByTestId('terminal-font-smaller').click();
    expect((await term.look(shell))?.fontSize).toBe(14);
    await term.focus(shell);
    await page.keyboard.press('Control+0');
    expect(await page.getByTestId('terminal-font-size').innerText()).toBe('13');
    await eventually(() => term.size(shell), (s) => s.cols === before.cols);
  });

  it('themes: the panes follow the system\'s light or dark setting', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await eventually(() => term.look(shell), (l) => l?.background === '#0f1419');
    await screenshot(page, 'dock-theme-dark-1440x900');
    await page.emulateMedia({ colorScheme: 'light' });
    await eventually(() => term.look(shell), (l) => l?.background === '#fbfcfd');
    // A pane opened while dark starts dark.
    await page.emulateMedia({ colorScheme: 'dark' });
    const local = await term.openLocalShell();
    expect((await term.look(local))?.background).toBe('#0f1419');
    await term.closeShell(local);
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('with 26 tabs the page stays as wide as the window; the tabs that do not fit are in a menu', async () => {
    for (let i = 0; i < 25; i++) await page.evaluate(() => window.racksideTerminals!.openShell({ kind: 'local' }));
    const ids = await eventually(() => term.sessionIds(), (s) => s.length === 26);
    for (const [w, h] of [
      [1440, 900],
      [1280, 720],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await expectPageUsable();
      const hidden = await eventually(
        () => page.locator('[data-testid="terminal-tab"][data-overflow="yes"]').count(),
        (n) => n > 0,
      );
      expect(await page.getByTestId('terminal-tabs-more').innerText()).toContain(String(hidden));
    }
    // The first shell is in the row; the last one only in the menu. Choosing it there shows its pane.
    expect(await term.page.locator(`[data-tab-key="${shell}"]`).getAttribute('data-overflow')).toBe('no');
    const last = ids.at(-1)!;
    await page.getByTestId('terminal-tabs-more').click();
    const items = await page.getByTestId('terminal-tabs-menu-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-tab-key')));
    expect(items).toContain(last);
    expect(items).not.toContain(shell);
    await screenshot(page, 'dock-tabs-menu-1280x720');
    await page.locator(`[data-testid="terminal-tabs-menu-item"][data-tab-key="${last}"]`).click();
    await term.pane(last).waitFor();
    expect(await page.getByTestId('terminal-tabs-more').getAttribute('class')).toContain('active');
    await page.setViewportSize({ width: 1440, height: 900 });
    await shots('many-tabs');
    await wizard.setLanguage('zh-CN');
    await shots('many-tabs-zh');
    await wizard.setLanguage('en');
  });

  it('resizes with its handle (keys and drag), never taking the page\'s share', async () => {
    await page.setViewportSize({ width: 1280, height: 720 });
    const start = await layout();
    const handle = page.getByTestId('dock-resize');
    await handle.focus();
    for (let i = 0; i < 30; i++) await handle.press('ArrowUp');
    const tall = await expectPageUsable();
    expect(tall.dockBodyHeight).toBeGreaterThan(start.dockBodyHeight);
    // The largest dock leaves the page its 480 px (header, stepper with its next-step bar, status bar and ~250 px of the step).
    expect(tall.dockBodyHeight).toBeLessThanOrEqual(tall.innerHeight - 480 + 1);
    expect(tall.mainHeight).toBeGreaterThanOrEqual(200);
    await handle.press('Home');
    expect((await layout()).dockBodyHeight).toBeCloseTo(start.dockBodyHeight, 0);

    const box = (await handle.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 + 60, { steps: 4 });
    await page.mouse.up();
    const dragged = await expectPageUsable();
    expect(dragged.dockBodyHeight).toBeLessThan(start.dockBodyHeight - 30);
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('speaks Chinese: the run tab, its host list and the take-over button', async () => {
    // Only the run and one shell, so the screenshots show the run's tab in the row.
    for (const id of (await term.sessionIds()).filter((s) => s !== shell)) await page.evaluate((sid) => window.racksideTerminals!.close(sid), id);
    await eventually(() => term.sessionIds(), (s) => s.length === 1);
    await wizard.setLanguage('zh-CN');
    await runner.runToEnd();
    const runs = await eventually(() => term.runTabs(), (r) => r.length === 1 && r[0]!.state === 'finished');
    await term.selectTab(`run:${runs[0]!.runId}`);
    expect(runs[0]!.label).toMatch(/运行/);
    expect(runs[0]!.label).toMatch(/4 台主机/);
    const pane = page.locator('[data-testid="terminal-pane"][data-kind="step"]').first();
    expect(await pane.getByTestId('terminal-takeover').innerText()).toBe('在此主机上打开终端');
    expect(await pane.getByTestId('terminal-pane-title').innerText()).toMatch(/^node\d · 预检$/);
    expect(await page.getByTestId('terminal-close-finished').innerText()).toBe('关闭已结束的运行');
    await shots('run-zh');
    await wizard.setLanguage('en');
  });
});
