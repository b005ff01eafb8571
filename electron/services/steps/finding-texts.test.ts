import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findingTextKey, UNKNOWN_REASON_CODES, type HardwareFacts, type Host, type Project } from '../../contract/index.js';
import { factsFromOutput } from './hardware/collect.js';
import { evaluateHardware } from './hardware/evaluate.js';
import { parseIpmiSdr } from './hardware/parsers.js';
import { defaultBuiltinProfilesDir, loadProfiles } from './hardware/profile-files.js';
import { networkCheckStep } from './network/check-step.js';
import { FINDING_CODES, isDeclaredFindingCode } from './finding-codes.js';
import { DEFAULT_STEPS } from './registry.js';
import type { ActionResult, Finding, StepResults } from '../runbook/step-module.js';
import { preflightStep } from './preflight/step.js';
import { STORAGE_EXIT, storageStep } from './storage/index.js';
import { storagePlanSchema } from '../../contract/index.js';

/**
 * Every finding a step module can emit is worded in resources/findings in English and Simplified
 * Chinese, from its code and params: the app's screens and the report read these two files.
 */
const ROOT = join(import.meta.dirname, '..', '..', '..');
type Tree = { [k: string]: string | Tree };
const LANGS = ['en', 'zh-CN'] as const;
const texts = Object.fromEntries(LANGS.map((l) => [l, JSON.parse(readFileSync(join(ROOT, 'resources', 'findings', `${l}.json`), 'utf8')) as Tree])) as Record<(typeof LANGS)[number], Tree>;
const lookup = (t: Tree, key: string): unknown => key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Tree)[k] : undefined), t);
const placeholders = (s: string) => [...s.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)].map((m) => m[1]!);
const leaves = (t: Tree, at = ''): [string, string][] =>
  Object.entries(t).flatMap(([k, v]) => (typeof v === 'string' ? [[`${at}${k}`, v] as [string, string]] : leaves(v, `${at}${k}.`)));

/** What is wrong with how `f` would be shown in each language; empty: it reads fully translated. */
function problems(stepId: string, f: Finding): string[] {
  const out: string[] = [];
  if (!isDeclaredFindingCode(stepId, f.code)) out.push(`${stepId}: ${f.code} is emitted but not declared in finding-codes.ts`);
  const key = findingTextKey(f.code, f.params);
  for (const lang of LANGS) {
    for (const part of ['message', 'remediation'] as const) {
      const s = lookup(texts[lang], `${key}.${part}`);
      if (typeof s !== 'string') {
        out.push(`${lang}: findings.${key}.${part} missing (code ${f.code})`);
        continue;
      }
      const unfilled = placeholders(s).filter((p) => f.params?.[p] === undefined);
      if (unfilled.length) out.push(`${lang}: findings.${key}.${part} has {{${unfilled.join('}}, {{')}}} that ${f.code}'s params do not fill`);
    }
  }
  return out;
}

describe('finding texts (resources/findings)', () => {
  it('English and Chinese have the same keys and placeholders, none empty, the Chinese in Chinese', () => {
    const en = new Map(leaves(texts.en));
    const zh = new Map(leaves(texts['zh-CN']));
    expect([...zh.keys()].filter((k) => !en.has(k))).toEqual([]);
    expect([...en.keys()].filter((k) => !zh.has(k))).toEqual([]);
    for (const [k, v] of en) {
      expect(v.trim(), k).not.toBe('');
      expect(placeholders(zh.get(k)!).sort(), k).toEqual(placeholders(v).sort());
      // A text with words in it (not only placeholders and names) is worded in Chinese.
      if (/[a-z]{2,} [a-z]{2,}/i.test(v.replace(/\{\{[^}]*\}\}/g, ''))) expect(zh.get(k), k).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('every step module declares its codes, and every declared code has a message and remediation in both languages', () => {
    expect(DEFAULT_STEPS.map((m) => m.id).filter((id) => !FINDING_CODES[id])).toEqual([]);
    const missing: string[] = [];
    for (const codes of Object.values(FINDING_CODES)) {
      for (const code of codes) {
        const keys = code === 'unknown.*' ? UNKNOWN_REASON_CODES.map((r) => `unknown.${r}`) : [code];
        // A fact not collected also has its bare reason, for the report's hardware table.
        for (const key of keys) for (const lang of LANGS) for (const part of ['message', 'remediation', ...(code === 'unknown.*' ? ['reason'] : [])]) {
          if (typeof lookup(texts[lang], `${key}.${part}`) !== 'string') missing.push(`${lang}: ${key}.${part}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('what the step modules emit is declared and fully worded in both languages', () => {
  const profiles = loadProfiles({ builtin: defaultBuiltinProfilesDir() }).profiles;
  const profile = (id: string) => profiles.find((p) => p.id === id)!;
  const fx = (name: string) => readFileSync(join(ROOT, 'electron', 'services', 'steps', 'hardware', 'fixtures', name), 'utf8');
  const hosts: Host[] = [1, 2, 3, 4, 5, 6].map((i) => ({ id: `h${i}`, name: `node${i}`, address: `198.18.0.${10 + i}`, port: 22, user: 'root', role: i === 1 ? 'master' : 'worker', auth: { method: 'password' } }));
  const lab = (i: number): HardwareFacts => ({ ...factsFromOutput(`h${i}`, fx('lab-node2-collect.txt'), { includeLoopDisks: true }, true), hostname: `node${i}` });
  const section = (name: string, text: string, rc = 0) => `@@rackside:${name}@@\n${text}\n@@rackside-rc:${rc}@@`;
  const lsblk = '{"blockdevices":[{"name":"sda","path":"/dev/sda","size":960197124096,"rota":false,"model":"SAMSUNG","serial":"S45N","tran":"sata","type":"disk","mountpoint":null}]}';

  it('hardware: every threshold, variant, consistency check and reason a fact was not collected', () => {
    // Each host trips different checks; crafted from a real lab node's collection output.
    const failing = lab(1);
    failing.memory = { ...failing.memory, totalBytes: null, ecc: 'no', eccType: 'Single-bit ECC', edac: { correctable: 0, uncorrectable: 2 } };
    failing.disks = [];
    failing.nics = failing.nics.map((n) => ({ ...n, speedMbps: null }));
    failing.bmc = parseIpmiSdr(fx('documented/ipmitool-sdr-psu-lost.txt'));
    const odd = lab(2);
    odd.memory = { ...odd.memory, ecc: 'unknown', edac: { correctable: 3, uncorrectable: 0 }, totalBytes: 64 * 1024 ** 3 };
    odd.system = { ...odd.system!, model: 'Other R1', biosVersion: '0.1' };
    odd.cpu = { ...odd.cpu!, model: 'AMD EPYC 7302' };
    odd.nics = odd.nics.map((n) => ({ ...n, driver: 'ixgbe' }));
    odd.disks = [{ ...odd.disks[0]!, smart: { passed: false }, serial: 'ZC1ABCDE' }];
    odd.bmc = { psuCount: 1, psuFailed: 0, sensorsNotOk: [] };
    // A host that is not root, lacks tools and has no SMBIOS or BMC; and one whose disk SMART cannot be read.
    const bare = factsFromOutput('h5', [
      section('hostname', 'srv5'), section('lscpu', '', 127), section('lsblk', lsblk),
      section('dmidecode', fx('documented/dmidecode-not-root.txt'), 1), section('smart', '', 127), section('ipmi', 'Could not open device at /dev/ipmi0', 1),
    ].join('\n'), { includeLoopDisks: false }, false);
    const noSmbios = factsFromOutput('h6', [
      section('hostname', 'srv6'), section('lsblk', '', 127), section('dmidecode', '# dmidecode 3.4\n# No SMBIOS nor DMI entry point found, sorry.', 1),
      section('smart', ''), section('smart:sda', '{}'), section('ipmi', '', 127),
    ].join('\n'), { includeLoopDisks: false }, true);
    const findings = [
      ...evaluateHardware(hosts, [failing, odd, lab(3), lab(4), bare, noSmbios], profile('production')),
      ...evaluateHardware(hosts, [odd], profile('lab')),
    ];
    expect(findings.flatMap((f) => problems('hardware', f))).toEqual([]);
    // The crafted hosts reach every hardware code (and wording) this test is meant to cover.
    const seen = new Set(findings.map((f) => findingTextKey(f.code, f.params)));
    const wanted = [
      'cpu.cores', 'memory.size', 'memory.size.unknown', 'memory.ecc', 'memory.ecc.unknown', 'memory.edac', 'memory.edac.correctable',
      'disk.size', 'disk.size.none', 'disk.raid', 'disk.smart', 'nic.speed.unknown', 'bmc.psu', 'bmc.psu.too-few', 'bmc.psu.single',
      'consistency.model', 'consistency.cpu', 'consistency.memory', 'consistency.bios', 'consistency.nic',
      'unknown.no-cpu-topology', 'unknown.dmidecode-needs-root', 'unknown.no-interfaces', 'unknown.tool-missing', 'unknown.no-bmc', 'unknown.no-smbios',
    ];
    expect(wanted.filter((k) => !seen.has(k))).toEqual([]);
  });

  it('preflight: access, sudo, system, space, work folder and kernels', () => {
    const project = { id: 'p', name: 'p', site: '', customer: '', technician: '', hosts: hosts.slice(0, 4) } as unknown as Project;
    const done = (stdout: string): ActionResult => ({ status: 'done', exitCode: 0, stdout });
    const failed: ActionResult = { status: 'failed', exitCode: 1, stdout: '' };
    const results: StepResults = new Map([
      ['h1', new Map([['access', failed]])],
      ['h2', new Map([['access', done('uid=1000\nuser=bob\nsudo=missing\n')], ['workdir', failed]])],
      ['h3', new Map([['access', done('uid=1000\nuser=bob\nsudo=password\n')], ['system', done('os_id=arch\nos_name=Arch Linux\nkernel=6.9\narch=x86_64\nroot_avail_kib=1024\n')]])],
      ['h4', new Map([['system', done('os_id=debian\nos_name=Debian 12\nkernel=6.1\narch=x86_64\nroot_avail_kib=99999999\n')]])],
    ]);
    const findings = preflightStep.evaluate(results, project);
    expect(findings.flatMap((f) => problems('preflight', f))).toEqual([]);
    expect(new Set(findings.map((f) => f.code))).toEqual(new Set(FINDING_CODES.preflight));
  });

  it('network check: a host whose check did not run', () => {
    const project = { id: 'p', name: 'p', site: '', customer: '', technician: '', hosts: hosts.slice(0, 2) } as unknown as Project;
    const failed: ActionResult = { status: 'failed', exitCode: 1, stdout: '' };
    const findings = networkCheckStep.evaluate(new Map(hosts.slice(0, 2).map((h) => [h.id, new Map([['facts', failed]])])), project);
    expect(findings.flatMap((f) => problems('network-check', f))).toEqual([]);
  });

  it('storage: every code, from refusals to a degraded, resyncing array with a failed member', () => {
    const sfx = (name: string) => readFileSync(join(ROOT, 'electron', 'services', 'steps', 'storage', 'fixtures', name), 'utf8');
    const four = hosts.slice(0, 4);
    const plan = storagePlanSchema.parse({
      mode: 'raid', layout: { arrayName: 'data', level: 'raid10', volumes: [{ mountPoint: '/data' }] },
      hosts: four.map((h) => ({ hostId: h.id, disks: ['RSV9511', 'RSV9512', 'RSV9513', 'RSV9514'].map((serial) => ({ serial, sizeBytes: 268435456 })) })),
    });
    const project = { version: 1, site: '', customer: '', technician: '', hosts: hosts.slice(0, 5), storage: plan } as Project;
    const r = (status: ActionResult['status'], exitCode: number | null, stdout = ''): ActionResult => ({ status, exitCode, stdout });
    // A member marked faulty and a recovery running, on the degraded fixture.
    const detail = sfx('mdadm-detail-raid10-degraded.txt').replace('3     254       64        3      active sync set-B   /dev/vde', '3     254       64        3      faulty   /dev/vde');
    const mdstat = sfx('mdstat-raid10-degraded.txt').replace('[U_UU]', '[U_UU]\n      [==>..................]  recovery = 12.5% (65024/520192) finish=0.3min speed=21674K/sec');
    const status = ['=== md', 'yes', '=== mdstat', mdstat, '=== kname', 'md0', '=== detail', detail, '=== members', 'vdb RSV9511', 'vdd RSV9513', 'vde RSV9514',
      '=== size', '532676608', '=== scan', 'ARRAY /dev/md/data', '=== mdadm.conf', '=== mount /data', '--- fstab'].join('\n');
    const clean = ['=== md', 'yes', '=== mdstat', sfx('mdstat-raid10-clean.txt'), '=== kname', 'md0', '=== detail', sfx('mdadm-detail-raid10-clean.txt'),
      '=== members', 'vdb RSV9511', 'vdc RSV9512', 'vdd RSV9513', 'vde RSV9514', '=== scan', 'ARRAY /dev/md/data UUID=faaf7cee:ec5411df:9c90fa44:4da78229',
      '=== mdadm.conf', 'ARRAY /dev/md/data UUID=faaf7cee:ec5411df:9c90fa44:4da78229', '=== mount /data', '/dev/md0 ext4', '--- fstab', 'UUID=1 /data ext4 defaults 0 2'].join('\n');
    const results = (m: Record<string, ActionResult>) => new Map([['h1', new Map(Object.entries(m))]]);
    const findings = [
      ...storageStep.evaluate(results({ check: r('failed', STORAGE_EXIT.noMd, 'kernel=6.1\nRACKSIDE-STORAGE no-md\n') }), project),
      ...storageStep.evaluate(results({ 'create-array': r('failed', STORAGE_EXIT.changed, 'RACKSIDE-STORAGE changed RSV9512 mounted\n') }), project),
      ...storageStep.evaluate(results({ 'create-array': r('failed', STORAGE_EXIT.otherArray, 'RACKSIDE-STORAGE other-array /dev/md/data\n') }), project),
      ...storageStep.evaluate(results({ 'mkfs-0': r('failed', STORAGE_EXIT.signature, 'RACKSIDE-STORAGE signature /dev/md/data xfs\n') }), project),
      ...storageStep.evaluate(results({ packages: r('failed', 100) }), project),
      ...storageStep.evaluate(results({ status: r('done', 0, '=== md\nyes\n=== absent\n') }), project),
      ...storageStep.evaluate(results({ status: r('done', 0, status) }), project),
      ...storageStep.evaluate(results({ status: r('done', 0, clean) }), project),
      ...storageStep.evaluate(new Map([['h5', new Map([['not-planned', r('done', 0)]])]]), project),
    ];
    expect(findings.flatMap((f) => problems('storage', f))).toEqual([]);
    expect(new Set(findings.map((f) => f.code))).toEqual(new Set(FINDING_CODES.storage));
  });
});
