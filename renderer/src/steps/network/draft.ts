import {
  IFACE_KINDS as IFACE_KIND_SET,
  networkPlanSchema,
  type BOND_MODES,
  type HostInterfaces,
  type IFACE_KINDS,
  type InterfaceInfo,
  type InterfacePlan,
  type NetworkPlan,
  type NetworkPlanInput,
} from '../../../../electron/contract/index.js';

/** One host's row of the plan form: host name and its main interface, as typed (strings). */
export interface HostNetDraft {
  hostId: string;
  hostname: string;
  name: string;
  kind: (typeof IFACE_KINDS)[number];
  members: string;
  bondMode: (typeof BOND_MODES)[number] | '';
  parent: string;
  vlanId: string;
  address: string;
  prefix: string;
  gateway: string;
  mtu: string;
  /** Further interfaces from project.yaml that the form does not edit; kept as they are. */
  rest: InterfacePlan[];
}

export interface NetworkDraft {
  domain: string;
  vip: string;
  vipName: string;
  dnsServers: string;
  requiredPorts: string;
  hosts: HostNetDraft[];
  /** Saved thresholds, carried over. */
  thresholds: NetworkPlan['thresholds'];
}

const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s.trim()));
const list = (s: string) => s.split(/[\s,]+/).filter(Boolean);

export function draftFromPlan(plan: NetworkPlan | undefined, hosts: readonly { id: string }[]): NetworkDraft {
  const p = plan ?? networkPlanSchema.parse({});
  return {
    domain: p.domain,
    vip: p.vip,
    vipName: p.vipName,
    dnsServers: p.dnsServers.join(', '),
    requiredPorts: p.requiredPorts.join(', '),
    thresholds: p.thresholds,
    hosts: hosts.map((h) => {
      const hp = p.hosts.find((x) => x.hostId === h.id);
      const [first, ...rest] = hp?.interfaces ?? [];
      return {
        hostId: h.id,
        hostname: hp?.hostname ?? '',
        name: first?.name ?? '',
        kind: first?.kind ?? 'ethernet',
        members: (first?.members ?? []).join(', '),
        bondMode: first?.bondMode ?? '',
        parent: first?.parent ?? '',
        vlanId: first?.vlanId !== undefined ? String(first.vlanId) : '',
        address: first?.address ?? '',
        prefix: first?.prefix !== undefined ? String(first.prefix) : '',
        gateway: first?.gateway ?? '',
        mtu: first?.mtu !== undefined ? String(first.mtu) : '',
        rest,
      };
    }),
  };
}

export function planFromDraft(d: NetworkDraft): NetworkPlanInput {
  return {
    domain: d.domain.trim(),
    vip: d.vip.trim(),
    vipName: d.vipName.trim(),
    dnsServers: list(d.dnsServers),
    requiredPorts: list(d.requiredPorts).map(Number),
    thresholds: d.thresholds,
    hosts: d.hosts.map((h) => {
      const iface: InterfacePlan | null = h.name.trim()
        ? {
            name: h.name.trim(),
            kind: h.kind,
            members: h.kind === 'bond' ? list(h.members) : [],
            ...(h.kind === 'bond' && h.bondMode ? { bondMode: h.bondMode } : {}),
            ...(h.kind === 'vlan' && h.parent.trim() ? { parent: h.parent.trim() } : {}),
            ...(h.kind === 'vlan' && num(h.vlanId) !== undefined ? { vlanId: num(h.vlanId)! } : {}),
            address: h.address.trim(),
            ...(num(h.prefix) !== undefined ? { prefix: num(h.prefix)! } : {}),
            gateway: h.gateway.trim(),
            ...(num(h.mtu) !== undefined ? { mtu: num(h.mtu)! } : {}),
          }
        : null;
      return { hostId: h.hostId, hostname: h.hostname.trim(), interfaces: [...(iface ? [iface] : []), ...h.rest] };
    }),
  };
}

/**
 * Fills the plan's empty rows from the interfaces just read: the host's name, the interface that
 * carries its SSH address (else the first with an IPv4 address), that address, prefix, MTU and
 * the default gateway. A row the technician has typed in (hostname, interface or address) is left alone.
 */
export function prefillFromInterfaces(d: NetworkDraft, read: readonly HostInterfaces[]): NetworkDraft {
  return {
    ...d,
    hosts: d.hosts.map((h) => {
      if (h.hostname.trim() || h.name.trim() || h.address.trim()) return h;
      const r = read.find((x) => x.hostId === h.hostId);
      if (!r?.ok) return h;
      const usable = r.interfaces.filter((i) => i.kind !== 'loopback' && !i.master);
      const v4 = (i: InterfaceInfo) => i.addresses.find((a) => a.family === 'inet');
      const iface = usable.find((i) => i.addresses.some((a) => a.family === 'inet' && a.address === r.address)) ?? usable.find((i) => v4(i));
      const a = iface ? (iface.addresses.find((x) => x.family === 'inet' && x.address === r.address) ?? v4(iface)) : undefined;
      const kind = (IFACE_KIND_SET as readonly string[]).includes(iface?.kind ?? '') ? (iface!.kind as HostNetDraft['kind']) : 'ethernet';
      return {
        ...h,
        hostname: r.hostname ?? h.hostname,
        ...(iface && a
          ? {
              name: iface.name,
              kind,
              address: a.address,
              prefix: String(a.prefix),
              gateway: r.defaultGateway ?? '',
              mtu: String(iface.mtu),
              ...(kind === 'vlan' ? { parent: iface.parent ?? '', vlanId: iface.vlanId !== undefined ? String(iface.vlanId) : '' } : {}),
            }
          : {}),
      };
    }),
  };
}

/** Nothing typed or read in: such a plan has no problems, and nothing to apply either. */
export function planIsEmpty(d: NetworkDraft): boolean {
  return d.hosts.every((h) => !h.hostname.trim() && !h.name.trim() && !h.address.trim() && h.rest.length === 0);
}

export interface AddressHeld {
  hostId: string;
  address: string;
  /** The node that has the address now (its inventory name, else its address). */
  holder: string;
}

/**
 * Planned addresses another node holds now on an interface, as last read (a second address, a
 * VIP, another NIC). Applying one would put two nodes on one address. Another host's inventory
 * address is left out: the plan's own validation flags that one already (address-duplicate).
 */
export function addressesHeldByOthers(
  d: NetworkDraft,
  read: readonly HostInterfaces[] | null,
  inventory: readonly { id: string; name: string; address: string }[],
): AddressHeld[] {
  const holders = new Map<string, { hostId: string; name: string }[]>();
  const add = (address: string, hostId: string, name: string) => {
    const list = holders.get(address) ?? [];
    if (!list.some((x) => x.hostId === hostId)) list.push({ hostId, name });
    holders.set(address, list);
  };
  const inventoryAddress = new Map(inventory.map((h) => [h.address.trim(), h.id]));
  for (const r of read ?? []) {
    const name = inventory.find((h) => h.id === r.hostId)?.name || r.name || r.address;
    for (const i of r.interfaces) for (const a of i.addresses) if (a.family === 'inet' && i.kind !== 'loopback') add(a.address, r.hostId, name);
  }
  const out: AddressHeld[] = [];
  for (const h of d.hosts) {
    const address = h.address.trim();
    if (!address) continue;
    const owner = inventoryAddress.get(address);
    if (owner !== undefined && owner !== h.hostId) continue;
    const other = holders.get(address)?.find((x) => x.hostId !== h.hostId);
    if (other) out.push({ hostId: h.hostId, address, holder: other.name });
  }
  return out;
}

/** The draft is the plan saved in project.yaml, field for field. */
export function draftIsSaved(d: NetworkDraft, saved: NetworkPlan | undefined): boolean {
  if (!saved) return false;
  const parsed = networkPlanSchema.safeParse(planFromDraft(d));
  return parsed.success && canonical(parsed.data) === canonical(saved);
}

/** JSON with sorted keys: a plan read from YAML and one built by the form order their keys differently. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : x,
  );
}
