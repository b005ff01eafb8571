import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hardwareRequests } from '../../../contract/channels/hardware.js';
import type { HardwareFacts, Host, Project } from '../../../contract/index.js';
import { createHardwareHandlers } from '../../api/hardware-handlers.js';
import { factsFromOutput } from './collect.js';
import { evaluateHardware } from './evaluate.js';
import { defaultBuiltinProfilesDir, loadProfiles, parseBytes, parseProfileFile, parseSpeedMbps, ProfileLibrary } from './profile-files.js';
import { createHardwareStep } from './step.js';

const GiB = 1024 ** 3;
const GB = 1000 ** 3;
const BUILTIN = defaultBuiltinProfilesDir();
const production = readFileSync(join(BUILTIN, 'production.yaml'), 'utf8');

let company: string;
beforeEach(() => {
  company = mkdtempSync(join(tmpdir(), 'rs-profiles-'));
});
afterEach(() => rmSync(company, { recursive: true, force: true }));

/** production.yaml with one line replaced: the line number of a field is that of the built-in file. */
function productionWith(from: RegExp, to: string): { text: string; line: number } {
  const lines = production.split('\n');
  const i = lines.findIndex((l) => from.test(l));
  if (i < 0) throw new Error(`no line matches ${from}`);
  lines[i] = lines[i]!.replace(from, to);
  return { text: lines.join('\n'), line: i + 1 };
}

describe('built-in profile files (resources/profiles)', () => {
  it('hold the thresholds the app had as constants, production as the field asks (RAID 10 disks, 10 GbE, redundant PSUs)', () => {
    const { profiles, errors } = loadProfiles({ builtin: BUILTIN });
    expect(errors).toEqual([]);
    const byId = Object.fromEntries(profiles.map((p) => [p.id, p]));
    expect(Object.keys(byId).sort()).toEqual(['default', 'lab', 'production']);
    expect(byId.default).toMatchObject({
      label: { en: 'Default', 'zh-CN': '默认' },
      source: 'built-in',
      includeLoopDisks: false,
      roles: {
        master: { cores: 4, threads: 4, memoryBytes: 16 * GiB, ecc: false, largestDiskBytes: 100 * GB, raidDisks: 0, nicSpeedMbps: 0, minPsus: 0 },
        worker: { cores: 2, threads: 2, memoryBytes: 8 * GiB, ecc: false, largestDiskBytes: 100 * GB, raidDisks: 0, nicSpeedMbps: 0, minPsus: 0 },
      },
    });
    const prod = { cores: 32, threads: 64, memoryBytes: 256 * GiB, ecc: true, largestDiskBytes: 100 * GB, raidDisks: 4, nicSpeedMbps: 10_000, minPsus: 2 };
    expect(byId.production).toMatchObject({ label: { en: 'Production', 'zh-CN': '生产' }, includeLoopDisks: false, roles: { master: prod, worker: prod } });
    const lab = { cores: 1, threads: 1, memoryBytes: 1 * GiB, ecc: false, largestDiskBytes: 200 * 1000 ** 2, raidDisks: 0, nicSpeedMbps: 0, minPsus: 0 };
    expect(byId.lab).toMatchObject({ label: { en: 'Lab', 'zh-CN': '实验室' }, includeLoopDisks: true, roles: { master: lab, worker: lab } });
    expect(byId.lab!.file).toBe(join(BUILTIN, 'lab.yaml'));
  });
});

describe('units', () => {
  it('sizes: decimal and binary units, a bare number is bytes', () => {
    expect(parseBytes('256 GiB')).toBe(256 * GiB);
    expect(parseBytes('100 GB')).toBe(100 * GB);
    expect(parseBytes('200MB')).toBe(200e6);
    expect(parseBytes('1.5 TiB')).toBe(1.5 * 1024 ** 4);
    expect(parseBytes('512 kib')).toBe(512 * 1024);
    expect(parseBytes(4096)).toBe(4096);
    expect(parseBytes('256 GiB RAM')).toBeUndefined();
    expect(parseBytes('lots')).toBeUndefined();
    expect(parseBytes(-1)).toBeUndefined();
  });

  it('speeds: Gb/s, Mb/s, GbE; a bare number is Mb/s', () => {
    expect(parseSpeedMbps('10 Gb/s')).toBe(10_000);
    expect(parseSpeedMbps('25 GbE')).toBe(25_000);
    expect(parseSpeedMbps('1000 Mb/s')).toBe(1000);
    expect(parseSpeedMbps('2.5 Gbit/s')).toBe(2500);
    expect(parseSpeedMbps(0)).toBe(0);
    expect(parseSpeedMbps('10 GB')).toBeUndefined();
  });
});

describe('a broken profile file names file, line and field', () => {
  it('a value that is not a size', () => {
    const { text, line } = productionWith(/memory: 256 GiB/, 'memory: plenty');
    const r = parseProfileFile(text, '/x/acme.yaml', 'company');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ file: '/x/acme.yaml', line, field: 'roles.master.memory', code: 'field', params: { problem: 'size' } });
    expect(r.error.message).toBe(`/x/acme.yaml line ${line}: field "roles.master.memory": must be a size such as "256 GiB" or "100 GB"`);
  });

  it('a misspelt field is named on its own line; a missing one on its block', () => {
    const typo = productionWith(/^ {4}minPsus: 2$/, '    minPSUs: 2');
    expect(parseProfileFile(typo.text, '/x/acme.yaml', 'company')).toMatchObject({
      ok: false,
      error: { field: 'roles.master.minPSUs', line: typo.line, params: { problem: 'unknown-field' }, message: `/x/acme.yaml line ${typo.line}: field "roles.master.minPSUs": not a profile field (check the spelling)` },
    });

    const unknown = productionWith(/^ {4}ecc: true$/, '    ecc: true\n    gpus: 4');
    const u = parseProfileFile(unknown.text, '/x/acme.yaml', 'company');
    expect(u.ok ? null : u.error).toMatchObject({ field: 'roles.master.gpus', line: unknown.line + 1, params: { problem: 'unknown-field' } });

    const missing = parseProfileFile(production.replace(/^ {2}en: Production\n/m, ''), '/x/acme.yaml', 'company');
    const labelLine = production.split('\n').findIndex((l) => l.startsWith('  zh-CN:'));
    // "label" lost its "en": the label block (now starting at the zh-CN line) is where it is missing.
    expect(missing.ok ? null : missing.error).toMatchObject({ field: 'label.en', line: labelLine, params: { problem: 'missing' } });
  });

  it('a wrong type, and YAML that does not parse', () => {
    const { text, line } = productionWith(/ecc: true/, 'ecc: "yes"');
    expect(parseProfileFile(text, '/x/a.yaml', 'company')).toMatchObject({ ok: false, error: { field: 'roles.master.ecc', line, params: { problem: 'not-boolean' } } });
    const broken = productionWith(/^ {4}cores: 32$/, '    cores: [32');
    const r = parseProfileFile(broken.text, '/x/a.yaml', 'company');
    expect(r.ok ? null : r.error).toMatchObject({ file: '/x/a.yaml', code: 'yaml', field: 'file' });
    expect(r.ok ? 0 : r.error.line).toBeGreaterThanOrEqual(broken.line);
  });

  it('numbers: whole and not negative; a speed that is not one says "speed"', () => {
    for (const [from, to, problem] of [
      [/^ {4}cores: 32$/, '    cores: 1.5', 'negative'],
      [/^ {4}cores: 32$/, '    cores: -4', 'negative'],
      [/^ {4}nicSpeed: 10 Gb\/s$/, '    nicSpeed: true', 'speed'],
      [/^ {4}largestDisk: 100 GB$/, '    largestDisk: [1]', 'size'],
    ] as const) {
      const { text, line } = productionWith(from, to);
      expect(parseProfileFile(text, '/x/a.yaml', 'company')).toMatchObject({ ok: false, error: { line, params: { problem } } });
    }
  });

  it('no custom tags and no alias bombs', () => {
    const tagged = productionWith(/cores: 32/, 'cores: !!js/function "return 1"');
    expect(parseProfileFile(tagged.text, '/x/a.yaml', 'company')).toMatchObject({ ok: false, error: { code: 'yaml', line: tagged.line } });
    const bomb = ['a: &a [1, 1, 1, 1, 1, 1, 1, 1]', ...Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(parseProfileFile(bomb, '/x/a.yaml', 'company')).toMatchObject({ ok: false, error: { code: 'yaml' } });
  });

  it('a file name that is not a profile id', () => {
    expect(parseProfileFile(production, '/x/Acme GPU.yaml', 'company')).toMatchObject({ ok: false, error: { code: 'file-name', params: { name: 'Acme GPU.yaml' } } });
  });
});

describe("a company's own profiles (the data folder's profiles/)", () => {
  it('a file adds a profile, a broken one is skipped and listed, the others load', () => {
    writeFileSync(join(company, 'acme-gpu.yaml'), productionWith(/en: Production/, 'en: ACME GPU nodes').text.replace('zh-CN: 生产', 'zh-CN: ACME GPU 节点'));
    const bad = productionWith(/nicSpeed: 10 Gb\/s/, 'nicSpeed: fast');
    writeFileSync(join(company, 'acme-broken.yaml'), bad.text);
    writeFileSync(join(company, 'notes.txt'), 'not a profile');
    const { profiles, errors } = loadProfiles({ builtin: BUILTIN, company });
    expect(profiles.map((p) => [p.id, p.source])).toEqual([['default', 'built-in'], ['lab', 'built-in'], ['production', 'built-in'], ['acme-gpu', 'company']]);
    expect(profiles[3]).toMatchObject({ label: { en: 'ACME GPU nodes', 'zh-CN': 'ACME GPU 节点' }, file: join(company, 'acme-gpu.yaml'), roles: { worker: { nicSpeedMbps: 10_000 } } });
    expect(errors).toEqual([
      expect.objectContaining({ file: join(company, 'acme-broken.yaml'), line: bad.line, field: 'roles.master.nicSpeed', code: 'field', params: expect.objectContaining({ problem: 'speed' }) }),
    ]);
  });

  it('may not replace a built-in profile', () => {
    writeFileSync(join(company, 'production.yaml'), productionWith(/memory: 256 GiB/, 'memory: 1 GiB').text);
    const { profiles, errors } = loadProfiles({ builtin: BUILTIN, company });
    expect(profiles.find((p) => p.id === 'production')).toMatchObject({ source: 'built-in', roles: { master: { memoryBytes: 256 * GiB } } });
    expect(errors).toEqual([expect.objectContaining({ code: 'duplicate-id', params: expect.objectContaining({ id: 'production', other: join(BUILTIN, 'production.yaml') }) })]);
    expect(errors[0]!.message).toContain('give this file another name');
  });

  it('the hardware.profiles channel answers what the contract says, errors included', async () => {
    writeFileSync(join(company, 'acme-broken.yaml'), productionWith(/cores: 32/, 'cores: many').text);
    const handlers = createHardwareHandlers({ profiles: new ProfileLibrary({ builtin: BUILTIN, company }) });
    const r = await handlers['hardware.profiles']({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(hardwareRequests['hardware.profiles'].response.parse(r.value)).toEqual(r.value);
    expect(r.value.profiles.map((p) => p.id)).toEqual(['default', 'lab', 'production']);
    expect(r.value.errors).toEqual([expect.objectContaining({ field: 'roles.master.cores', params: expect.objectContaining({ problem: 'not-number' }) })]);
    expect(r.value.companyDir).toBe(company);
  });

  it('is read again on each use: a file that appears later counts without a restart', () => {
    const library = new ProfileLibrary({ builtin: BUILTIN, company: join(company, 'profiles') });
    expect(library.get('acme')).toBeUndefined();
    mkdirSync(join(company, 'profiles'));
    copyFileSync(join(BUILTIN, 'lab.yaml'), join(company, 'profiles', 'acme.yaml'));
    expect(library.get('acme')).toMatchObject({ id: 'acme', source: 'company', includeLoopDisks: true });
  });
});

describe('the Hardware step with loaded profiles', () => {
  const hosts: Host[] = [{ id: 'h1', name: 'srv1', address: '10.0.0.5', port: 22, user: 'root', role: 'worker', auth: { method: 'password' } }];
  const project = (hardwareProfile: string): Project => ({ version: 1, site: '', customer: '', technician: '', hosts, hardwareProfile });
  const node2 = (): HardwareFacts => ({ ...factsFromOutput('h1', readFileSync(join(import.meta.dirname, 'fixtures', 'lab-node2-collect.txt'), 'utf8'), { includeLoopDisks: true }, true), hostId: 'h1' });

  it('production: fewer than four equal spare disks, or one power supply where the host reports them, blocks', () => {
    const prod = loadProfiles({ builtin: BUILTIN }).profiles.find((p) => p.id === 'production')!;
    const f = node2();
    f.disks = [0, 1, 2].map((i) => ({ ...f.disks[0]!, name: `sd${i}`, path: `/dev/sd${i}`, sizeBytes: 960 * GB, mounted: false }));
    f.bmc = { psuCount: 1, psuFailed: 0, sensorsNotOk: [] };
    const found = evaluateHardware(hosts, [f], prod);
    expect(found.find((x) => x.code === 'disk.raid')).toMatchObject({ severity: 'blocking', threshold: '≥ 4', compare: { measured: 3, threshold: 4 } });
    expect(found.find((x) => x.code === 'bmc.psu')).toMatchObject({ severity: 'blocking', measured: '1', threshold: '≥ 2' });
    // Four equal disks and two healthy power supplies pass those two checks; no BMC: nothing to hold the host to.
    f.disks.push({ ...f.disks[0]!, name: 'sd3', path: '/dev/sd3' });
    f.bmc = { psuCount: 2, psuFailed: 0, sensorsNotOk: [] };
    expect(evaluateHardware(hosts, [f], prod).filter((x) => x.code === 'disk.raid' || x.code === 'bmc.psu')).toEqual([]);
    f.bmc = null;
    expect(evaluateHardware(hosts, [f], prod).filter((x) => x.code === 'bmc.psu')).toEqual([]);
  });

  it("a company profile is applied by id; a project naming a profile no file defines gets a blocking finding, not a crash", () => {
    writeFileSync(join(company, 'acme-small.yaml'), productionWith(/memory: 256 GiB/g, 'memory: 1 GiB').text.replace(/memory: 256 GiB/g, 'memory: 1 GiB'));
    const step = createHardwareStep(new ProfileLibrary({ builtin: BUILTIN, company }));
    expect(step.profile!(project('acme-small'))).toMatchObject({ id: 'acme-small', thresholds: { includeLoopDisks: false, worker: { memoryBytes: 1 * GiB, cores: 32 } } });
    const results = new Map([['h1', new Map([['collect', { status: 'done' as const, exitCode: 0, stdout: readFileSync(join(import.meta.dirname, 'fixtures', 'lab-node2-collect.txt'), 'utf8') }]])]]);
    const withCompany = step.evaluate(results, project('acme-small'));
    expect(withCompany.some((x) => x.code === 'cpu.cores' && x.message.includes('the acme-small profile needs 32'))).toBe(true);
    expect(withCompany.some((x) => x.code === 'memory.size')).toBe(false);

    const gone = step.evaluate(results, project('acme-retired'));
    expect(gone).toEqual([
      expect.objectContaining({ severity: 'blocking', code: 'profile.unknown', params: { profile: 'acme-retired', known: 'default, lab, production, acme-small' } }),
    ]);
    expect(step.profile!(project('acme-retired'))).toEqual({ id: 'acme-retired', thresholds: {} });
  });
});
