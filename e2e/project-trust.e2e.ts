import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NetworkPage } from './pages/network-page.js';
import { ReportPage } from './pages/report-page.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';
import { setUpLabProject } from './support/lab-project.js';

// End to end (issue 15): a broken project.yaml is never written over, plan validation names its
// field in both languages, and sign-off names outlive the Report step and a reload.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let projectDir: string;
let top: string;
let zhPortsLabel: string;

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  wizard = new WizardPage(page);
  const zh = JSON.parse(await readFile(join(import.meta.dirname, '../renderer/src/i18n/zh-CN.json'), 'utf8')) as { network: { plan: { ports: string } } };
  zhPortsLabel = zh.network.plan.ports;
  top = await mkdtemp(join(tmpdir(), 'rs-e2e-trust-'));
  projectDir = join(top, 'good');
  await setUpLabProject(wizard, host.url, { site: 'Lab', customer: 'ACME', technician: 'E2E Tech', dir: projectDir });
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('Trust', () => {
  it('a project.yaml that fails to open is not written: Save is off; "keep" leaves it, "replace" keeps it as .broken-<time>', async () => {
    const brokenDir = join(top, 'broken');
    const brokenPath = join(brokenDir, 'project.yaml');
    const broken = 'version: 1\nsite: "hand edited by the technician\nhosts: [\n';
    await mkdir(brokenDir);
    await writeFile(brokenPath, broken);

    expect((await wizard.openProject(brokenDir)).kind).toBe('error');
    const panel = page.getByTestId('project-broken');
    await panel.waitFor();
    expect(await page.getByTestId('project-save').isDisabled()).toBe(true);
    await screenshot(page, 'trust-broken-project');

    await page.getByTestId('project-broken-keep').click();
    await page.getByTestId('project-broken-kept').waitFor();
    expect(await page.getByTestId('project-save').isDisabled()).toBe(true);
    expect(await readFile(brokenPath, 'utf8')).toBe(broken);
    expect(await readdir(brokenDir)).toEqual(['project.yaml']);

    // Still broken when opened again: this time the technician replaces it.
    expect((await wizard.openProject(brokenDir)).kind).toBe('error');
    await page.getByTestId('project-broken-replace').click();
    await eventually(() => page.getByTestId('project-message').getAttribute('data-kind'), (k) => k === 'ok');
    await eventually(() => page.getByTestId('project-broken').count(), (n) => n === 0);
    const files = (await readdir(brokenDir)).sort();
    expect(files[0]).toBe('project.yaml');
    expect(files[1]).toMatch(/^project\.yaml\.broken-/);
    expect(files).toHaveLength(2);
    expect(await readFile(join(brokenDir, files[1]!), 'utf8')).toBe(broken);
    const written = parse(await readFile(brokenPath, 'utf8')) as { revision: number; site: string; hosts: unknown[] };
    expect(written).toMatchObject({ revision: 1, site: 'Lab' });
    expect(written.hosts).toHaveLength(4);
    expect(await page.getByTestId('project-save').isDisabled()).toBe(false);
  });

  it('a port list "22;id" names the field and the problem in both languages, never {{message}}', async () => {
    expect((await wizard.openProject(projectDir)).kind).toBe('ok');
    const net = new NetworkPage(page);
    await net.open();
    await net.setCluster({ ports: '22;id' });
    const en = await eventually(() => net.issues(), (list) => list.some((i) => i.code === 'schema-number'));
    expect(en.find((i) => i.code === 'schema-number')?.text).toBe('Required TCP ports, entry 1: must be a number');
    for (const i of en) expect(i.text).not.toContain('{{');
    await wizard.setLanguage('zh-CN');
    const zh = await eventually(() => net.issues(), (list) => list.some((i) => i.code === 'schema-number' && i.text.includes('必须是数字')));
    expect(zh.find((i) => i.code === 'schema-number')?.text).toBe(`${zhPortsLabel}，第 1 项：必须是数字`);
    for (const i of zh) expect(i.text).not.toContain('{{');
    await screenshot(page, 'trust-port-list-zh');
    await wizard.setLanguage('en');
    await net.setCluster({ ports: '22' });
  });

  it('sign-off names survive leaving the Report step and a reload', async () => {
    const report = new ReportPage(page);
    await report.open();
    await report.fillSignOff({ technician: 'Zhang Wei', customerRepresentative: 'Ms. Customer' });
    await wizard.step('inventory').click();
    await report.open();
    expect(await page.getByTestId('report-technician').inputValue()).toBe('Zhang Wei');
    expect(await page.getByTestId('report-customer-rep').inputValue()).toBe('Ms. Customer');

    await page.reload();
    await wizard.waitConnected();
    expect((await wizard.openProject(projectDir)).kind).toBe('ok');
    await report.open();
    expect(await page.getByTestId('report-technician').inputValue()).toBe('Zhang Wei');
    expect(await page.getByTestId('report-customer-rep').inputValue()).toBe('Ms. Customer');
  });
});
