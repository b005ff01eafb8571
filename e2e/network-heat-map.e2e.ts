import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MatrixCell, MatrixView } from '../electron/contract/index.js';
import { WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: Debian's Chromium → browser host (built app), step 3's node-to-node matrix at 100
// hosts: a heat map with a drill-down instead of 9,900 text cells; the text table stays for small
// clusters.
//
// SYNTHETIC DATA, named as such: the matrix reply is replaced at the WebSocket (Playwright's
// routeWebSocket; every other frame passes through to the real backend). A real 100-node network
// check would need 100 lab nodes measuring 9,900 pairs, and this test is about drawing one, not
// measuring it (network.e2e.ts runs the real check on the lab's nodes). The cells have the shape
// of a real run's (4 lab nodes: 10 pings, DF ping of 1472 bytes, ports 22/6443/10250, notes with
// their codes); node7 → node42 is unreachable and node42 loses 20 % towards everyone.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let dir: string;
let fakeMatrix: MatrixView | null = null;

function matrixOf(n: number): MatrixView {
  const hosts = Array.from({ length: n }, (_, i) => ({ hostId: `h${i + 1}`, name: `node${i + 1}`, address: `10.9.0.${i + 1}` }));
  const cells: MatrixCell[] = [];
  for (const from of hosts) {
    for (const to of hosts) {
      if (from === to) continue;
      const cell: MatrixCell = {
        from: from.hostId, to: to.hostId, status: 'ok', sent: 10, received: 10, lossPct: 0,
        rttAvgMs: 0.2 + ((Number(from.hostId.slice(1)) * 7 + Number(to.hostId.slice(1))) % 9) / 10, rttMaxMs: 1.4,
        mtuPayload: 1472, mtuOk: true, ports: { '22': 'open', '6443': 'open', '10250': 'open' }, notes: [], noteTexts: [],
      };
      if (from.hostId === 'h7' && to.hostId === 'h42') {
        Object.assign(cell, { status: 'blocking', received: 0, lossPct: 100, rttAvgMs: undefined, rttMaxMs: undefined, mtuOk: undefined, ports: { '22': 'filtered' },
          notes: ['unreachable', 'port 22 filtered'], noteTexts: [{ code: 'unreachable', params: {} }, { code: 'port-filtered', params: { port: 22 } }] });
      } else if (from.hostId === 'h42') {
        Object.assign(cell, { status: 'warning', received: 8, lossPct: 20, notes: ['loss 20 %'], noteTexts: [{ code: 'loss', params: { pct: 20 } }] });
      }
      cells.push(cell);
    }
  }
  return { runId: `synthetic-${n}`, finishedAt: '2026-12-06T22:00:00.000Z', hosts, cells, clocks: hosts.map((h) => ({ hostId: h.hostId, offsetS: 0.01, ntp: 'chrony synced', source: 'chrony', synced: true })) };
}

/** A page whose `network.matrix` replies are `fakeMatrix` (the seam); every other frame passes through. */
async function newPage(): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  // The seam: requests pass to the backend; the reply to `network.matrix` is the synthetic one.
  await p.routeWebSocket(/./, (ws) => {
    const server = ws.connectToServer();
    const matrixIds = new Set<number>();
    ws.onMessage((m) => {
      if (typeof m === 'string') {
        const f = JSON.parse(m) as { kind?: string; id?: number; channel?: string };
        if (f.kind === 'req' && f.channel === 'network.matrix' && typeof f.id === 'number') matrixIds.add(f.id);
      }
      server.send(m);
    });
    server.onMessage((m) => {
      if (typeof m === 'string') {
        const f = JSON.parse(m) as { kind?: string; id?: number };
        if (f.kind === 'res' && typeof f.id === 'number' && matrixIds.delete(f.id)) {
          ws.send(JSON.stringify({ kind: 'res', id: f.id, result: { ok: true, value: { matrix: fakeMatrix } } }));
          return;
        }
      }
      ws.send(m);
    });
  });
  return p;
}

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await newPage();
  wizard = new WizardPage(page);
  dir = await mkdtemp(join(tmpdir(), 'rs-e2e-heat-'));
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

const POLL = { timeout: 15_000 };

/** A saved project of `n` hosts (never contacted), then step 3. */
async function openNetworkStep(n: number) {
  await wizard.open(host.url);
  const csv = join(dir, `hosts-${n}.csv`);
  await writeFile(csv, ['name,address,role', ...Array.from({ length: n }, (_, i) => `node${i + 1},10.9.0.${i + 1},${i === 0 ? 'master' : 'worker'}`)].join('\n') + '\n');
  await wizard.importInventory(csv);
  await expect.poll(() => page.getByTestId('host-table').getAttribute('aria-rowcount'), POLL).toBe(String(n + 1));
  await page.getByTestId('project-site').fill('heat');
  await page.getByTestId('project-dir').fill(await mkdtemp(join(dir, 'project-')));
  await page.getByTestId('project-save').click();
  await page.getByTestId('project-message').waitFor();
  await wizard.step('network').click();
}

describe('the node-to-node matrix at 100 hosts', () => {
  it('is a heat map with counts and a legend, not 9,900 text cells', async () => {
    fakeMatrix = matrixOf(100);
    await openNetworkStep(100);
    const map = page.getByTestId('matrix-heat-map');
    await map.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('network-matrix').count()).toBe(0);
    expect(await page.getByTestId('matrix-cell').count()).toBe(0);
    expect(await page.getByTestId('matrix-heat-summary').innerText()).toBe('100 hosts, 9900 pairs: 1 blocking, 99 warnings, 0 not measured.');
    const legend = Object.fromEntries(await page.getByTestId('matrix-heat-legend').evaluateAll((els) => els.map((e) => [e.getAttribute('data-kind'), Number(e.getAttribute('data-count'))])));
    expect(legend).toEqual({ fast: 9800, ok: 0, slow: 0, warning: 99, blocking: 1, unknown: 0 });
    // The problem list leads with the blocking pair.
    expect(await page.getByTestId('matrix-heat-problem').first().innerText()).toContain('node7 → node42: blocking');
    // The map fits the window: no sideways scrolling at 1440×900.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
    await page.getByTestId('network-matrix-panel').scrollIntoViewIfNeeded();
    await screenshot(page, 'network-heat-map-100-en');
  });

  it('a click on a square shows that pair; the keyboard and the problem list reach pairs too', async () => {
    const canvas = page.getByTestId('matrix-heat-canvas');
    const size = Number(await canvas.getAttribute('data-cell-size'));
    // Row node7 (index 6), column node42 (index 41).
    await canvas.click({ position: { x: 41 * size + size / 2, y: 6 * size + size / 2 } });
    const pair = page.getByTestId('matrix-pair');
    await expect.poll(() => pair.getAttribute('data-from'), POLL).toBe('h7');
    expect(await pair.getAttribute('data-to')).toBe('h42');
    expect(await pair.getAttribute('data-status')).toBe('blocking');
    expect(await page.getByTestId('matrix-pair-notes').innerText()).toContain('unreachable');
    expect(await page.getByTestId('matrix-pair-notes').innerText()).toContain('22:filtered');
    await screenshot(page, 'network-heat-map-100-pair');

    // From the blocking pair's square: down one row, Enter → node8 → node42.
    await canvas.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => pair.getAttribute('data-from'), POLL).toBe('h8');
    expect(await pair.getAttribute('data-to')).toBe('h42');
    expect(await page.getByTestId('matrix-pair-status').innerText()).toBe('ok, ≤ 1 ms');

    await page.getByTestId('matrix-heat-problem').nth(1).click();
    await expect.poll(() => pair.getAttribute('data-from'), POLL).toBe('h42');
    expect(await page.getByTestId('matrix-pair-loss').innerText()).toBe('20 % loss');
  });

  it('in Chinese', async () => {
    await wizard.setLanguage('zh-CN');
    await expect.poll(() => page.getByTestId('matrix-heat-summary').innerText(), POLL).toBe('100 台主机，9900 对：1 个阻断，99 个警告，0 个未测量。');
    expect(await page.getByTestId('matrix-pair-status').innerText()).toBe('警告');
    await page.getByTestId('network-matrix-panel').scrollIntoViewIfNeeded();
    await screenshot(page, 'network-heat-map-100-zh-CN');
    await wizard.setLanguage('en');
  });

  it('a 4-host matrix stays a text table', async () => {
    fakeMatrix = matrixOf(4);
    await page.close();
    page = await newPage();
    wizard = new WizardPage(page);
    await openNetworkStep(4);
    await page.getByTestId('network-matrix').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('matrix-cell').count()).toBe(12);
    expect(await page.getByTestId('matrix-heat-map').count()).toBe(0);
  });
});
