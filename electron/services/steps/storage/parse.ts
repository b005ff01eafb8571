/**
 * Parsers for what the storage actions print: util-linux JSON (`lsblk -J -b`, `wipefs -n -J`),
 * `/proc/mdstat`, `mdadm --detail [--export]` and `udevadm info --query=property`. Tested on the
 * real outputs in fixtures/ (README.md there says how each was captured) and, for the resync and
 * recovery progress lines, on the kernel's documented format (drivers/md/md.c, status_resync).
 */

export interface LsblkNode {
  name: string;
  /** `/dev/...` (lsblk PATH, or `/dev/<name>` when the column was not asked for). */
  path: string;
  serial: string;
  sizeBytes: number;
  type: string;
  model: string;
  rotational: boolean;
  transport: string;
  readOnly: boolean;
  removable: boolean;
  fstype: string;
  mountpoints: string[];
  children: LsblkNode[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
// lsblk prints booleans as true/false in JSON since 2.33, as "1"/"0" strings before.
const bool = (v: unknown): boolean => v === true || v === 1 || v === '1';

function node(raw: Record<string, unknown>): LsblkNode {
  const mps = Array.isArray(raw.mountpoints) ? raw.mountpoints : [raw.mountpoint];
  const name = str(raw.name);
  return {
    name,
    path: str(raw.path) || `/dev/${name}`,
    serial: str(raw.serial),
    sizeBytes: Number(raw.size ?? 0) || 0,
    type: str(raw.type),
    model: str(raw.model),
    rotational: bool(raw.rota),
    transport: str(raw.tran),
    readOnly: bool(raw.ro),
    removable: bool(raw.rm),
    fstype: str(raw.fstype),
    mountpoints: mps.map(str).filter((m) => m !== ''),
    children: Array.isArray(raw.children) ? (raw.children as Record<string, unknown>[]).map(node) : [],
  };
}

/** `lsblk -J -b -o ...` → the top-level devices with their children (partitions, LVs, md arrays). */
export function parseLsblk(json: string): LsblkNode[] {
  const data = JSON.parse(json) as { blockdevices?: Record<string, unknown>[] };
  return (data.blockdevices ?? []).map(node);
}

/** Every node of the tree under (and including) `n`. */
export function descendants(n: LsblkNode): LsblkNode[] {
  return [n, ...n.children.flatMap(descendants)];
}

/** `wipefs -n -J <dev>` → the signature types found (empty: a blank disk). */
export function parseWipefs(json: string): { type: string; offset: string }[] {
  if (!json.trim()) return [];
  const data = JSON.parse(json) as { signatures?: { type?: string; offset?: string }[] };
  return (data.signatures ?? []).map((s) => ({ type: str(s.type), offset: str(s.offset) }));
}

/** `KEY=value` lines (`mdadm --detail --export`, `udevadm info --query=property`, `blkid -o export`). */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export interface MdExport {
  level: string;
  devices: number;
  metadata: string;
  uuid: string;
  name: string;
  /** Member kernel device → role (a number, or `spare`: mdadm 4.2 also says spare for a faulty one). */
  members: { device: string; role: string }[];
}

/** `mdadm --detail --export <md>`. A pulled member is simply absent (fixtures/README.md). */
export function parseMdadmExport(text: string): MdExport | null {
  const kv = parseKeyValues(text);
  if (!kv.MD_LEVEL) return null;
  const members: { device: string; role: string }[] = [];
  for (const [k, v] of Object.entries(kv)) {
    const m = /^MD_DEVICE_(.+)_DEV$/.exec(k);
    if (m) members.push({ device: v, role: kv[`MD_DEVICE_${m[1]}_ROLE`] ?? '' });
  }
  return {
    level: kv.MD_LEVEL,
    devices: Number(kv.MD_DEVICES ?? 0),
    metadata: kv.MD_METADATA ?? '',
    uuid: kv.MD_UUID ?? '',
    name: kv.MD_NAME ?? '',
    members: members.sort((a, b) => a.device.localeCompare(b.device)),
  };
}

export interface MdDetail {
  /** `clean`, `clean, degraded`, `active, resyncing`, ... as mdadm words it. */
  state: string;
  level: string;
  arraySizeKiB: number;
  raidDevices: number;
  uuid: string;
  name: string;
  /** The device table: one row per slot or member (`removed` slots have no device). */
  devices: { number: string; raidDevice: string; state: string; device: string }[];
}

/** `mdadm --detail <md>` (the human table: it shows faulty and removed members, --export does not). */
export function parseMdadmDetail(text: string): MdDetail | null {
  const field = (label: string) => new RegExp(`^\\s*${label} : (.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  const level = field('Raid Level');
  if (!level) return null;
  const devices: MdDetail['devices'] = [];
  const table = text.split(/\n\s*Number\s+Major\s+Minor\s+RaidDevice\s+State\s*\n/)[1] ?? '';
  for (const line of table.split('\n')) {
    const m = /^\s*(\d+|-)\s+\d+\s+\d+\s+(\d+|-)\s+(.*?)\s*$/.exec(line);
    if (!m) continue;
    const rest = m[3]!;
    const dev = /(\/dev\/\S+)$/.exec(rest)?.[1] ?? '';
    devices.push({ number: m[1]!, raidDevice: m[2]!, state: (dev ? rest.slice(0, -dev.length) : rest).trim(), device: dev });
  }
  return {
    state: field('State'),
    level,
    arraySizeKiB: Number(/^(\d+)/.exec(field('Array Size'))?.[1] ?? 0),
    raidDevices: Number(field('Raid Devices') || 0),
    uuid: field('UUID'),
    name: field('Name').split(/\s+/)[0] ?? '',
    devices,
  };
}

export interface MdstatSync {
  /** `resync`, `recovery`, `reshape`, `check`, `repair`; `resync-delayed` / `resync-pending` while queued. */
  action: string;
  percent: number;
  speedKiBs?: number;
  finishMin?: number;
}

export interface MdstatArray {
  name: string;
  level: string;
  /** `active` or `inactive`; `(auto-read-only)` / `(read-only)` show as readOnly. */
  state: string;
  readOnly: boolean;
  members: { device: string; slot: number; faulty: boolean; spare: boolean }[];
  /** `[4/3]`: slots and working members. */
  raidDisks?: number;
  workingDisks?: number;
  /** `[U_UU]`: U in use, _ missing or failed. */
  health?: string;
  sync?: MdstatSync;
}

// md.c status_resync: "[==>.....]  resync = 12.6% (65600/520192) finish=0.3min speed=21866K/sec"
const SYNC = /^\s*(?:\[[=>.]*\]\s+)?(resync|recovery|reshape|check|repair)\s*=\s*([\d.]+)%(?:\s*\([\d/]+\))?(?:\s+finish=([\d.]+)min)?(?:\s+speed=(\d+)K\/sec)?/;
// md.c: "resync=DELAYED" / "resync=PENDING" while another array on the same disks syncs first.
const QUEUED = /^\s*(resync|recovery|reshape|check)\s*=\s*(DELAYED|PENDING)/;

/** `/proc/mdstat` → one entry per array. */
export function parseMdstat(text: string): MdstatArray[] {
  const out: MdstatArray[] = [];
  let cur: MdstatArray | null = null;
  for (const line of text.split('\n')) {
    const head = /^(md\S*)\s*:\s*(active|inactive)\s*(\((?:auto-)?read-only\))?\s*(.*)$/.exec(line);
    if (head) {
      const words = head[4]!.trim().split(/\s+/).filter(Boolean);
      const level = words[0] && !/\[\d+\]/.test(words[0]) ? words.shift()! : '';
      cur = {
        name: head[1]!,
        level,
        state: head[2]!,
        readOnly: Boolean(head[3]),
        members: words.map((w) => {
          const m = /^(.+?)\[(\d+)\]((?:\([A-Z]\))*)$/.exec(w);
          return { device: m?.[1] ?? w, slot: Number(m?.[2] ?? -1), faulty: (m?.[3] ?? '').includes('(F)'), spare: (m?.[3] ?? '').includes('(S)') };
        }),
      };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    if (/^\S/.test(line)) {
      cur = null;
      continue;
    }
    const counts = /\[(\d+)\/(\d+)\]\s+\[([U_]+)\]/.exec(line);
    if (counts) {
      cur.raidDisks = Number(counts[1]);
      cur.workingDisks = Number(counts[2]);
      cur.health = counts[3]!;
    }
    const s = SYNC.exec(line);
    if (s) {
      cur.sync = {
        action: s[1]!,
        percent: Number(s[2]),
        ...(s[4] ? { speedKiBs: Number(s[4]) } : {}),
        ...(s[3] ? { finishMin: Number(s[3]) } : {}),
      };
    }
    const q = QUEUED.exec(line);
    if (q) cur.sync = { action: `${q[1]}-${q[2]!.toLowerCase()}`, percent: 0 };
  }
  return out;
}

/** Output of a script that prints `=== <name>` before each part. */
export function parseSections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | null = null;
  let lines: string[] = [];
  const flush = () => {
    if (name !== null) out.set(name, lines.join('\n'));
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('=== ')) {
      flush();
      name = line.slice(4).trim();
      lines = [];
    } else if (name !== null) lines.push(line);
  }
  flush();
  return out;
}
