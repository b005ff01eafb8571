import {
  networkPlanSchema,
  type BOND_MODES,
  type IFACE_KINDS,
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
