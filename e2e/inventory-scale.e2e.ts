import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HardwarePage } from './pages/hardware-page.js';
import { WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: Debian's Chromium → browser host (built app). A 1000-host inventory (the supported
// maximum) is windowed: only the rows in view are in the DOM, the table still says how many rows
// it has, and keyboard focus walks past the rendered rows; the network plan's table likewise. No
// host is contacted, except by the last test: a step run on 100 hosts that all fail at once (no
// password entered, closed ports on this machine), whose per-host progress table is windowed the same way.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let dir: string;

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  wizard = new WizardPage(page);
  dir = await mkdtemp(join(tmpdir(), 'rs-e2e-scale-'));
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

async function csv(name: string, n: number): Promise<string> {
  const rows = Array.from({ length: n }, (_, i) => `n${i + 1},10.9.${i >> 8}.${i & 255},${i === 0 ? 'master' : 'worker'}`);
  const path = join(dir, name);
  await writeFile(path, ['name,address,role', ...rows].join('\n') + '\n');
  return path;
}

/** Polls wait longer than vitest's 1 s default: the machine running these is shared and slow. */
const POLL = { timeout: 15_000 };

const rowIndexes = () => wizard.rows().evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('aria-rowindex'))));

describe('a 1000-host inventory', () => {
  it('renders only the rows in view, with the table size and each row position for screen readers', async () => {
    await wizard.open(host.url);
    await wizard.importInventory(await csv('thousand.csv', 1000));
    const table = page.getByTestId('host-table');
    await expect.poll(() => table.getAttribute('aria-rowcount'), { timeout: 30_000 }).toBe('1001');
    await expect.poll(() => wizard.rows().count(), POLL).toBeGreaterThan(5);
    const first = await rowIndexes();
    expect(first.length).toBeLessThan(60);
    expect(first[0]).toBe(2);
    // Consecutive rows: the header is row 1, host n is row n + 1.
    expect(first).toEqual(first.map((_, k) => 2 + k));
    expect(await wizard.rows().first().getByTestId('host-name').inputValue()).toBe('n1');

    // The scrollbar covers all 1000 rows: scrolled to the end, the last host is rendered.
    const scroller = page.getByTestId('host-table-scroll');
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(async () => (await rowIndexes()).at(-1), POLL).toBe(1001);
    expect(await wizard.rows().count()).toBeLessThan(60);
    expect(await wizard.rows().last().getByTestId('host-name').inputValue()).toBe('n1000');
    // The page itself does not grow with the list.
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThan(3000);
    await screenshot(page, 'inventory-1000-end');

    // Edited in the middle, the value is kept when its row scrolls away and back.
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await expect.poll(async () => (await rowIndexes())[0] ?? 0, POLL).toBeGreaterThan(300);
    const midIndex = Number(await wizard.rows().nth(10).getAttribute('aria-rowindex'));
    const mid = page.locator(`tr[aria-rowindex="${midIndex}"]`);
    await mid.getByTestId('host-name').fill('edited-host');
    expect(await mid.getByTestId('host-name').inputValue()).toBe('edited-host');
    // Focus leaves the row first: a focused row stays rendered (next test).
    await mid.getByTestId('host-name').blur();
    const at = await scroller.evaluate((el) => el.scrollTop);
    await scroller.evaluate((el) => (el.scrollTop = 0));
    await expect.poll(async () => (await rowIndexes())[0], POLL).toBe(2);
    expect(await mid.count()).toBe(0);
    await scroller.evaluate((el, top) => (el.scrollTop = top), at);
    await expect.poll(() => mid.count(), POLL).toBe(1);
    expect(await mid.getByTestId('host-name').inputValue()).toBe('edited-host');
    expect(await mid.getByTestId('host-address').inputValue()).toBe(`10.9.${(midIndex - 2) >> 8}.${(midIndex - 2) & 255}`);
  });

  it('the row holding focus stays rendered while scrolled out of view: typing still reaches it', async () => {
    const scroller = page.getByTestId('host-table-scroll');
    await scroller.evaluate((el) => (el.scrollTop = 0));
    await expect.poll(async () => (await rowIndexes())[0], POLL).toBe(2);
    const first = page.locator('tr[aria-rowindex="2"]');
    const length = () => scroller.evaluate((el) => el.scrollHeight);
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight * 0.75));
    await expect.poll(async () => (await rowIndexes())[0] ?? 0, POLL).toBeGreaterThan(500);
    const unpinned = await length();
    await scroller.evaluate((el) => (el.scrollTop = 0));
    await expect.poll(async () => (await rowIndexes())[0], POLL).toBe(2);
    await first.getByTestId('host-name').click();
    await first.getByTestId('host-name').press('End');
    // Scrolled far away (with the wheel or the scrollbar, focus does not move).
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight * 0.75));
    await expect.poll(async () => (await rowIndexes()).filter((i) => i !== 2)[0] ?? 0, POLL).toBeGreaterThan(500);
    expect(await first.count()).toBe(1);
    // Rows around the window are still stood in for by padding: the scrollbar's length is unchanged.
    expect(Math.abs((await length()) - unpinned)).toBeLessThanOrEqual(2);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Row 1 Name');
    await page.keyboard.type('-typed');
    expect(await first.getByTestId('host-name').inputValue()).toBe('n1-typed');
    // (Typing made Chromium scroll the input back into view, as it does for any focused field.)
    // Focus gone elsewhere, the row leaves the DOM like any other out of view.
    await first.getByTestId('host-name').blur();
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight * 0.75));
    await expect.poll(() => first.count(), POLL).toBe(0);
    await scroller.evaluate((el) => (el.scrollTop = 0));
    await expect.poll(() => first.getByTestId('host-name').inputValue(), POLL).toBe('n1-typed');
  });

  it('Tab from the last rendered row moves into the next host, rendered as focus reaches it', async () => {
    const scroller = page.getByTestId('host-table-scroll');
    await scroller.evaluate((el) => (el.scrollTop = 0));
    await expect.poll(async () => (await rowIndexes())[0], POLL).toBe(2);
    const last = (await rowIndexes()).at(-1)!;
    await page.locator(`tr[aria-rowindex="${last}"]`).getByTestId('remove-host').focus();
    // Focus scrolled that row into view: the window follows, rendering the rows after it.
    await expect.poll(async () => (await rowIndexes()).at(-1)!, POLL).toBeGreaterThan(last);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    expect(focused).toBe(`Row ${last} Name`);
  });

  it('the network plan\'s table is windowed the same way: rows in view only, the row holding focus kept while scrolled away', async () => {
    await wizard.step('network').click();
    const plan = page.getByTestId('network-plan');
    await plan.waitFor();
    const rows = plan.getByTestId('plan-host');
    const indexes = () => rows.evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('aria-rowindex'))));
    expect(await plan.locator('table').getAttribute('aria-rowcount')).toBe('1001');
    await expect.poll(() => rows.count(), POLL).toBeGreaterThan(5);
    expect(await rows.count()).toBeLessThan(60);
    expect((await indexes())[0]).toBe(2);
    const scroller = page.getByTestId('plan-scroll');
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(async () => (await indexes()).at(-1), POLL).toBe(1001);
    expect(await rows.count()).toBeLessThan(60);
    // Typing into row 1's hostname, then scrolled far away: the row stays, the typing lands.
    await scroller.evaluate((el) => (el.scrollTop = 0));
    await expect.poll(async () => (await indexes())[0], POLL).toBe(2);
    const first = plan.locator('tr[aria-rowindex="2"]');
    await first.getByTestId('plan-hostname').fill('node-a');
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight * 0.75));
    await expect.poll(async () => (await indexes()).filter((i) => i !== 2)[0] ?? 0, POLL).toBeGreaterThan(500);
    expect(await first.count()).toBe(1);
    await page.keyboard.type('1');
    expect(await first.getByTestId('plan-hostname').inputValue()).toBe('node-a1');
    await screenshot(page, 'network-plan-1000');
  });
});

describe('a step run on 100 hosts', () => {
  it('shows the per-host progress windowed (100 hosts, those in view rendered, the last reached by scrolling); a host never reached is retried alone', async () => {
    // A page of its own: a new inventory, a project folder, nothing left from the 1000 hosts above.
    const own = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const w = new WizardPage(own);
    try {
      // Hosts that fail at once: no password entered (and nothing listens on their ports), so the
      // run ends in seconds with every host failed before its first action.
      const rows = Array.from({ length: 100 }, (_, i) => `h${i + 1},127.0.0.1,${41001 + i},root,${i === 0 ? 'master' : 'worker'}`);
      const path = join(dir, 'hundred-refusing.csv');
      await writeFile(path, ['name,address,port,user,role', ...rows].join('\n') + '\n');
      await w.open(host.url);
      await w.setLanguage('en');
      await w.importInventory(path);
      await expect.poll(() => own.getByTestId('host-table').getAttribute('aria-rowcount'), { timeout: 30_000 }).toBe('101');
      await w.fillProject({ site: 'Scale', customer: 'ACME', technician: 'E2E Tech', dir: join(dir, 'hundred') });
      expect((await w.save()).kind).toBe('ok');
      const hardware = new HardwarePage(own);
      await hardware.open();
      expect(await hardware.runner.runToEnd(180_000)).toBe('failed');

      const table = own.getByTestId('run-hosts');
      expect(await table.getAttribute('aria-rowcount')).toBe('101');
      expect(await table.getAttribute('data-windowed')).toBe('true');
      const shown = table.getByTestId('run-host');
      const indexes = () => shown.evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('aria-rowindex'))));
      await expect.poll(() => shown.count(), POLL).toBeGreaterThan(2);
      expect(await shown.count()).toBeLessThan(60);
      expect((await indexes())[0]).toBe(2);
      const scroller = own.getByTestId('run-hosts-scroll');
      await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
      await expect.poll(async () => (await indexes()).at(-1), POLL).toBe(101);
      expect(await shown.count()).toBeLessThan(60);
      const last = table.locator('tr[aria-rowindex="101"]');
      expect(await last.getAttribute('data-status')).toBe('failed');
      expect(await last.getAttribute('data-address')).toBe('127.0.0.1');
      // A host that was never reached can be retried alone; the row holding focus (its Retry)
      // stays rendered when scrolled away.
      const lastId = (await last.getAttribute('data-host-id'))!;
      await last.getByTestId('host-retry').focus();
      await scroller.evaluate((el) => (el.scrollTop = 0));
      await expect.poll(async () => (await indexes())[0], POLL).toBe(2);
      expect(await last.count()).toBe(1);
      const stops = async () =>
        (await readFile(join(dir, 'hundred', 'journal.ndjson'), 'utf8')).split('\n').filter((l) => l.includes('"host-stopped"') && l.includes(`"hostId":"${lastId}"`)).length;
      expect(await stops()).toBe(1);
      await own.keyboard.press('Enter');
      // Retried alone: that host was tried (and failed) once more, no other host was.
      await expect.poll(stops, POLL).toBe(2);
      await hardware.runner.waitRunStatus('failed');
      const allStops = (await readFile(join(dir, 'hundred', 'journal.ndjson'), 'utf8')).split('\n').filter((l) => l.includes('"host-stopped"')).length;
      expect(allStops).toBe(101);
      // The dry run's 100 hosts start closed: their commands are rendered when opened, one at a time.
      const plan = own.getByTestId('plan-host');
      expect(await plan.count()).toBe(100);
      expect(await own.getByTestId('plan-action').count()).toBe(0);
      await plan.first().locator('summary').click();
      await expect.poll(() => own.getByTestId('plan-action').count(), POLL).toBeGreaterThan(0);
      await screenshot(own, 'run-100-hosts');
    } finally {
      await own.close();
    }
  }, 300_000);
});
