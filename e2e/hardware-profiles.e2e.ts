import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HardwarePage } from './pages/hardware-page.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';
import { setUpLabProject } from './support/lab-project.js';

// End to end: a company's own hardware profile, dropped as a YAML file into the running host's
// data folder, is offered and applied by the Hardware step without a rebuild or restart.
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let hardware: HardwarePage;
let projectDir: string;

const root = join(import.meta.dirname, '..');

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  wizard = new WizardPage(page);
  hardware = new HardwarePage(page);
  projectDir = join(await mkdtemp(join(tmpdir(), 'rs-e2e-profiles-')), 'p');
  await setUpLabProject(wizard, host.url, { site: 'Lab', customer: 'ACME', technician: 'E2E Tech', dir: projectDir });
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('Hardware profiles from files', () => {
  it('a company profile file dropped into the data folder is offered and applied without a restart; a broken one is named with file, line and field', async () => {
    await hardware.open();
    expect(await eventually(() => hardware.profileOptions(), (o) => o.length > 0)).toEqual([
      { id: 'default', label: 'Default' },
      { id: 'lab', label: 'Lab' },
      { id: 'production', label: 'Production' },
    ]);
    expect(await hardware.profileErrors()).toEqual([]);

    // The company's files: the lab's thresholds under its own name, and one with a typo'd size.
    const lab = await readFile(join(root, 'resources', 'profiles', 'lab.yaml'), 'utf8');
    const company = join(host.dataDir, 'profiles');
    await mkdir(company, { recursive: true });
    await writeFile(join(company, 'acme-racks.yaml'), lab.replace('en: Lab', 'en: ACME lab racks').replace('zh-CN: 实验室', 'zh-CN: ACME 实验机架'));
    const brokenLines = lab.replace('en: Lab', 'en: Broken').split('\n');
    const memoryLine = brokenLines.findIndex((l) => l.trim() === 'memory: 1 GiB');
    brokenLines[memoryLine] = '    memory: 1 GiB RAM';
    await writeFile(join(company, 'acme-broken.yaml'), brokenLines.join('\n'));

    await hardware.reloadProfiles();
    const options = await eventually(() => hardware.profileOptions(), (o) => o.length === 4);
    expect(options[3]).toEqual({ id: 'acme-racks', label: 'ACME lab racks' });
    const errors = await hardware.profileErrors();
    expect(errors).toEqual([
      {
        file: join(company, 'acme-broken.yaml'),
        code: 'field',
        text: `${join(company, 'acme-broken.yaml')}, line ${memoryLine + 1}, field "roles.master.memory": must be a size such as "256 GiB" or "100 GB"`,
      },
    ]);
    await screenshot(page, 'hardware-company-profile-error');

    // The same in Chinese: the label from the file, the error from the locale file.
    await wizard.setLanguage('zh-CN');
    await expect.poll(async () => (await hardware.profileOptions())[3]?.label).toBe('ACME 实验机架');
    expect((await hardware.profileErrors())[0]!.text).toBe(`${join(company, 'acme-broken.yaml')}，第 ${memoryLine + 1} 行，字段“roles.master.memory”：必须是容量，例如“256 GiB”或“100 GB”`);
    await screenshot(page, 'hardware-company-profile-zh-CN');
    await wizard.setLanguage('en');

    // A company profile is not the lab profile: no lab-node confirmation, just saved.
    expect(await hardware.chooseProfile('acme-racks')).toBe('not-asked');
    expect(await page.getByTestId('hardware-profile-source').innerText()).toContain(join(company, 'acme-racks.yaml'));
    expect(await page.getByTestId('hardware-profile-summary').innerText()).toContain('Workers: 1 core / 1 thread, 1 GiB memory, largest disk 200 MB');
    expect(await readFile(join(projectDir, 'project.yaml'), 'utf8')).toMatch(/^hardwareProfile: acme-racks$/m);

    expect(await hardware.runner.runToEnd()).toBe('completed');
    expect((await hardware.runner.findings()).filter((f) => f.severity === 'blocking')).toEqual([]);
    await expect.poll(() => hardware.runner.root.getByTestId('step-passed').isVisible()).toBe(true);
    const journal = (await readFile(join(projectDir, 'journal.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const started = journal.filter((e) => e.type === 'run-started' && e.stepId === 'hardware');
    expect(started.map((e) => e.profile)).toEqual([
      expect.objectContaining({ id: 'acme-racks', thresholds: expect.objectContaining({ includeLoopDisks: true, worker: expect.objectContaining({ memoryBytes: 1024 ** 3 }) }) }),
    ]);
    await screenshot(page, 'hardware-company-profile-run');
  });

  it('a project whose profile file is gone says so, and the run blocks with a finding instead of failing', async () => {
    await rm(join(host.dataDir, 'profiles', 'acme-racks.yaml'));
    await hardware.reloadProfiles();
    await expect.poll(() => page.getByTestId('hardware-profile-unknown').isVisible()).toBe(true);
    expect(await page.getByTestId('hardware-profile-unknown').innerText()).toContain('"acme-racks"');
    expect(await hardware.runner.runToEnd()).toBe('completed');
    const findings = await hardware.runner.findings();
    expect(findings.filter((f) => f.severity === 'blocking').map((f) => f.code)).toEqual(['profile.unknown']);
  });
});
