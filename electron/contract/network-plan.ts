import { z } from 'zod';

/**
 * The network plan (wizard step 3): hostnames, static addressing, bonds, VLANs, MTU, the cluster
 * VIP, DNS and the ports the cluster needs. Stored as the optional `network` section of
 * project.yaml. Pure zod + TypeScript: the renderer validates as the technician types, and the
 * backend validates again before anything is applied.
 */

export const BOND_MODES = ['active-backup', '802.3ad'] as const;
export const IFACE_KINDS = ['ethernet', 'bond', 'vlan'] as const;

// Linux interface names: at most 15 bytes, no '/', ':' or whitespace (dev_valid_name).
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
// A single DNS label (RFC 1123): what `hostname` is set to.
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const MIN_MTU = 576;
export const MAX_MTU = 9216;

export const interfacePlanSchema = z.object({
  /** eth0, bond0, bond0.100 … */
  name: z.string().max(15),
  kind: z.enum(IFACE_KINDS).default('ethernet'),
  /** Bond members (kind bond). */
  members: z.array(z.string().max(15)).max(8).default([]),
  bondMode: z.enum(BOND_MODES).optional(),
  /** VLAN parent and id (kind vlan). */
  parent: z.string().max(15).optional(),
  vlanId: z.number().int().optional(),
  /** Static IPv4 address and prefix length; empty = no address on this interface. */
  address: z.string().max(64).default(''),
  prefix: z.number().int().optional(),
  gateway: z.string().max(64).default(''),
  mtu: z.number().int().optional(),
});
export type InterfacePlan = z.infer<typeof interfacePlanSchema>;

export const hostNetworkPlanSchema = z.object({
  hostId: z.string().min(1),
  /** Short host name (one label); the FQDN adds the plan's domain. */
  hostname: z.string().max(63).default(''),
  interfaces: z.array(interfacePlanSchema).max(32).default([]),
});
export type HostNetworkPlan = z.infer<typeof hostNetworkPlanSchema>;

export const networkThresholdsSchema = z.object({
  /** Average node-to-node round trip at or above this is a warning (ms). */
  rttWarnMs: z.number().min(0).default(5),
  /** … and at or above this blocking (ms). */
  rttBlockMs: z.number().min(0).default(50),
  /** Any loss above this warns (%); at or above lossBlockPct blocks. */
  lossWarnPct: z.number().min(0).max(100).default(0),
  lossBlockPct: z.number().min(0).max(100).default(5),
  /** Clock offset from the median of the nodes above this blocks (s). */
  clockSkewBlockS: z.number().min(0).default(30),
  /**
   * … and above this warns (s). The nodes' clocks are read as each host's first action, so their
   * start times differ by the runner's per-host lock round trip: about 0.1 s on a LAN, about 1 s
   * over a lossy, 100 ms link. Hence 5 s, far above that and far below anything a cluster notices.
   */
  clockSkewWarnS: z.number().min(0).default(5),
});
export type NetworkThresholds = z.infer<typeof networkThresholdsSchema>;

export const networkPlanSchema = z.object({
  hosts: z.array(hostNetworkPlanSchema).max(1000).default([]),
  /** DNS domain: /etc/hosts lists `address fqdn short`. */
  domain: z.string().max(253).default(''),
  /** The cluster's virtual IP (keepalived later); must be free now. */
  vip: z.string().max(64).default(''),
  /** Name the VIP gets in /etc/hosts. */
  vipName: z.string().max(63).default(''),
  /** DNS servers the cluster uses; forward and reverse lookups are checked against them. */
  dnsServers: z.array(z.string().max(64)).max(4).default([]),
  /** TCP ports every node must reach on every other node. */
  requiredPorts: z.array(z.number().int()).max(32).default([22]),
  thresholds: networkThresholdsSchema.default(networkThresholdsSchema.parse({})),
});
export type NetworkPlan = z.infer<typeof networkPlanSchema>;
export type NetworkPlanInput = z.input<typeof networkPlanSchema>;

// --- IPv4 arithmetic ---------------------------------------------------------------------------

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

export const isIpv4 = (s: string): boolean => IPV4.test(s.trim());

export function ipv4ToInt(s: string): number {
  return s.trim().split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((sh) => Math.floor(n / 2 ** sh) % 256).join('.');
}

/** Network and broadcast address of `address/prefix` as integers. */
export function subnetOf(address: string, prefix: number): { network: number; broadcast: number } {
  const size = 2 ** (32 - prefix);
  const network = Math.floor(ipv4ToInt(address) / size) * size;
  return { network, broadcast: network + size - 1 };
}

export function inSubnet(candidate: string, address: string, prefix: number): boolean {
  const { network, broadcast } = subnetOf(address, prefix);
  const c = ipv4ToInt(candidate);
  return c >= network && c <= broadcast;
}

// --- validation --------------------------------------------------------------------------------

export interface NetworkIssue {
  /** Host the problem is on; absent for cluster-wide fields (VIP, DNS, ports). */
  hostId?: string;
  /** Dotted path of the field: `hostname`, `interfaces.0.address`, `vip` … */
  field: string;
  /** Stable code for translation: `network.issue.<code>`. */
  code: string;
  message: string;
  params?: Record<string, string | number>;
}

/**
 * A shape problem (a port list entry that is not a number…) as a stable code naming its field, so
 * the renderer says which field and what is wrong in either language, not zod's English text.
 */
function schemaIssue(i: z.core.$ZodIssue): NetworkIssue {
  const field = i.path.join('.');
  const at = (code: string, problem: string, params: Record<string, string | number> = {}): NetworkIssue =>
    ({ field, code, message: `${field}: ${problem}`, params: { field, ...params } });
  if (i.code === 'invalid_type' && i.expected === 'number') return at('schema-number', 'must be a number');
  if (i.code === 'invalid_type' && i.expected === 'int') return at('schema-integer', 'must be a whole number');
  if (i.code === 'too_small') return at('schema-too-small', `must be at least ${String(i.minimum)}`, { min: String(i.minimum) });
  if (i.code === 'too_big') return at('schema-too-big', `must be at most ${String(i.maximum)}`, { max: String(i.maximum) });
  return at('schema', i.message, { message: i.message });
}

interface HostRef {
  id: string;
  name: string;
  address: string;
}

/**
 * Everything that must hold before any of the plan is applied: names valid and unique, addresses
 * valid, inside their subnet and not its network or broadcast address, gateways inside the
 * subnet, no address used twice, bonds and VLANs well-formed, the VIP a free usable address of a
 * planned subnet that is no node's address. An empty list means the plan may be applied.
 */
export function validateNetworkPlan(input: NetworkPlanInput, hosts: readonly HostRef[]): NetworkIssue[] {
  const parsed = networkPlanSchema.safeParse(input);
  if (!parsed.success) {
    return parsed.error.issues.map(schemaIssue);
  }
  const plan = parsed.data;
  const issues: NetworkIssue[] = [];
  const add = (i: NetworkIssue) => issues.push(i);
  const byId = new Map(hosts.map((h) => [h.id, h]));
  const label = (id: string) => byId.get(id)?.name || byId.get(id)?.address || id;

  if (plan.domain && !DOMAIN.test(plan.domain)) {
    add({ field: 'domain', code: 'domain-invalid', message: `"${plan.domain}" is not a valid DNS domain`, params: { value: plan.domain } });
  }

  const seenHost = new Set<string>();
  const names = new Map<string, string>();
  /** address → where it is used, for duplicates and the VIP. */
  const used = new Map<string, { hostId: string; field: string }>();
  const subnets: { address: string; prefix: number }[] = [];

  for (const hp of plan.hosts) {
    const host = hp.hostId;
    if (!byId.has(host)) {
      add({ hostId: host, field: 'hostId', code: 'unknown-host', message: `The plan names host ${host}, which is not in the inventory`, params: { host } });
      continue;
    }
    if (seenHost.has(host)) add({ hostId: host, field: 'hostId', code: 'host-twice', message: `${label(host)} is planned twice`, params: { host: label(host) } });
    seenHost.add(host);

    if (hp.hostname) {
      if (!LABEL.test(hp.hostname)) {
        add({ hostId: host, field: 'hostname', code: 'hostname-invalid', params: { host: label(host), value: hp.hostname },
          message: `${label(host)}: "${hp.hostname}" is not a valid host name (letters, digits and inner hyphens, at most 63)` });
      } else {
        const key = hp.hostname.toLowerCase();
        const other = names.get(key);
        if (other) {
          add({ hostId: host, field: 'hostname', code: 'hostname-duplicate', params: { host: label(host), value: hp.hostname, other: label(other) },
            message: `${label(host)}: host name ${hp.hostname} is already used by ${label(other)}` });
        } else names.set(key, host);
      }
    }
    if (plan.vipName && hp.hostname && plan.vipName.toLowerCase() === hp.hostname.toLowerCase()) {
      add({ hostId: host, field: 'hostname', code: 'hostname-is-vip-name', params: { host: label(host), value: hp.hostname },
        message: `${label(host)}: host name ${hp.hostname} is also the VIP's name` });
    }

    const ifNames = new Set<string>();
    const bondMembers = new Map<string, string>();
    const gateways: string[] = [];
    hp.interfaces.forEach((ifc, k) => {
      const f = (x: string) => `interfaces.${k}.${x}`;
      const at = { host: label(host), iface: ifc.name || `#${k + 1}` };
      if (!IFNAME.test(ifc.name)) {
        add({ hostId: host, field: f('name'), code: 'iface-name-invalid', params: { ...at, value: ifc.name },
          message: `${at.host}: "${ifc.name}" is not a valid interface name (at most 15 letters, digits, ".", "_", "-")` });
      } else if (ifNames.has(ifc.name)) {
        add({ hostId: host, field: f('name'), code: 'iface-twice', params: at, message: `${at.host}: interface ${ifc.name} is planned twice` });
      }
      ifNames.add(ifc.name);

      if (ifc.mtu !== undefined && (ifc.mtu < MIN_MTU || ifc.mtu > MAX_MTU)) {
        add({ hostId: host, field: f('mtu'), code: 'mtu-range', params: { ...at, value: ifc.mtu, min: MIN_MTU, max: MAX_MTU },
          message: `${at.host} ${at.iface}: MTU ${ifc.mtu} is outside ${MIN_MTU}-${MAX_MTU}` });
      }
      if (ifc.kind === 'bond') {
        if (!ifc.bondMode) add({ hostId: host, field: f('bondMode'), code: 'bond-mode-missing', params: at, message: `${at.host} ${at.iface}: choose a bond mode (active-backup or 802.3ad)` });
        if (ifc.members.length === 0) add({ hostId: host, field: f('members'), code: 'bond-no-members', params: at, message: `${at.host} ${at.iface}: a bond needs at least one member interface` });
        for (const m of ifc.members) {
          if (!IFNAME.test(m)) {
            add({ hostId: host, field: f('members'), code: 'iface-name-invalid', params: { ...at, value: m }, message: `${at.host}: "${m}" is not a valid interface name` });
          } else if (bondMembers.has(m)) {
            add({ hostId: host, field: f('members'), code: 'bond-member-twice', params: { ...at, member: m, other: bondMembers.get(m)! },
              message: `${at.host}: ${m} is a member of both ${bondMembers.get(m)} and ${ifc.name}` });
          } else bondMembers.set(m, ifc.name);
        }
      }
      if (ifc.kind === 'vlan') {
        if (ifc.vlanId === undefined || ifc.vlanId < 1 || ifc.vlanId > 4094) {
          add({ hostId: host, field: f('vlanId'), code: 'vlan-id-range', params: { ...at, value: ifc.vlanId ?? '' }, message: `${at.host} ${at.iface}: the VLAN id must be 1-4094` });
        }
        if (!ifc.parent || !IFNAME.test(ifc.parent)) {
          add({ hostId: host, field: f('parent'), code: 'vlan-parent-missing', params: at, message: `${at.host} ${at.iface}: a VLAN needs its parent interface` });
        }
      }

      if (ifc.address === '' && ifc.gateway === '') return;
      if (!isIpv4(ifc.address)) {
        add({ hostId: host, field: f('address'), code: 'address-invalid', params: { ...at, value: ifc.address },
          message: `${at.host} ${at.iface}: "${ifc.address}" is not a valid IPv4 address` });
        return;
      }
      if (ifc.prefix === undefined || ifc.prefix < 8 || ifc.prefix > 30) {
        add({ hostId: host, field: f('prefix'), code: 'prefix-range', params: { ...at, value: ifc.prefix ?? '' },
          message: `${at.host} ${at.iface}: the prefix length must be 8-30` });
        return;
      }
      const { network, broadcast } = subnetOf(ifc.address, ifc.prefix);
      const a = ipv4ToInt(ifc.address);
      const cidr = `${intToIpv4(network)}/${ifc.prefix}`;
      if (a === network || a === broadcast) {
        add({ hostId: host, field: f('address'), code: a === network ? 'address-is-network' : 'address-is-broadcast', params: { ...at, value: ifc.address, subnet: cidr },
          message: `${at.host} ${at.iface}: ${ifc.address} is the ${a === network ? 'network' : 'broadcast'} address of ${cidr}, not a host address` });
      }
      const prev = used.get(ifc.address);
      if (prev) {
        add({ hostId: host, field: f('address'), code: 'address-duplicate', params: { ...at, value: ifc.address, other: label(prev.hostId) },
          message: `${at.host} ${at.iface}: address ${ifc.address} is already planned for ${label(prev.hostId)}` });
      } else used.set(ifc.address, { hostId: host, field: f('address') });
      subnets.push({ address: ifc.address, prefix: ifc.prefix });
      if (ifc.gateway) {
        if (!isIpv4(ifc.gateway)) {
          add({ hostId: host, field: f('gateway'), code: 'gateway-invalid', params: { ...at, value: ifc.gateway }, message: `${at.host} ${at.iface}: "${ifc.gateway}" is not a valid IPv4 address` });
        } else if (!inSubnet(ifc.gateway, ifc.address, ifc.prefix) || [network, broadcast, a].includes(ipv4ToInt(ifc.gateway))) {
          add({ hostId: host, field: f('gateway'), code: 'gateway-outside', params: { ...at, value: ifc.gateway, subnet: cidr },
            message: `${at.host} ${at.iface}: gateway ${ifc.gateway} is not a usable address of ${cidr}` });
        } else gateways.push(ifc.gateway);
      }
    });
    if (new Set(gateways).size > 1) {
      add({ hostId: host, field: 'interfaces', code: 'gateway-several', params: { host: label(host) }, message: `${label(host)}: more than one default gateway is planned` });
    }
    for (const [m, bond] of bondMembers) {
      const own = hp.interfaces.find((i) => i.name === m);
      if (own && own.address) {
        add({ hostId: host, field: 'interfaces', code: 'bond-member-addressed', params: { host: label(host), member: m, bond },
          message: `${label(host)}: ${m} is a member of ${bond} and cannot have its own address` });
      }
    }
  }

  // A planned address equal to another inventory host's current address also collides.
  for (const h of hosts) {
    const u = used.get(h.address);
    if (u && u.hostId !== h.id) {
      add({ hostId: u.hostId, field: u.field, code: 'address-duplicate', params: { host: label(u.hostId), iface: '', value: h.address, other: label(h.id) },
        message: `${label(u.hostId)}: address ${h.address} is ${label(h.id)}'s current address` });
    }
  }

  if (plan.vip) {
    if (!isIpv4(plan.vip)) {
      add({ field: 'vip', code: 'vip-invalid', params: { value: plan.vip }, message: `VIP "${plan.vip}" is not a valid IPv4 address` });
    } else {
      const owner = used.get(plan.vip)?.hostId ?? hosts.find((h) => h.address === plan.vip)?.id;
      if (owner) {
        add({ field: 'vip', code: 'vip-is-node', params: { value: plan.vip, host: label(owner) }, message: `VIP ${plan.vip} is ${label(owner)}'s address` });
      }
      const holders = subnets.filter((s) => inSubnet(plan.vip, s.address, s.prefix));
      const v = ipv4ToInt(plan.vip);
      for (const s of holders) {
        const { network, broadcast } = subnetOf(s.address, s.prefix);
        if (v === broadcast || v === network) {
          add({ field: 'vip', code: v === broadcast ? 'vip-is-broadcast' : 'vip-is-network', params: { value: plan.vip, subnet: `${intToIpv4(network)}/${s.prefix}` },
            message: `VIP ${plan.vip} is the ${v === broadcast ? 'broadcast' : 'network'} address of ${intToIpv4(network)}/${s.prefix}` });
          break;
        }
      }
      if (subnets.length > 0 && holders.length === 0) {
        add({ field: 'vip', code: 'vip-outside', params: { value: plan.vip }, message: `VIP ${plan.vip} is in none of the planned subnets` });
      }
    }
  }
  if (plan.vipName && !LABEL.test(plan.vipName)) {
    add({ field: 'vipName', code: 'hostname-invalid', params: { host: 'VIP', value: plan.vipName }, message: `"${plan.vipName}" is not a valid host name` });
  }
  plan.dnsServers.forEach((s, k) => {
    if (!isIpv4(s)) add({ field: `dnsServers.${k}`, code: 'dns-invalid', params: { value: s }, message: `DNS server "${s}" is not a valid IPv4 address` });
  });
  plan.requiredPorts.forEach((p, k) => {
    if (p < 1 || p > 65535) add({ field: `requiredPorts.${k}`, code: 'port-range', params: { value: p }, message: `Port ${p} is not 1-65535` });
  });
  return issues;
}

/** The address a host is reached on after the plan is applied: its gateway interface's, else its first planned one. */
export function plannedAddress(hp: HostNetworkPlan | undefined): { address: string; prefix: number; iface: string } | null {
  if (!hp) return null;
  const withAddr = hp.interfaces.filter((i) => isIpv4(i.address) && i.prefix !== undefined);
  const main = withAddr.find((i) => i.gateway) ?? withAddr[0];
  return main ? { address: main.address, prefix: main.prefix!, iface: main.name } : null;
}
