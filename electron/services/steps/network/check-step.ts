import { NETWORK_CHECK_STEP, type Host, type Project } from '../../../contract/index.js';
import type { Action, Finding, StepModule, StepResults } from '../../runbook/step-module.js';
import { evaluateNetwork } from './check-evaluate.js';
import { CLOCK, DNS, INVENTORY, MATRIX } from './check-scripts.js';
import { readHostFacts } from './matrix.js';
import { addressesToProbe, expectedNames, planOf } from './names.js';

/**
 * The node-to-node check (wizard step 3): every node pings every other (latency and loss,
 * `ping -c 10`), sends a DF ping of MTU−28 bytes (path MTU), opens the required TCP ports, and
 * asks whether the VIP and not-yet-applied planned addresses are free; each node also reports its
 * clock and NTP state, its interfaces and default route, and (when the plan names DNS servers)
 * forward and reverse lookups. Measured from the nodes themselves, never from the laptop.
 * Scripts: check-scripts.ts; findings: check-evaluate.ts.
 */

const ro = (id: string, script: string, args: string[] = [], timeoutMs = 30_000): Action => ({
  id,
  title: `network.actions.${id}`,
  command: { script, args },
  sudo: false,
  timeoutMs,
  destructive: false,
  capture: true,
});

export const networkCheckStep: StepModule = {
  id: NETWORK_CHECK_STEP,
  title: 'network.check.title',

  plan(project) {
    const plan = planOf(project);
    const probes = addressesToProbe(project).join(',');
    const ports = plan.requiredPorts.join(',');
    const out = new Map<string, Action[]>();
    project.hosts.forEach((h: Host, idx) => {
      const peers = project.hosts.flatMap((p, k) => (k === idx ? [] : [String(k), p.address]));
      const actions = [
        ro('clock', CLOCK),
        ro('interfaces', INVENTORY),
        ro('matrix', MATRIX, ['auto', ports, probes, ...peers], 90_000),
      ];
      if (plan.dnsServers.length > 0) {
        const pairs = expectedNames(project).flatMap((e) => [e.fqdn, e.address]);
        actions.push(ro('dns', DNS, [plan.dnsServers[0]!, ...pairs], 60_000));
      }
      out.set(h.id, actions);
    });
    return out;
  },

  evaluate(results: StepResults, project: Project): Finding[] {
    return evaluateNetwork(readHostFacts(results, project), project);
  },
};
