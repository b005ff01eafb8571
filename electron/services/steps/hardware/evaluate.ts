import type { FindingCompare, HardwareFacts, Host } from '../../../contract/index.js';
import type { Finding } from '../../runbook/step-module.js';
import type { HardwareProfile } from './profiles.js';

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
const gb = (b: number) => (b >= 1000 ** 3 ? `${(b / 1000 ** 3).toFixed(0)} GB` : `${(b / 1000 ** 2).toFixed(0)} MB`);

/** Findings for each host against its role's thresholds, then across hosts for consistency. */
export function evaluateHardware(hosts: Host[], facts: HardwareFacts[], profile: HardwareProfile): Finding[] {
  const findings: Finding[] = [];
  const byId = new Map(hosts.map((h) => [h.id, h]));
  for (const f of facts) {
    const host = byId.get(f.hostId);
    if (!host) continue;
    const t = profile.roles[host.role];
    const name = f.hostname || host.name || host.address;
    // `params` fill the locale texts (findings.<code>[.<variant>]); message/remediation stay the English fallback.
    const add = (severity: Finding['severity'], code: string, message: string, remediation: string, measured?: string, threshold?: string, compare?: FindingCompare, params: Record<string, string | number> = {}) =>
      findings.push({
        severity,
        hostId: f.hostId,
        code,
        message: `${name}: ${message}`,
        remediation,
        params: { host: name, ...params },
        ...(measured !== undefined ? { measured } : {}),
        ...(threshold !== undefined ? { threshold } : {}),
        ...(compare ? { compare } : {}),
      });
    // A minimum (more is better) or a maximum (less is better), as numbers a waiver can be held to.
    const atLeast = (measured: number, threshold: number): FindingCompare => ({ measured, threshold, better: 'higher' });
    const atMost = (measured: number, threshold: number): FindingCompare => ({ measured, threshold, better: 'lower' });

    for (const u of f.unknowns) add('info', `unknown.${u.field}`, `unknown ${u.field}: ${u.reason}`, u.remediation, undefined, undefined, undefined, { field: u.field, ...u.params, reason: u.code ?? 'other' });

    if (f.cpu) {
      if (f.cpu.cores < t.cores) add('blocking', 'cpu.cores', `${f.cpu.cores} CPU cores, the ${profile.id} profile needs ${t.cores} for a ${host.role}`, 'Use a server with more cores or choose another profile', String(f.cpu.cores), `≥ ${t.cores}`, atLeast(f.cpu.cores, t.cores), { measured: f.cpu.cores, threshold: t.cores, profile: profile.id, role: host.role });
      if (f.cpu.threads < t.threads) add('blocking', 'cpu.threads', `${f.cpu.threads} CPU threads, needs ${t.threads}`, 'Enable Hyper-Threading/SMT in the BIOS, or use a larger server', String(f.cpu.threads), `≥ ${t.threads}`, atLeast(f.cpu.threads, t.threads), { measured: f.cpu.threads, threshold: t.threads });
    }

    const mem = f.memory.totalBytes;
    if (mem === null) add('warning', 'memory.size', 'memory size unknown', 'Check /proc/meminfo is readable', undefined, undefined, undefined, { variant: 'unknown' });
    else if (mem < t.memoryBytes * 0.97) {
      // MemTotal is a little below the installed size (kernel reservations): allow 3 %.
      add('blocking', 'memory.size', `${gib(mem)} RAM, the ${profile.id} profile needs ${gib(t.memoryBytes)} for a ${host.role}`, 'Install more memory or choose another profile', gib(mem), `≥ ${gib(t.memoryBytes)}`, atLeast(mem, t.memoryBytes), { measured: gib(mem), threshold: gib(t.memoryBytes), profile: profile.id, role: host.role });
    }
    if (t.ecc) {
      if (f.memory.ecc === 'no') add('blocking', 'memory.ecc', `memory without ECC (${f.memory.eccType ?? 'none'})`, 'Use ECC DIMMs and enable ECC in the BIOS', f.memory.eccType ?? 'none', 'ECC', undefined, { type: f.memory.eccType ?? '-' });
      if (f.memory.ecc === 'unknown') add('warning', 'memory.ecc', 'ECC state unknown (no SMBIOS memory data)', 'Run with sudo so dmidecode can read SMBIOS, or check the BIOS', undefined, 'ECC', undefined, { variant: 'unknown' });
    }
    if (f.memory.edac && f.memory.edac.uncorrectable > 0) add('blocking', 'memory.edac', `${f.memory.edac.uncorrectable} uncorrectable memory errors (EDAC)`, 'Replace the failing DIMM', String(f.memory.edac.uncorrectable), '0', atMost(f.memory.edac.uncorrectable, 0), { count: f.memory.edac.uncorrectable });
    else if (f.memory.edac && f.memory.edac.correctable > 0) add('warning', 'memory.edac', `${f.memory.edac.correctable} correctable memory errors (EDAC)`, 'Watch the DIMM; replace it if the count grows', String(f.memory.edac.correctable), '0', undefined, { variant: 'correctable', count: f.memory.edac.correctable });

    const disks = f.disks;
    const largest = Math.max(0, ...disks.map((d) => d.sizeBytes));
    if (largest < t.largestDiskBytes) add('blocking', 'disk.size', disks.length ? `largest disk ${gb(largest)}, needs ${gb(t.largestDiskBytes)}` : 'no disks found', 'Add a larger disk or choose another profile', gb(largest), `≥ ${gb(t.largestDiskBytes)}`, atLeast(largest, t.largestDiskBytes), disks.length ? { measured: gb(largest), threshold: gb(t.largestDiskBytes) } : { variant: 'none' });
    if (t.raidDisks > 0) {
      const spare = disks.filter((d) => !d.mounted);
      const sizes = new Map<number, number>();
      for (const d of spare) sizes.set(Math.round(d.sizeBytes / 1e9), (sizes.get(Math.round(d.sizeBytes / 1e9)) ?? 0) + 1);
      const equal = Math.max(0, ...sizes.values());
      if (equal < t.raidDisks) add('blocking', 'disk.raid', `no ${t.raidDisks} spare disks of equal size for RAID (${spare.length} spare, at most ${equal} of one size)`, `Add ${t.raidDisks} or more equal disks that are not in use`, String(spare.length), `≥ ${t.raidDisks}`, atLeast(equal, t.raidDisks), { threshold: t.raidDisks, spare: spare.length, equal });
    }
    // One finding per failed disk, all under one key per host: a waiver is held to how many failed.
    const smartFailed = disks.filter((d) => d.smart && !d.smart.passed);
    for (const d of smartFailed) add('blocking', 'disk.smart', `SMART health check FAILED on ${d.path} (serial ${d.serial ?? 'unknown'})`, 'Replace the disk before building RAID on it', `FAILED (${smartFailed.length} of ${disks.length} disks)`, 'PASSED', atMost(smartFailed.length, 0), { disk: d.path, serial: d.serial ?? '-', failed: smartFailed.length, total: disks.length });

    if (t.nicSpeedMbps > 0) {
      const fastest = Math.max(0, ...f.nics.map((n) => n.speedMbps ?? 0));
      if (f.nics.every((n) => n.speedMbps === null)) add('warning', 'nic.speed', 'link speed unknown on every NIC', 'Install ethtool, or check the link is up', undefined, undefined, undefined, { variant: 'unknown' });
      else if (fastest < t.nicSpeedMbps) add('blocking', 'nic.speed', `fastest link ${fastest} Mb/s, needs ${t.nicSpeedMbps} Mb/s`, 'Connect a 10 GbE port, or check the cabling and switch port', `${fastest} Mb/s`, `≥ ${t.nicSpeedMbps} Mb/s`, atLeast(fastest, t.nicSpeedMbps), { measured: fastest, threshold: t.nicSpeedMbps });
    }
    if (f.bmc && f.bmc.psuFailed > 0) add('blocking', 'bmc.psu', `${f.bmc.psuFailed} of ${f.bmc.psuCount} power supplies failed`, 'Reseat or replace the power supply and check its feed', String(f.bmc.psuFailed), '0', atMost(f.bmc.psuFailed, 0), { failed: f.bmc.psuFailed, count: f.bmc.psuCount });
    // Only a host that reports its power supplies can be held to a number of them.
    else if (f.bmc && f.bmc.psuCount > 0 && f.bmc.psuCount < t.minPsus) add('blocking', 'bmc.psu', `${f.bmc.psuCount} power supplies, the ${profile.id} profile needs ${t.minPsus} (redundant)`, 'Fit another power supply on another feed, or choose another profile', String(f.bmc.psuCount), `≥ ${t.minPsus}`, atLeast(f.bmc.psuCount, t.minPsus), { variant: 'too-few', count: f.bmc.psuCount, threshold: t.minPsus, profile: profile.id });
    else if (f.bmc && f.bmc.psuCount === 1) add('warning', 'bmc.psu', 'only one power supply: no redundancy', 'Fit a second power supply on another feed', '1', '≥ 2', undefined, { variant: 'single' });
  }
  return [...findings, ...consistency(facts, byId)];
}

/** Differences across nodes are warnings naming the odd ones out (the minority value). */
function consistency(facts: HardwareFacts[], byId: Map<string, Host>): Finding[] {
  const checks: [string, string, (f: HardwareFacts) => string | null][] = [
    ['consistency.model', 'server model', (f) => (f.system ? `${f.system.vendor ?? '?'} ${f.system.model ?? '?'}` : null)],
    ['consistency.cpu', 'CPU model', (f) => f.cpu?.model ?? null],
    ['consistency.memory', 'RAM size', (f) => (f.memory.totalBytes ? gib(Math.round(f.memory.totalBytes / 1024 ** 3) * 1024 ** 3) : null)],
    ['consistency.bios', 'BIOS version', (f) => f.system?.biosVersion ?? null],
    ['consistency.nic', 'NIC driver', (f) => f.nics.map((n) => n.driver ?? '?').sort().join(',') || null],
  ];
  const out: Finding[] = [];
  for (const [code, what, read] of checks) {
    const groups = new Map<string, HardwareFacts[]>();
    for (const f of facts) {
      const v = read(f);
      if (v !== null) groups.set(v, [...(groups.get(v) ?? []), f]);
    }
    if (groups.size < 2) continue;
    const majority = [...groups.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
    for (const [value, members] of groups) {
      if (value === majority[0]) continue;
      for (const f of members) {
        const name = f.hostname || byId.get(f.hostId)?.address || f.hostId;
        out.push({
          severity: 'warning',
          hostId: f.hostId,
          code,
          message: `${name}: ${what} "${value}" differs from the other nodes ("${majority[0]}")`,
          remediation: `Check ${name} against the order; mixed ${what}s complicate support and failover`,
          measured: value,
          threshold: majority[0],
          params: { host: name, value, majority: majority[0] },
        });
      }
    }
  }
  return out;
}
