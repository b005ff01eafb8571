import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HardwareFacts, Host, Project } from '../../../contract/index.js';
import { COLLECT_SCRIPT, factsFromOutput, splitSections } from './collect.js';
import { evaluateHardware } from './evaluate.js';
import { isLabNode, smbiosIdentity } from './lab-node.js';
import {
  dmidecodeProblem,
  memoryFromDmi,
  parseDmidecode,
  parseEthtool,
  parseIpmiSdr,
  parseLsblk,
  parseLscpu,
  parseMemTotal,
  parseSmartctl,
  systemFromDmi,
} from './parsers.js';
import { defaultBuiltinProfilesDir, loadProfiles } from './profile-files.js';
import { hardwareStep, labProfileFindings } from './step.js';

// The built-in profiles as resources/profiles defines them.
const BUILT_IN = loadProfiles({ builtin: defaultBuiltinProfilesDir() }).profiles;
const builtin = (id: string) => BUILT_IN.find((p) => p.id === id)!;

const fx = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('parsers on output captured from the lab', () => {
  it('lscpu -J', () => {
    expect(parseLscpu(fx('lab-node1/lscpu.json'))).toEqual({
      model: 'Intel(R) Xeon(R) Processor',
      sockets: 1,
      coresPerSocket: 2,
      threadsPerCore: 1,
      cores: 2,
      threads: 2,
      virtualization: null,
    });
  });

  it('lsblk -J -b -O: loop disks only when asked', () => {
    expect(parseLsblk(fx('lab-node1/lsblk.json'), false)).toEqual([]);
    const disks = parseLsblk(fx('lab-node1/lsblk.json'), true);
    expect(disks).toHaveLength(4);
    expect(disks[0]).toMatchObject({ type: 'loop', sizeBytes: 256 * 1024 * 1024, mounted: false, serial: null });
  });

  it('dmidecode: identity, serials, ECC and DIMMs from the lab SMBIOS tables', () => {
    const dmi = parseDmidecode(fx('lab-node1/dmidecode.txt'));
    expect(systemFromDmi(dmi)).toEqual({
      vendor: 'LabVendor',
      model: 'LabServer R740',
      serial: 'LAB0001X',
      biosVendor: 'LabBIOS Inc.',
      biosVersion: '1.2.3',
      biosDate: '01/15/2025',
      boardSerial: 'MBLAB0001X',
      chassisSerial: 'CHLAB0001X',
    });
    const mem = memoryFromDmi(dmi);
    expect(mem.ecc).toBe('yes');
    expect(mem.eccType).toBe('Multi-bit ECC');
    expect(mem.dimms.map((d) => [d.locator, d.sizeBytes, d.serial])).toEqual([
      ['DIMM_A1', 16 * 1024 ** 3, 'S00100ABCD'],
      ['DIMM_A2', 16 * 1024 ** 3, 'S00101ABCD'],
    ]);
  });

  it('meminfo and ethtool', () => {
    expect(parseMemTotal(fx('lab-node1/meminfo.txt'))).toBeGreaterThan(1024 ** 3);
    expect(parseEthtool(fx('lab-node1/ethtool-eth0.txt'))).toEqual({ speedMbps: 10000, duplex: 'full' });
  });

  it('the whole collection script output of a lab node', () => {
    const out = fx('lab-node2-collect.txt');
    const sections = splitSections(out);
    expect([...sections.keys()]).toEqual(expect.arrayContaining(['lscpu', 'lsblk', 'dmidecode', 'iplink', 'ipaddr', 'ethtool:eth0', 'smart', 'ipmi']));
    const f = factsFromOutput('h2', out, { includeLoopDisks: true }, true);
    expect(f.hostname).toBe('node2');
    expect(f.system?.serial).toBe('LAB0002X');
    expect(f.disks).toHaveLength(2);
    expect(f.nics.map((n) => [n.name, n.driver, n.speedMbps])).toEqual([['eth0', 'veth', 10000]]);
    // The lab has no ipmitool: an "unknown" with a fix, never an invented value.
    expect(f.bmc).toBeNull();
    expect(f.unknowns).toEqual([{ field: 'bmc', code: 'tool-missing', params: { tool: 'ipmitool', pkg: 'ipmitool' }, reason: 'ipmitool is not installed', remediation: expect.stringMatching(/apt-get install ipmitool/) }]);
  });

  it('plans one read-only collection per host: a fixed script, no arguments, sudo only when not root', () => {
    const plan = hardwareStep.plan(
      { version: 1, site: '', customer: '', technician: '', hosts: [
        { id: 'a', name: '', address: '10.0.0.1', port: 22, user: 'root', role: 'master', auth: { method: 'password' } },
        { id: 'b', name: '', address: '10.0.0.2', port: 22, user: 'ops', role: 'worker', auth: { method: 'password' } },
      ] },
      { hosts: [] },
    );
    expect([...plan.keys()]).toEqual(['a', 'b']);
    for (const [id, actions] of plan) {
      expect(actions).toEqual([
        expect.objectContaining({ id: 'collect', command: { script: COLLECT_SCRIPT }, sudo: id === 'b', destructive: false, capture: true }),
      ]);
    }
  });
});

describe('parsers on documented formats', () => {
  it('smartctl -j: passed, failed, and could-not-tell', () => {
    expect(parseSmartctl(fx('documented/smartctl-passed.json'))).toEqual({ passed: true });
    expect(parseSmartctl(fx('documented/smartctl-failed.json'))).toEqual({ passed: false });
    expect(parseSmartctl(fx('documented/smartctl-unsupported.json'))).toBeNull();
    expect(parseSmartctl('not json')).toBeNull();
  });

  it('ipmitool sdr: power supplies and sensors that are not ok', () => {
    expect(parseIpmiSdr(fx('documented/ipmitool-sdr-psu-lost.txt'))).toEqual({
      psuCount: 2,
      psuFailed: 1,
      sensorsNotOk: ['PSU2 Status: cr Presence detected, Power Supply AC lost'],
    });
  });

  it('dmidecode without root is a problem to fix, not empty data', () => {
    expect(dmidecodeProblem(fx('documented/dmidecode-not-root.txt'), 1)).toBe('dmidecode needs root');
    expect(dmidecodeProblem('', 127)).toBe('dmidecode is not installed');
  });

  it('missing tools and permissions become unknowns with remediation', () => {
    const out = [
      '@@rackside:hostname@@\nsrv1\n@@rackside-rc:0@@',
      '@@rackside:lscpu@@\n\n@@rackside-rc:127@@',
      '@@rackside:lsblk@@\n{"blockdevices":[{"name":"sda","path":"/dev/sda","size":960197124096,"rota":false,"model":"SAMSUNG","serial":"S45N","tran":"sata","type":"disk","mountpoint":null}]}\n@@rackside-rc:0@@',
      `@@rackside:dmidecode@@\n${fx('documented/dmidecode-not-root.txt')}\n@@rackside-rc:1@@`,
      '@@rackside:smart@@\n\n@@rackside-rc:127@@',
      '@@rackside:ipmi@@\nCould not open device at /dev/ipmi0\n@@rackside-rc:1@@',
    ].join('\n');
    const f = factsFromOutput('h', out, { includeLoopDisks: false }, false);
    expect(f.cpu).toBeNull();
    expect(f.system).toBeNull();
    expect(f.memory.ecc).toBe('unknown');
    expect(f.unknowns.map((u) => u.field)).toEqual(['cpu', 'dmidecode', 'nics', 'smart', 'bmc']);
    expect(f.unknowns.find((u) => u.field === 'dmidecode')!.remediation).toMatch(/sudo/);
    expect(f.unknowns.find((u) => u.field === 'smart')!.remediation).toMatch(/smartmontools/);
  });
});

describe('evaluation against profiles', () => {
  const labFacts = (i: number, patch: Partial<HardwareFacts> = {}): HardwareFacts => ({
    ...factsFromOutput(`h${i}`, fx('lab-node2-collect.txt'), { includeLoopDisks: true }, true),
    hostname: `node${i}`,
    ...patch,
  });
  const hosts: Host[] = [1, 2, 3, 4].map((i) => ({
    id: `h${i}`,
    name: `node${i}`,
    address: `198.18.0.${10 + i}`,
    port: 22,
    user: 'root',
    role: i === 1 ? 'master' : 'worker',
    auth: { method: 'password' },
  }));

  it('the lab profile passes the lab nodes with no blocking finding', () => {
    const f = evaluateHardware(hosts, [1, 2, 3, 4].map((i) => labFacts(i)), builtin('lab'));
    expect(f.filter((x) => x.severity !== 'info')).toEqual([]);
  });

  it('the production profile blocks on RAM below 256 GiB, with measured value and threshold', () => {
    const f = evaluateHardware(hosts, [1, 2, 3, 4].map((i) => labFacts(i)), builtin('production'));
    const ram = f.filter((x) => x.code === 'memory.size');
    expect(ram).toHaveLength(4);
    expect(ram[0]).toMatchObject({ severity: 'blocking', hostId: 'h1', threshold: '≥ 256.0 GiB' });
    expect(ram[0]!.measured).toMatch(/GiB$/);
    expect(f.some((x) => x.code === 'cpu.cores' && x.severity === 'blocking')).toBe(true);
  });

  it('consistency: a differing node is a warning that names it', () => {
    const odd = labFacts(3);
    odd.system = { ...odd.system!, biosVersion: '0.9.1' };
    odd.cpu = { ...odd.cpu!, model: 'AMD EPYC 7302' };
    const f = evaluateHardware(hosts, [labFacts(1), labFacts(2), odd, labFacts(4)], builtin('lab'));
    const warnings = f.filter((x) => x.severity === 'warning');
    expect(warnings.map((w) => [w.code, w.hostId])).toEqual([
      ['consistency.cpu', 'h3'],
      ['consistency.bios', 'h3'],
    ]);
    expect(warnings[1]!.message).toContain('node3: BIOS version "0.9.1" differs from the other nodes ("1.2.3")');
  });

  it('SMART failure and failed power supplies block', () => {
    const bad = labFacts(2);
    bad.disks = [{ ...bad.disks[0]!, smart: { passed: false }, serial: 'ZC1ABCDE' }];
    bad.bmc = parseIpmiSdr(fx('documented/ipmitool-sdr-psu-lost.txt'));
    const f = evaluateHardware(hosts, [bad], builtin('lab'));
    expect(f.filter((x) => x.severity === 'blocking').map((x) => x.code)).toEqual(['disk.smart', 'bmc.psu']);
  });
});

describe('lab node detection (the lab profile asks for confirmation elsewhere)', () => {
  const withDmi = (dmi: string, rc = 0) =>
    factsFromOutput('h', `@@rackside:hostname@@\nsrv1\n@@rackside-rc:0@@\n@@rackside:dmidecode@@\n${dmi}\n@@rackside-rc:${rc}@@`, { includeLoopDisks: false }, true);

  it('a lab node: its SMBIOS identity as captured from the lab', () => {
    expect(isLabNode(withDmi(fx('lab-node1/dmidecode.txt')))).toBe(true);
    expect(isLabNode(factsFromOutput('h2', fx('lab-node2-collect.txt'), { includeLoopDisks: true }, true))).toBe(true);
  });

  it('not a lab node: a rack server, no SMBIOS data (no root), or no hardware run yet', () => {
    const dell = withDmi(fx('documented/dmidecode-rack-server.txt'));
    expect(dell.system?.serial).toBe('7XK2M53');
    expect(isLabNode(dell)).toBe(false);
    expect(smbiosIdentity(dell)).toBe('Dell Inc. PowerEdge R650 serial 7XK2M53');
    expect(isLabNode(withDmi(fx('documented/dmidecode-not-root.txt'), 1))).toBe(false);
    expect(isLabNode(undefined)).toBe(false);
    // Someone's own "LabVendor" box without the lab's serial pattern is not the lab either.
    const lab = withDmi(fx('lab-node1/dmidecode.txt'));
    expect(isLabNode({ ...lab, system: { ...lab.system!, serial: 'CZ1234' } })).toBe(false);
  });

  it('the lab profile on a host that is not a lab node blocks unless the technician confirmed it for that host', () => {
    const p = (confirmed: string[] | null): Project => ({
      version: 1, site: '', customer: '', technician: '', hardwareProfile: 'lab',
      ...(confirmed ? { hardwareProfileConfirmation: { profile: 'lab' as const, technician: 'Li Wei', at: '2025-01-01T00:00:00Z', hosts: confirmed } } : {}),
      hosts: [
        { id: 'lab', name: 'node1', address: '198.18.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'password' } },
        { id: 'dell', name: 'srv1', address: '10.0.0.5', port: 22, user: 'root', role: 'worker', auth: { method: 'password' } },
      ],
    });
    const facts = [{ ...withDmi(fx('lab-node1/dmidecode.txt')), hostId: 'lab' }, { ...withDmi(fx('documented/dmidecode-rack-server.txt')), hostId: 'dell' }];
    expect(labProfileFindings(p(null), facts).map((f) => [f.severity, f.code, f.hostId])).toEqual([['blocking', 'profile.lab-not-lab-node', 'dell']]);
    expect(labProfileFindings(p(['dell']), facts).map((f) => [f.severity, f.code, f.hostId])).toEqual([['info', 'profile.lab-confirmed', 'dell']]);
    // Any other profile: nothing to confirm.
    expect(labProfileFindings({ ...p(null), hardwareProfile: 'production' }, facts)).toEqual([]);
    // The run journals the profile with its thresholds and the confirmation.
    expect(hardwareStep.profile!(p(['dell']))).toMatchObject({ id: 'lab', thresholds: { master: { cores: 1 } }, confirmation: { technician: 'Li Wei', hosts: ['dell'] } });
  });
});
