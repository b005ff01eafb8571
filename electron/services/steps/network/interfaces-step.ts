import { NETWORK_INTERFACES_STEP, type HostInterfaces, type Project, type RunView } from '../../../contract/index.js';
import type { Action, ActionResult, StepModule } from '../../runbook/step-module.js';
import { INVENTORY } from './check-scripts.js';
import { parseDefaultRoutes, parseIpAddr, parseSections } from './parse.js';

/**
 * Reading every node's interfaces, default route and hostname (network.interfaces). A step like
 * the others, so the read is journaled, holds the host's lock and leaves a transcript; it is run
 * on demand, not a wizard step, and has no findings: the network check judges the interfaces.
 */
export const networkInterfacesStep: StepModule = {
  id: NETWORK_INTERFACES_STEP,
  title: 'network.interfaces.title',
  /** Input (optional): `{ hostIds }` to read only those hosts (network.addressingPreview reads one). */
  plan(project, ctx) {
    const only = (ctx.input as { hostIds?: string[] } | undefined)?.hostIds;
    const action: Action = {
      id: 'interfaces',
      title: 'network.actions.interfaces',
      command: { script: INVENTORY },
      sudo: false,
      timeoutMs: 20_000,
      destructive: false,
      capture: true,
    };
    return new Map(project.hosts.filter((h) => !only || only.includes(h.id)).map((h) => [h.id, [action]]));
  },
  evaluate: () => [],
};

/** Each host's interfaces from a finished run's results; a host whose read failed says why. */
export function hostInterfaces(project: Project, run: RunView | undefined, results: ReadonlyMap<string, ReadonlyMap<string, ActionResult>>): HostInterfaces[] {
  return project.hosts.map((h): HostInterfaces => {
    const base = { hostId: h.id, name: h.name, address: h.address };
    const r = results.get(h.id)?.get('interfaces');
    if (!r || r.status !== 'done') {
      const hr = run?.hosts.find((x) => x.hostId === h.id);
      const why = hr?.actions.find((a) => a.actionId === 'interfaces')?.message ?? hr?.message ?? 'the interfaces could not be read';
      // Why the host stopped (connection, lock, the read's exit code) is worded on screen from its reason.
      const coded = hr?.reason ? { reason: hr.reason, params: hr.params ?? {} } : { reason: 'net-interfaces-unread' as const };
      return { ...base, ok: false, message: why, ...coded, interfaces: [] };
    }
    try {
      const out: HostInterfaces = { ...base, ok: true, interfaces: [] };
      for (const s of parseSections(r.stdout)) {
        if (s.name === 'addr') out.interfaces = parseIpAddr(s.body);
        if (s.name === 'route') {
          const gw = parseDefaultRoutes(s.body.trim() || '[]')[0]?.gateway;
          if (gw) out.defaultGateway = gw;
        }
        if (s.name === 'hostname') out.hostname = s.body.trim();
      }
      return out;
    } catch (e) {
      return { ...base, ok: false, message: `Unreadable ip output: ${(e as Error).message}`, reason: 'net-ip-output-unreadable', params: { detail: (e as Error).message }, interfaces: [] };
    }
  });
}
