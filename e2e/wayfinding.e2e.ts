import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab } from '../scripts/test-support/lab.js';
import { HardwarePage } from './pages/hardware-page.js';
import { NetworkPage } from './pages/network-page.js';
import { RunbookPage } from './pages/runbook-page.js';
import { WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';
import { setUpLabProject } from './support/lab-project.js';

// End to end: the wizard guides on the 4-node lab — step states, Next, summaries, grouped findings.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let hardware: HardwarePage;
let preflight: RunbookPage;
let projectDir: string;

const stepState = (id: string) => page.getByTestId(`step-${id}`).getAttribute('data-state');

/** Both sizes the issue names, in the language shown now. */
async function shots(name: string) {
  // The terminal dock is another item's; closed, the step itself shows.
  const dock = page.getByTestId('dock-toggle');
  if ((await dock.getAttribute('aria-expanded')) === 'true') await dock.click();
  for (const [w, h] of [
    [1440, 900],
    [1280, 720],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await screenshot(page, `${name}-${w}x${h}`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  wizard = new WizardPage(page);
  hardware = new HardwarePage(page);
  preflight = new RunbookPage(page, 'preflight');
  projectDir = join(await mkdtemp(join(tmpdir(), 'rs-e2e-way-')), 'p');
  await setUpLabProject(wizard, host.url, { site: 'Lab', customer: 'ACME', technician: 'E2E Tech', dir: projectDir });
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('Wayfinding', () => {
  it('the stepper shows each step state and what the next step needs; Next opens the next step', async () => {
    await expect.poll(() => stepState('inventory')).toBe('passed');
    expect(await stepState('hardware')).toBe('not-started');
    const needs = page.getByTestId('wayfinding-needs');
    expect(await needs.innerText()).toMatch(/Next: Hardware checks\. It needs a saved project with hosts/);
    expect(await needs.getAttribute('data-met')).toBe('yes');
    await page.getByTestId('wayfinding-next').click();
    await hardware.runner.waitVisible();
    expect(await page.getByTestId('step-hardware').getAttribute('aria-current')).toBe('step');
    expect(await page.getByTestId('wayfinding-state').getAttribute('data-state')).toBe('not-started');
    expect(await hardware.runner.summary()).toMatchObject({ kind: 'not-run' });
  });

  it('a step leads with a summary; findings group by kind across hosts with one waiver for the group, recorded per host', async () => {
    expect(await hardware.chooseProfile('production')).toBe('not-asked');
    expect(await preflight.runToEnd()).toBe('completed');
    expect(await hardware.runner.runToEnd()).toBe('completed');
    await expect.poll(() => stepState('hardware')).toBe('blocking');

    const groups = await hardware.runner.groups();
    const ram = groups.find((g) => g.code === 'memory.size')!;
    expect(ram).toMatchObject({ severity: 'blocking', hosts: 4, open: 4 });
    // One sentence for the kind: the hosts as a range and the value every lab node measured.
    expect(ram.title).toMatch(/^node1–node4: \d+\.\d GiB RAM, the production profile needs 256\.0 GiB/);
    // The four hosts are one click away, not four list items on screen.
    expect(await hardware.runner.finding('memory.size', (await hardware.runner.findings()).find((f) => f.code === 'memory.size')!.hostId).isVisible()).toBe(false);
    const blocking = (await hardware.runner.findings()).filter((f) => f.severity === 'blocking');
    const summary = await hardware.runner.summary();
    expect(summary).toMatchObject({ kind: 'blocking', blocking: blocking.length, hosts: new Set(blocking.map((f) => f.hostId)).size, kinds: new Set(blocking.map((f) => f.code)).size });
    expect(summary.text).toMatch(new RegExp(`^${blocking.length} blocking findings? on ${summary.hosts} hosts? — ${summary.kinds} kinds?`));
    await shots('way-hardware-grouped-en');

    await hardware.runner.expandGroup('memory.size');
    expect(await hardware.runner.group('memory.size').getByTestId('finding').count()).toBe(4);
    for (const item of await hardware.runner.group('memory.size').getByTestId('finding').all()) expect(await item.isVisible()).toBe(true);

    await hardware.runner.group('memory.size').getByTestId('finding-group-waive').click();
    const dialog = page.getByTestId('waiver-dialog');
    await dialog.waitFor();
    // The project's technician, prefilled.
    expect(await dialog.getByTestId('waiver-technician').inputValue()).toBe('E2E Tech');
    expect(await dialog.getByTestId('waiver-scope').innerText()).toMatch(/one waiver per host for 4 hosts/);
    await dialog.getByTestId('waiver-reason').fill('Pilot cluster: customer accepts the lab RAM');
    await shots('way-group-waiver-dialog-en');
    await dialog.getByTestId('waiver-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(async () => (await hardware.runner.findings()).filter((f) => f.code === 'memory.size' && f.waived).length).toBe(4);

    const journal = (await readFile(join(projectDir, 'journal.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const waivers = journal.filter((e) => e.type === 'waiver');
    expect(waivers.map((e) => e.key).sort()).toEqual(blocking.filter((f) => f.code === 'memory.size').map((f) => `memory.size@${f.hostId}`).sort());
    expect(waivers.every((e) => e.technician === 'E2E Tech' && e.reason === 'Pilot cluster: customer accepts the lab RAM')).toBe(true);

    // The waiver's time in the UI's language, not the journal's ISO string.
    const waivedText = await hardware.runner.group('memory.size').getByTestId('finding-waiver').first().innerText();
    expect(waivedText).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(waivedText).toMatch(/E2E Tech: Pilot cluster/);
    if (blocking.every((f) => f.code === 'memory.size')) await expect.poll(() => stepState('hardware')).toBe('passed-waivers');
  });

  it('per-host progress with the action running, elapsed time and an ETA from the earlier run; the dry run says what ran', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { __etas: string[] };
      w.__etas = [];
      new MutationObserver((muts) => {
        for (const m of muts) {
          const el = m.target as Element;
          if (el.getAttribute?.('data-testid') === 'host-progress') w.__etas.push(el.getAttribute('data-eta') ?? '');
          if (m.type === 'childList')
            m.addedNodes.forEach((n) => n instanceof Element && n.querySelectorAll('[data-testid="host-progress"]').forEach((e) => w.__etas.push(e.getAttribute('data-eta') ?? '')));
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-eta', 'data-done'] });
    });
    expect(await hardware.runner.runToEnd()).toBe('completed');
    const etas = await page.evaluate(() => (window as unknown as { __etas: string[] }).__etas);
    // A second run of the same actions: every host had an estimate while it ran.
    expect(etas.some((e) => e !== '' && Number(e) > 0)).toBe(true);
    expect(etas).not.toContain('');
    const rows = await hardware.runner.root.getByTestId('host-progress').all();
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(await r.getAttribute('data-done')).toBe(await r.getAttribute('data-total'));
      expect(await r.getByTestId('host-progress-time').innerText()).toMatch(/^elapsed \d+ (s|min)/);
    }

    await hardware.runner.root.getByTestId('runbook-preview').click();
    const note = hardware.runner.root.getByTestId('plan-note');
    await expect.poll(() => note.getAttribute('data-kind')).toBe('after-run');
    expect(await note.innerText()).not.toMatch(/Nothing has run/);
    expect(await note.innerText()).toMatch(/Last run: Completed\. (\d+) of \1 actions done, 0 left/);
    const statuses = await hardware.runner.root.getByTestId('plan-action').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 'done' || s === 'already-done')).toBe(true);
  });

  it('a step opens at its top', async () => {
    const main = page.locator('.app-main');
    await main.evaluate((m) => m.scrollTo({ top: m.scrollHeight }));
    expect(await main.evaluate((m) => m.scrollTop)).toBeGreaterThan(300);
    await wizard.step('network').click();
    await page.getByTestId('network-step').waitFor();
    expect(await main.evaluate((m) => m.scrollTop)).toBe(0);
    await wizard.step('hardware').click();
    await hardware.runner.waitVisible();
    expect(await main.evaluate((m) => m.scrollTop)).toBe(0);
  });

  it('in 中文: states, summary, groups and waiver times in Chinese, at both sizes', async () => {
    await wizard.setLanguage('zh-CN');
    await expect.poll(() => page.getByTestId('wayfinding-state').innerText()).toMatch(/第 2 步，共 8 步/);
    expect(await page.getByTestId('wayfinding-needs').innerText()).toMatch(/下一步：/);
    expect(await hardware.runner.group('memory.size').getByTestId('finding-group-title').innerText()).toMatch(/^node1–node4：内存/);
    const waived = await hardware.runner.group('memory.size').getByTestId('finding-waiver').first().innerText();
    expect(waived).toMatch(/由 E2E Tech 豁免/);
    expect(waived).toMatch(/\d{4}年\d{1,2}月\d{1,2}日/);
    expect(await page.evaluate(() => document.body.innerText)).not.toMatch(/\{\{/);
    await shots('way-hardware-zh');
    await hardware.runner.root.getByTestId('run-progress').scrollIntoViewIfNeeded();
    await shots('way-hardware-progress-zh');
    await wizard.setLanguage('en');
    await hardware.runner.root.getByTestId('run-progress').scrollIntoViewIfNeeded();
    await shots('way-hardware-progress-en');
  });

  it('network plan: empty is not valid; prefilled from the interfaces read; an address another node holds is flagged; apply only for a saved plan, stating the rollback timer', async () => {
    const net = new NetworkPage(page);
    const addr = (await lab.status()).nodes.slice(0, 4).map((n) => n.address);
    await net.open();
    expect(await page.getByTestId('network-plan-empty').isVisible()).toBe(true);
    expect(await page.getByTestId('network-plan-valid').count()).toBe(0);

    await net.readInterfaces();
    for (const [i, a] of addr.entries()) {
      const row = net.planRow(a);
      await expect.poll(() => row.getByTestId('plan-address').inputValue()).toBe(a);
      expect(await row.getByTestId('plan-name').inputValue()).toBe('eth0');
      expect(await row.getByTestId('plan-prefix').inputValue()).toBe('24');
      expect(await row.getByTestId('plan-hostname').inputValue()).toBe(`node${i + 1}`);
    }
    await expect.poll(() => net.issues()).toEqual([]);
    expect(await page.getByTestId('network-plan-valid').isVisible()).toBe(true);
    // Valid but not saved: nothing to apply yet.
    for (const b of await net.addressingButtons().all()) {
      expect(await b.isDisabled()).toBe(true);
      expect(await b.getAttribute('title')).toMatch(/Save the plan first/);
    }

    // node1 holds a second address now (not in the inventory, not in the plan): planning it for node2 is flagged.
    const second = addr[0]!.replace(/\.\d+$/, '.200');
    await lab.exec(1, 'ip', 'addr', 'add', `${second}/24`, 'dev', 'eth0');
    try {
      await net.readInterfaces();
      await net.setHost(addr[1]!, { address: second });
      await expect.poll(async () => (await net.issues()).map((i) => i.code), { timeout: 15_000 }).toEqual(['address-held']);
      expect((await net.issues())[0]!.text).toBe(`node2: ${second} is held now by node1; applying it would put two nodes on one address.`);
      for (const b of await net.addressingButtons().all()) expect(await b.isDisabled()).toBe(true);
      await shots('way-network-held-en');
    } finally {
      await lab.exec(1, 'ip', 'addr', 'del', `${second}/24`, 'dev', 'eth0');
    }
    await net.setHost(addr[1]!, { address: addr[1]! });
    await expect.poll(() => net.issues()).toEqual([]);

    expect((await net.savePlan()).saved).toBe(true);
    const first = net.addressingButtons().first();
    await expect.poll(() => first.isDisabled()).toBe(false);
    await first.click();
    const dialog = page.getByTestId('addressing-dialog');
    await dialog.waitFor();
    expect(await dialog.getByTestId('addressing-rollback').innerText()).toMatch(/^Rollback timer: 60 s\. .*within 60 seconds/);
    await shots('way-network-apply-dialog-en');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });

    await wizard.setLanguage('zh-CN');
    await first.click();
    expect(await page.getByTestId('addressing-rollback').innerText()).toMatch(/^回滚计时器：60 秒/);
    await shots('way-network-apply-dialog-zh');
    await page.getByTestId('addressing-dialog').getByRole('button', { name: '取消' }).click();
    await shots('way-network-zh');
    await wizard.setLanguage('en');
  });

  it('at 1440x900 no table of the hardware or network step scrolls sideways', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    const wide = () =>
      page.evaluate(() =>
        Array.from(document.querySelectorAll('.app-main .table-scroll, .app-main table'))
          .filter((e) => e.scrollWidth > e.clientWidth + 1)
          .map((e) => `${e.className || e.tagName}: ${e.scrollWidth} > ${e.clientWidth}`),
      );
    await wizard.step('hardware').click();
    await hardware.runner.waitVisible();
    expect(await wide()).toEqual([]);
    await wizard.step('network').click();
    await page.getByTestId('network-step').waitFor();
    expect(await wide()).toEqual([]);
  });
});
