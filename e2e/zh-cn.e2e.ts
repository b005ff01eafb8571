import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab } from '../scripts/test-support/lab.js';
import { HardwarePage } from './pages/hardware-page.js';
import { NetworkPage } from './pages/network-page.js';
import { ReportPage } from './pages/report-page.js';
import { STEP_IDS, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end in 中文: a technician who reads Chinese first goes through every step on the 4-node
// lab and meets no English sentence (names, addresses, fingerprints and command output aside).
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let hardware: HardwarePage;
let net: NetworkPage;
let report: ReportPage;

/** Three or more English words in a row: a sentence or phrase left untranslated. */
const ENGLISH_RUN = /[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}/g;
/**
 * Words that stay as they are in Chinese text: the product, commands and tools a technician types
 * or installs, and the lab's own names. Removed before looking for English runs.
 */
const ALLOWED = [
  /\bRackside\b/g, /\bnpm (?:start|run verify)\b/g, /\b(?:util-linux|iproute2|smartmontools|ipmitool|ethtool|dmidecode|smartctl|lscpu|sudo|sshd|ssh)\b/g,
  /\bLabServer R\d+\b/g, /\bLabVendor\b/g, /\bIntel\(R\) Xeon\(R\) Processor\b/g, /\bE2E Tech\b/g, /\bACME\b/g,
];

/**
 * The visible text of the window, element by element: not the terminal dock (live command
 * output), not <pre>/<code>, and not the inventory's names, addresses and fingerprints.
 */
async function visibleTexts(): Promise<string[]> {
  return page.evaluate(() => {
    const skip = 'pre, code, [data-testid="terminal-dock"], [data-testid="host-hostname"], [data-testid="host-fingerprint"], [data-testid="host-os"], [data-testid="host-kernel"], option:not(:checked)';
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      const text = (n.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (!el || !text || el.closest(skip)) continue;
      if (!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)) continue;
      out.push(text);
    }
    // Placeholders and titles a technician reads too.
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('[placeholder], button[title], [aria-label]'))) {
      if (el.closest(skip) || !(el.offsetWidth || el.offsetHeight)) continue;
      const v = el.getAttribute('placeholder') ?? el.getAttribute('title') ?? '';
      if (v.trim()) out.push(v.trim());
    }
    return out;
  });
}

/** English runs on screen now, each with where it was seen. */
async function english(where: string, names: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const t of await visibleTexts()) {
    let rest = t;
    for (const n of names) rest = rest.split(n).join(' ');
    for (const a of ALLOWED) rest = rest.replace(a, ' ');
    for (const m of rest.matchAll(ENGLISH_RUN)) found.push(`${where}: "${m[0]}" in "${t.slice(0, 160)}"`);
  }
  return found;
}

let names: string[] = [];
const found: string[] = [];

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  wizard = new WizardPage(page);
  hardware = new HardwarePage(page);
  net = new NetworkPage(page);
  report = new ReportPage(page);
  names = (await lab.status()).nodes.slice(0, 4).flatMap((n) => [n.address]);
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('the whole wizard in Simplified Chinese', () => {
  it('inventory and connection test: switched to 中文 in the status bar, no English sentence', async () => {
    await wizard.open(host.url);
    await wizard.setLanguage('en');
    // The collector does see English when there is some: the same window in English is full of it.
    expect((await english('en', names)).length).toBeGreaterThan(0);
    await wizard.setLanguage('zh-CN');
    await expect.poll(() => wizard.step('inventory').innerText()).toContain('项目与清单');
    await wizard.importInventory((await lab.inventoryText()).path);
    await wizard.testConnections();
    await wizard.waitForRows((rows) => rows.length === 4 && rows.every((r) => r.status === 'hostkey-unknown'));
    found.push(...(await english('inventory, first contact', names)));
    await wizard.trustAllShownFingerprints();
    await wizard.waitForRows((rows) => rows.every((r) => r.status === 'ok'));
    await wizard.fillProject({ site: '上海', customer: 'ACME', technician: 'E2E Tech', dir: join(await mkdtemp(join(tmpdir(), 'rs-e2e-zh-')), 'p') });
    expect((await wizard.save()).kind).toBe('ok');
    found.push(...(await english('inventory, saved', names)));
    await screenshot(page, 'zh-cn-inventory');
  });

  it('hardware with the production profile: blocking findings in Chinese', async () => {
    await hardware.open();
    await hardware.chooseProfile('production');
    expect(await hardware.runner.runToEnd()).toBe('completed');
    found.push(...(await english('hardware', names)));
    const findings = await hardware.runner.findings();
    expect(findings.some((f) => f.code === 'memory.size' && f.severity === 'blocking')).toBe(true);
    expect(findings.find((f) => f.code === 'memory.size')!.text).toMatch(/内存 .*GiB，production 配置档要求/);
    await screenshot(page, 'zh-cn-hardware');
  });

  it('network: plan saved and the node-to-node check run', async () => {
    await net.open();
    await net.setCluster({ domain: 'zh.lab' });
    expect((await net.savePlan()).saved).toBe(true);
    expect(await net.run(net.checkRunner)).toBe('completed');
    found.push(...(await english('network', names)));
    await screenshot(page, 'zh-cn-network');
  });

  it('every other step and the report', async () => {
    for (const id of STEP_IDS.filter((s) => !['inventory', 'hardware', 'network'].includes(s))) {
      await wizard.step(id).click();
      await expect.poll(() => wizard.step(id).getAttribute('aria-current')).toBeTruthy();
      found.push(...(await english(id, names)));
    }
    await report.open();
    found.push(...(await english('report', names)));
    // The report itself, previewed in Chinese: its words, findings and not-collected reasons.
    await report.chooseLanguage('zh-CN');
    await report.preview();
    // Commands (the audit trail), serials and addresses are not words to translate.
    const preview = await report.previewFrame().locator('body').evaluate((body) => {
      const out: string[] = [];
      const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.parentElement?.closest('pre, code, .cmd, .mono')) continue;
        const text = (n.textContent ?? '').replace(/\s+/g, ' ').trim();
        if (text) out.push(text);
      }
      return out;
    });
    for (const t of preview) {
      let rest = t;
      for (const n of names) rest = rest.split(n).join(' ');
      for (const a of ALLOWED) rest = rest.replace(a, ' ');
      for (const m of rest.matchAll(ENGLISH_RUN)) found.push(`report preview: "${m[0]}" in "${t.slice(0, 160)}"`);
    }
    await screenshot(page, 'zh-cn-report');
  });

  it('found no English sentence on any screen', () => {
    console.log(found.length ? `English on screen:\n${found.join('\n')}` : 'no English on screen');
    expect([...new Set(found)]).toEqual([]);
  });
});
