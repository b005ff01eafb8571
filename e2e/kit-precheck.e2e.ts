import { mkdtemp, open, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys } from '../scripts/test-support/lab.js';
import { MasterPage } from './pages/master-page.js';
import { RunbookPage } from './pages/runbook-page.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end (issue 22): the site kit in step 5 through Chromium and the built app. The kit is
// built from the lab's repository files (the "office mirror" here) against the lab rootfs' package
// state; on the nodes only the preflight runs (it reads each host's release and architecture). "Ready to leave?" is all
// green; a host that reads as another release (the lab's fault) is the one red item, naming the
// target to add; then one .deb of the kit is changed by a byte: the pre-check shows exactly one red item
// (signatures and hashes) with its fix, Verify names the file and why, and building again (only
// that file is fetched again) turns it green.
const CACHE = process.env.RACKSIDE_LAB_CACHE ?? '/var/cache/rackside-lab';
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let master: MasterPage;
let projectDir: string;
let kitDir: string;

beforeAll(async () => {
  host = await startBrowserHost();
  // The technician confirmed these fingerprints in step 1 (inventory.e2e.ts): the preflight runs here.
  await trustLabHostKeys(host.dataDir, [1, 2, 3, 4]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  wizard = new WizardPage(page);
  master = new MasterPage(page);
  const root = await mkdtemp(join(tmpdir(), 'rs-e2e-kit-'));
  projectDir = join(root, 'p');
  kitDir = join(root, 'kit');
  await wizard.open(host.url);
  await wizard.importInventory((await lab.inventoryText()).path);
  await wizard.waitForRows((rows) => rows.length === 4);
  await wizard.fillProject({ site: 'Lab', customer: 'ACME', technician: 'E2E Tech', dir: projectDir });
  expect((await wizard.save()).kind).toBe('ok');
}, 120_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  for (const i of [1, 2, 3, 4]) await lab.exec(i, 'rm', '-rf', '/var/lib/rackside', '/run/lock/rackside').catch(() => {});
});

async function shot(name: string, what: string) {
  const toggle = page.getByTestId('dock-toggle');
  if ((await toggle.count()) && (await toggle.getAttribute('aria-expanded')) === 'true') await toggle.click();
  await page.locator(`[data-testid="${what}"]`).first().scrollIntoViewIfNeeded();
  await screenshot(page, name);
}

const checks = async () => {
  const items = await page.getByTestId('kit-check').all();
  return Promise.all(items.map(async (i) => ({
    id: (await i.getAttribute('data-check')) ?? '', ok: (await i.getAttribute('data-ok')) === 'true',
    text: await i.getByTestId('kit-check-text').innerText(), fix: (await i.getByTestId('kit-check-fix').count()) ? await i.getByTestId('kit-check-fix').innerText() : '',
  })));
};

/** Clicks `button` and waits for the panel's count of `what` answers to go up. */
async function answer(button: string, what: 'builds' | 'checks' | 'verifies', timeoutMs = 60_000) {
  const panel = page.getByTestId('kit-panel');
  const before = Number(await panel.getAttribute(`data-${what}`));
  await page.getByTestId(button).click();
  await eventually(async () => Number(await panel.getAttribute(`data-${what}`)), (n) => n > before, timeoutMs);
}

async function precheck() {
  await answer('kit-precheck', 'checks');
  return checks();
}

async function build() {
  await answer('kit-build', 'builds', 300_000);
  expect(await page.getByTestId('kit-error').count(), await page.getByTestId('kit-error').innerText().catch(() => '')).toBe(0);
  expect(await page.getByTestId('kit-progress').getAttribute('data-stage')).toBe('done');
}

describe('The site kit: "ready to leave?" (step 5)', () => {
  it('built from the plan, every check green; a changed .deb is the one red item, named with its fix, and building again fixes it', async () => {
    await master.open();
    await page.getByTestId('install-source').selectOption('kit');
    await page.getByTestId('install-kit-dir').fill('kits/relative');
    await expect.poll(async () => (await master.issues()).map((i) => i.code)).toContain('kit-dir-not-absolute');
    await page.getByTestId('install-kit-dir').fill(kitDir);
    expect((await master.savePlan()).saved).toBe(true);
    await page.getByTestId('kit-panel').waitFor();

    await page.getByTestId('kit-source-uri').fill(`file:${join(CACHE, 'repo')}`);
    await page.getByTestId('kit-suite').fill('./');
    await page.getByTestId('kit-trusted').check();
    await page.getByTestId('kit-status-file').fill(join(CACHE, 'rootfs/var/lib/dpkg/status'));
    await page.getByTestId('kit-targets').fill('bookworm-amd64');
    await build();
    expect(await page.getByTestId('kit-progress').innerText()).toMatch(/bookworm-amd64: done — [\d.]+ of [\d.]+ MB/);
    await shot('kit-built-en', 'kit-panel');

    const green = await precheck();
    expect(green.map((c) => c.id)).toEqual(['kit-complete', 'kit-hosts', 'kit-valid', 'inventory-valid', 'credentials', 'profile-complete', 'report-resources', 'disk-free', 'app-version']);
    expect(green.filter((c) => !c.ok), JSON.stringify(green)).toEqual([]);
    expect(await page.getByTestId('kit-checks').locator('h3').innerText()).toContain('Ready to leave');
    // No host read yet: the kit cannot be held against their releases (the install checks on site).
    expect(green.find((c) => c.id === 'kit-hosts')!.text).toContain('(0 of 4 hosts; 4 not read yet');

    // The preflight reads each host's release and architecture; the kit has them (the lab is bookworm on amd64).
    await wizard.step('hardware').click();
    const preflight = new RunbookPage(page, 'preflight');
    await preflight.waitVisible();
    await preflight.run();
    await preflight.waitRunStatus('completed', 120_000);
    await master.open();
    await page.getByTestId('kit-panel').waitFor();
    // The build form kept what was typed while the technician was on another step.
    expect(await page.getByTestId('kit-source-uri').inputValue()).toBe(`file:${join(CACHE, 'repo')}`);
    expect(await page.getByTestId('kit-trusted').isChecked()).toBe(true);
    const read = await precheck();
    expect(read.find((c) => c.id === 'kit-hosts'), JSON.stringify(read)).toMatchObject({ ok: true });
    expect(read.find((c) => c.id === 'kit-hosts')!.text).toContain('(4 of 4 hosts; 0 not read yet');

    // node4 turns out to run another release (its /etc/os-release says trixie; the lab's fault, put
    // back below): the preflight reads it, and the pre-check's one red item names the host and the
    // target to add to the kit.
    try {
      await lab.exec(4, 'sh', '-c', "cp --remove-destination /usr/lib/os-release /etc/os-release && sed -i 's/^VERSION_CODENAME=.*/VERSION_CODENAME=trixie/' /etc/os-release");
      await wizard.step('hardware').click();
      await preflight.waitVisible();
      expect(await preflight.runToEnd(120_000)).not.toBe('running');
      await master.open();
      await page.getByTestId('kit-panel').waitFor();
      const other = await precheck();
      const bad = other.filter((c) => !c.ok);
      expect(bad.map((c) => c.id), JSON.stringify(other)).toEqual(['kit-hosts']);
      expect(bad[0]!.text).toBe('1 host(s) need a target the kit lacks: node4 needs trixie-amd64 (missing: trixie-amd64)');
      expect(bad[0]!.fix).toBe('Fix: Add trixie-amd64 to the kit\'s targets and build the kit again, or check that host\'s OS.');
      await shot('kit-precheck-hosts-red-en', 'kit-checks');
      await wizard.setLanguage('zh-CN');
      await eventually(() => page.getByTestId('kit-check-fix').first().innerText(), (t) => t.startsWith('修复：') && t.includes('trixie-amd64'));
      await shot('kit-precheck-hosts-red-zh-cn', 'kit-checks');
      await wizard.setLanguage('en');
    } finally {
      await lab.exec(4, 'ln', '-sf', '../usr/lib/os-release', '/etc/os-release');
    }
    await wizard.step('hardware').click();
    await preflight.waitVisible();
    await preflight.runToEnd(120_000);
    await master.open();
    await page.getByTestId('kit-panel').waitFor();
    expect((await precheck()).find((c) => c.id === 'kit-hosts'), 'node4 back on bookworm').toMatchObject({ ok: true });

    // One byte of one .deb changed after the build.
    const pool = join(kitDir, 'bookworm-amd64', 'pool');
    const deb = (await readdir(pool)).find((f) => f.endsWith('.deb'))!;
    const fh = await open(join(pool, deb), 'r+');
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, 200);
    b[0] = b[0]! ^ 0xff;
    await fh.write(b, 0, 1, 200);
    await fh.close();

    const red = await precheck();
    const bad = red.filter((c) => !c.ok);
    expect(bad.map((c) => c.id)).toEqual(['kit-valid']);
    expect(bad[0]!.text).toBe(`1 problem(s), first: bookworm-amd64/pool/${deb} (SHA-256 differs from the index (the file was changed))`);
    expect(bad[0]!.fix).toBe('Fix: Verify the kit to see every bad file, then build it again.');
    expect(await page.getByTestId('kit-checks').locator('h3').innerText()).toBe('Not ready: 1 check(s) red');
    await answer('kit-verify', 'verifies');
    const problem = page.getByTestId('kit-problem');
    expect(await problem.count()).toBe(1);
    expect(await problem.first().innerText()).toBe(`bookworm-amd64/pool/${deb}: SHA-256 differs from the index (the file was changed)`);
    await shot('kit-precheck-red-en', 'kit-checks');
    await wizard.setLanguage('zh-CN');
    await eventually(() => page.getByTestId('kit-check-fix').first().innerText(), (t) => t.startsWith('修复：'));
    expect(await page.getByTestId('kit-problem').first().innerText()).toContain('SHA-256 与索引不符');
    await shot('kit-precheck-red-zh-cn', 'kit-checks');
    await wizard.setLanguage('en');

    // The fix: build again. Only the changed file is fetched again (the rest is reused).
    await build();
    expect(await page.getByTestId('kit-progress').innerText()).toMatch(/MB already in the kit/);
    // The verification of the tampered kit is not shown beside the rebuilt one.
    expect(await page.getByTestId('kit-problem').count()).toBe(0);
    const again = await precheck();
    expect(again.filter((c) => !c.ok)).toEqual([]);
    expect(await page.getByTestId('kit-checks').locator('h3').innerText()).toContain('Ready to leave');
    await shot('kit-precheck-green-en', 'kit-checks');
  }, 600_000);
});
