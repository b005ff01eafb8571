import { networkPlanSchema, plannedAddress, type NetworkPlan, type Project } from '../../../contract/index.js';

export const planOf = (project: Project): NetworkPlan => project.network ?? networkPlanSchema.parse({});

/** Addresses that must be free: the VIP, and planned addresses no inventory host has yet. */
export function addressesToProbe(project: Project): string[] {
  const plan = planOf(project);
  const current = new Set(project.hosts.map((h) => h.address));
  const out: string[] = [];
  if (plan.vip) out.push(plan.vip);
  for (const hp of plan.hosts) {
    for (const i of hp.interfaces) if (i.address && !current.has(i.address) && !out.includes(i.address)) out.push(i.address);
  }
  return out;
}

/** Name and address each host should resolve to (planned, else as in the inventory). */
export function expectedNames(project: Project): { hostId: string; name: string; fqdn: string; address: string }[] {
  const plan = planOf(project);
  return project.hosts.flatMap((h) => {
    const hp = plan.hosts.find((x) => x.hostId === h.id);
    const name = hp?.hostname || h.name;
    if (!name) return [];
    const address = plannedAddress(hp)?.address ?? h.address;
    return [{ hostId: h.id, name, fqdn: plan.domain ? `${name}.${plan.domain}` : name, address }];
  });
}

