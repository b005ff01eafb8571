import type { DiskFacts, HardwareFacts, NicFacts } from '../../../contract/hardware.js';

/**
 * Parsers for the tools the Hardware step runs. Each takes the tool's real output (tested against
 * output captured from the lab and against the tools' documented formats) and returns null where
 * the output does not contain the fact, never a guess.
 */

type Cpu = NonNullable<HardwareFacts['cpu']>;

/** `lscpu -J`: {"lscpu":[{"field":"CPU(s):","data":"2"}, …]} (util-linux ≥ 2.38 may nest "children"). */
export function parseLscpu(json: string): Cpu | null {
  const doc = JSON.parse(json) as { lscpu?: LscpuEntry[] };
  const fields = new Map<string, string>();
  const walk = (entries: LscpuEntry[] | undefined) => {
    for (const e of entries ?? []) {
      if (e.field && e.data != null) fields.set(e.field.replace(/:$/, ''), String(e.data));
      walk(e.children);
    }
  };
  walk(doc.lscpu);
  const num = (k: string) => {
    const v = Number(fields.get(k));
    return Number.isFinite(v) ? v : null;
  };
  const threads = num('CPU(s)');
  const sockets = num('Socket(s)');
  const coresPerSocket = num('Core(s) per socket') ?? num('Core(s) per cluster');
  const threadsPerCore = num('Thread(s) per core');
  if (threads === null || sockets === null || coresPerSocket === null || threadsPerCore === null) return null;
  return {
    model: fields.get('Model name') ?? 'unknown',
    sockets,
    coresPerSocket,
    threadsPerCore,
    cores: sockets * coresPerSocket,
    threads,
    virtualization: fields.get('Virtualization') ?? null,
  };
}
interface LscpuEntry {
  field?: string;
  data?: string | null;
  children?: LscpuEntry[];
}

/** `lsblk -J -b -O`: whole disks (and, when asked, loop devices, which are the lab's disks). */
export function parseLsblk(json: string, includeLoop: boolean): DiskFacts[] {
  const doc = JSON.parse(json) as { blockdevices?: LsblkDevice[] };
  const mounted = (d: LsblkDevice): boolean =>
    (d.mountpoints ?? [d.mountpoint]).some((m) => m != null && m !== '') || (d.children ?? []).some(mounted);
  return (doc.blockdevices ?? [])
    .filter((d) => d.type === 'disk' || (includeLoop && d.type === 'loop'))
    .map((d) => ({
      name: d.name,
      path: d.path ?? `/dev/${d.name}`,
      sizeBytes: Number(d.size),
      rotational: d.rota === true || d.rota === '1',
      model: clean(d.model),
      serial: clean(d.serial),
      transport: clean(d.tran),
      type: d.type,
      mounted: mounted(d),
      smart: null,
    }));
}
interface LsblkDevice {
  name: string;
  path?: string;
  size: number | string;
  rota?: boolean | string;
  model?: string | null;
  serial?: string | null;
  tran?: string | null;
  type: string;
  mountpoint?: string | null;
  mountpoints?: (string | null)[];
  children?: LsblkDevice[];
}

const clean = (v: string | null | undefined): string | null => {
  const t = v?.trim();
  return t && !/^(Not Specified|To Be Filled By O\.E\.M\.|Default string|None|Unknown|N\/A)$/i.test(t) ? t : null;
};

export interface DmiRecord {
  type: number;
  title: string;
  fields: Map<string, string>;
}

/** dmidecode's text output: "Handle 0x…, DMI type N, … bytes" records of "\tKey: Value" lines. */
export function parseDmidecode(text: string): DmiRecord[] {
  const records: DmiRecord[] = [];
  let current: DmiRecord | null = null;
  let expectTitle = false;
  for (const line of text.split('\n')) {
    const handle = /^Handle 0x[0-9A-Fa-f]+, DMI type (\d+),/.exec(line);
    if (handle) {
      current = { type: Number(handle[1]), title: '', fields: new Map() };
      records.push(current);
      expectTitle = true;
      continue;
    }
    if (!current) continue;
    if (expectTitle) {
      current.title = line.trim();
      expectTitle = false;
      continue;
    }
    const kv = /^\t([^\t:][^:]*):\s?(.*)$/.exec(line);
    if (kv) current.fields.set(kv[1]!.trim(), kv[2]!.trim());
  }
  return records;
}

/** Why dmidecode gave nothing, if it did not: the cases a technician can fix. */
export function dmidecodeProblem(text: string, exitCode: number): string | null {
  if (exitCode === 127) return 'dmidecode is not installed';
  if (/Permission denied|must be root/i.test(text)) return 'dmidecode needs root';
  if (/No SMBIOS nor DMI entry point found|No such file or directory/i.test(text) && !/^Handle /m.test(text)) {
    return 'this machine exposes no SMBIOS data';
  }
  return exitCode === 0 ? null : `dmidecode failed (exit ${exitCode})`;
}

export function systemFromDmi(records: DmiRecord[]): HardwareFacts['system'] {
  const first = (type: number) => records.find((r) => r.type === type)?.fields;
  const bios = first(0);
  const sys = first(1);
  const board = first(2);
  const chassis = first(3);
  if (!bios && !sys) return null;
  return {
    vendor: clean(sys?.get('Manufacturer')),
    model: clean(sys?.get('Product Name')),
    serial: clean(sys?.get('Serial Number')),
    biosVendor: clean(bios?.get('Vendor')),
    biosVersion: clean(bios?.get('Version')),
    biosDate: clean(bios?.get('Release Date')),
    boardSerial: clean(board?.get('Serial Number')),
    chassisSerial: clean(chassis?.get('Serial Number')),
  };
}

const UNIT: Record<string, number> = { kB: 1024, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** dmidecode sizes ("16 GB", "8192 MB") are binary units. */
function dmiSize(v: string | undefined): number | null {
  const m = /^(\d+)\s*(kB|KB|MB|GB|TB)$/.exec(v?.trim() ?? '');
  return m ? Number(m[1]) * UNIT[m[2]!]! : null;
}

export function memoryFromDmi(records: DmiRecord[]): { ecc: 'yes' | 'no' | 'unknown'; eccType: string | null; dimms: HardwareFacts['memory']['dimms'] } {
  const arrays = records.filter((r) => r.type === 16 && /System Memory/i.test(r.fields.get('Use') ?? 'System Memory'));
  const types = arrays.map((a) => a.fields.get('Error Correction Type') ?? '').filter(Boolean);
  const ecc = types.length === 0 ? 'unknown' : types.every((t) => /ECC/i.test(t) && !/^None$/i.test(t)) ? 'yes' : 'no';
  const dimms = records
    .filter((r) => r.type === 17)
    .map((r) => ({ r, size: dmiSize(r.fields.get('Size')) }))
    .filter(({ size }) => size !== null && size > 0)
    .map(({ r, size }) => ({
      locator: r.fields.get('Locator') ?? '?',
      sizeBytes: size!,
      type: clean(r.fields.get('Type')),
      speed: clean(r.fields.get('Speed')),
      manufacturer: clean(r.fields.get('Manufacturer')),
      serial: clean(r.fields.get('Serial Number')),
      partNumber: clean(r.fields.get('Part Number')),
    }));
  return { ecc, eccType: types[0] ?? null, dimms };
}

/** /proc/meminfo MemTotal is in KiB. */
export function parseMemTotal(text: string): number | null {
  const m = /^MemTotal:\s+(\d+)\s+kB$/m.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** EDAC counters: "<ce> <ue>" summed over memory controllers by the collection script. */
export function parseEdac(text: string): { correctable: number; uncorrectable: number } | null {
  const m = /^(\d+)\s+(\d+)$/m.exec(text.trim());
  return m ? { correctable: Number(m[1]), uncorrectable: Number(m[2]) } : null;
}

interface IpLink {
  ifname: string;
  address?: string;
  operstate?: string;
  link_type?: string;
}
interface IpAddr {
  ifname: string;
  addr_info?: { local: string; prefixlen: number }[];
}

/** `ip -j link` + `ip -j addr`, without loopback. */
export function nicsFromIp(linkJson: string, addrJson: string): NicFacts[] {
  const links = JSON.parse(linkJson) as IpLink[];
  const addrs = new Map((JSON.parse(addrJson) as IpAddr[]).map((a) => [a.ifname, a.addr_info ?? []]));
  return links
    .filter((l) => l.link_type !== 'loopback')
    .map((l) => ({
      name: l.ifname,
      mac: l.address ?? null,
      state: (l.operstate ?? 'UNKNOWN').toLowerCase(),
      speedMbps: null,
      duplex: null,
      driver: null,
      sriovTotalVfs: null,
      addresses: (addrs.get(l.ifname) ?? []).map((a) => `${a.local}/${a.prefixlen}`),
    }));
}

/** `ethtool IF`: "Speed: 10000Mb/s" (or "Unknown!"), "Duplex: Full". */
export function parseEthtool(text: string): { speedMbps: number | null; duplex: string | null } {
  const speed = /^\s*Speed:\s*(\d+)\s*Mb\/s/m.exec(text);
  const duplex = /^\s*Duplex:\s*(Full|Half)/m.exec(text);
  return { speedMbps: speed ? Number(speed[1]) : null, duplex: duplex ? duplex[1]!.toLowerCase() : null };
}

/** `ethtool -i IF`: "driver: ixgbe". */
export function parseEthtoolDriver(text: string): string | null {
  return /^driver:\s*(\S+)/m.exec(text)?.[1] ?? null;
}

export function parseOsRelease(text: string): string | null {
  const m = /^PRETTY_NAME=(?:"([^"]*)"|(.*))$/m.exec(text);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** `smartctl -j -H -i DEV` (smartmontools ≥ 7 JSON): smart_status.passed, or null if it could not tell. */
export function parseSmartctl(json: string): { passed: boolean } | null {
  try {
    const doc = JSON.parse(json) as { smart_status?: { passed?: boolean } };
    return typeof doc.smart_status?.passed === 'boolean' ? { passed: doc.smart_status.passed } : null;
  } catch {
    return null;
  }
}

/**
 * `ipmitool sdr elist full` lines: "PSU1 Status | C8h | ok | 10.1 | Presence detected".
 * Power supplies are counted, and any sensor whose status is not ok/ns (not present) is reported.
 */
export function parseIpmiSdr(text: string): NonNullable<HardwareFacts['bmc']> {
  let psuCount = 0;
  let psuFailed = 0;
  const sensorsNotOk: string[] = [];
  for (const line of text.split('\n')) {
    const cols = line.split('|').map((c) => c.trim());
    if (cols.length < 5) continue;
    const [name, , status, , reading] = cols as [string, string, string, string, string];
    if (/^(PSU|PS\d|Power Supply)/i.test(name) && /presence detected|failure|lost/i.test(reading)) {
      psuCount++;
      if (/failure|lost|ac lost/i.test(reading)) psuFailed++;
    }
    if (status !== 'ok' && status !== 'ns') sensorsNotOk.push(`${name}: ${status} ${reading}`.trim());
  }
  return { psuCount, psuFailed, sensorsNotOk };
}
