import type { networkRequests } from '../../contract/channels/network.js';
import {
  because,
  causedBy,
  err,
  NETWORK_ADDRESSING_STEP,
  NETWORK_CHECK_STEP,
  NETWORK_INTERFACES_STEP,
  ok,
  validateNetworkPlan,
  type AddressingOutcome,
  type FieldIssue,
  type NetworkPlan,
  type Project,
  type Result,
} from '../../contract/index.js';
import type { StartOptions } from '../runbook/engine.js';
import { addressingScripts, currentState, type AddressingInput, type AddressingScripts } from '../steps/network/addressing.js';
import { hostInterfaces } from '../steps/network/interfaces-step.js';
import { buildMatrix, readHostFacts } from '../steps/network/matrix.js';
import { readJournal } from '../project/journal.js';
import { openProject, updateProject } from '../project/project-store.js';
import { JournalState } from '../runbook/replay.js';
import type { HandlersFor } from './dispatcher.js';
import type { HandlerContext, SharedServices } from './handlers.js';

/**
 * Network step (issue 5): interfaces, plan, matrix, addressing with rollback. Hostnames and
 * /etc/hosts and the node-to-node check run through the step runner (runbook.* with step ids
 * network-hosts / network-check); reading interfaces and addressing run through it too, as the
 * on-demand steps network-interfaces and network-addressing, which these handlers start and wait for.
 */
export function createNetworkHandlers(ctx: HandlerContext, shared: SharedServices): HandlersFor<keyof typeof networkRequests> {
  const issuesOf = (project: Project, plan: NetworkPlan): FieldIssue[] =>
    validateNetworkPlan(plan, project.hosts).map((i) => ({
      row: i.hostId ? project.hosts.findIndex((h) => h.id === i.hostId) + 1 : 0,
      field: i.field,
      message: i.message,
      // Worded by the renderer from network.issue.<code>, like the plan editor's own list.
      code: `network.${i.code}`,
      ...(i.params ? { params: i.params } : {}),
    }));

  /** Run an on-demand step to its end; its record in the journal. */
  async function runToEnd(dir: string, stepId: string, opts: StartOptions) {
    const started = await shared.runbook.start(dir, stepId, opts);
    if (!started.ok) return started;
    const view = await shared.runbook.whenDone(started.value.runId);
    const events = await readJournal(dir);
    if (!events.ok) return events;
    const state = JournalState.from(events.value);
    return ok({ runId: started.value.runId, view, state });
  }

  /**
   * The project, its plan for the host and that plan's scripts from the host's current state,
   * read through the runner (step network-interfaces on this host only).
   */
  async function prepare(dir: string, hostId: string): Promise<Result<{ project: Project; scripts: AddressingScripts }>> {
    const opened = await openProject(dir);
    if (!opened.ok) return opened;
    const project = opened.value.project;
    const host = project.hosts.find((h) => h.id === hostId);
    const hp = project.network?.hosts.find((h) => h.hostId === hostId);
    if (!host) return because(err('not-found', `Host ${hostId} is not in the project`), 'net-host-not-in-project', { host: hostId });
    if (!project.network || !hp || hp.interfaces.length === 0) {
      return because(err('validation-failed', `${host.name || host.address} has no addressing in the saved plan`, 'Plan at least one interface with an address and save the plan.'),
        'net-no-addressing', { host: host.name || host.address });
    }
    const issues = issuesOf(project, project.network);
    if (issues.length) return because(err('validation-failed', 'The network plan has problems; nothing was applied', 'Fix the listed fields and save the plan again.', issues), 'net-plan-invalid');
    const read = await runToEnd(dir, NETWORK_INTERFACES_STEP, { input: { hostIds: [hostId] } });
    if (!read.ok) return read;
    const state = currentState(read.value.state.results(read.value.runId).get(hostId)?.get('interfaces'));
    if (!state) {
      const stopped = read.value.view?.hosts.find((h) => h.hostId === hostId);
      const why = stopped?.message ?? 'the interfaces could not be read';
      return because(err('io-failed', `${host.name || host.address}: could not read the current configuration: ${why}`, 'Test the connection in step 1, then try again.'),
        'net-interfaces-unreadable', { host: host.name || host.address, ...causedBy({ reason: stopped?.reason, params: stopped?.params, message: why }) });
    }
    return ok({ project, scripts: addressingScripts(hp, state.interfaces, state.defaults, host.address) });
  }

  return {
    'network.interfaces': async ({ dir }) => {
      const opened = await openProject(dir);
      if (!opened.ok) return opened;
      const read = await runToEnd(dir, NETWORK_INTERFACES_STEP, {});
      if (!read.ok) return read;
      return ok({ hosts: hostInterfaces(opened.value.project, read.value.view, read.value.state.results(read.value.runId)) });
    },

    'network.savePlan': async ({ dir, plan }) => {
      const saved = await updateProject(dir, (project) => {
        const issues = issuesOf(project, plan);
        if (issues.length) {
          return because(err('validation-failed', `The network plan has ${issues.length} problem(s); nothing was saved or applied`, 'Fix the listed fields, then save again.', issues),
            'net-plan-not-saved', { count: issues.length });
        }
        return { ...project, network: plan };
      });
      return saved.ok ? ok({ path: saved.value.path, revision: saved.value.revision }) : saved;
    },

    'network.matrix': async ({ dir }) => {
      const opened = await openProject(dir);
      if (!opened.ok) return opened;
      const events = await readJournal(dir);
      if (!events.ok) return events;
      const state = JournalState.from(events.value);
      const run = state.lastRun(NETWORK_CHECK_STEP);
      if (!run) return ok({ matrix: null });
      const facts = readHostFacts(state.results(run.runId), opened.value.project);
      return ok({ matrix: { runId: run.runId, ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}), ...buildMatrix(facts, opened.value.project) } });
    },

    'network.addressingPreview': async ({ dir, hostId }) => {
      const p = await prepare(dir, hostId);
      if (!p.ok) return p;
      const { scripts } = p.value;
      return ok({ changes: scripts.changes, changeTexts: scripts.changeTexts, apply: scripts.apply, rollback: scripts.rollback, newAddress: scripts.newAddress });
    },

    'network.applyAddressing': async ({ dir, hostId, changes, rollbackAfterS }) => {
      const p = await prepare(dir, hostId);
      if (!p.ok) return p;
      const { project, scripts } = p.value;
      if (JSON.stringify([...changes].sort()) !== JSON.stringify([...scripts.changes].sort())) {
        return because(err('validation-failed', 'The changes confirmed are not the changes this would make now (the host or the plan changed)',
          'Review the preview again and confirm what it shows.'), 'net-changes-differ');
      }
      const host = project.hosts.find((h) => h.id === hostId)!;
      const reach = { ...(project.bastion ? { bastion: project.bastion } : {}), ...(project.hostKeyPolicy ? { hostKeyPolicy: project.hostKeyPolicy } : {}) };
      const input: AddressingInput = { hostId, scripts, rollbackAfterS, reach };
      // The technician confirmed the preview's changes (checked above); the runner wants its
      // own confirmation bound to this exact plan.
      const planned = await shared.runbook.plan(dir, NETWORK_ADDRESSING_STEP, input);
      if (!planned.ok) return planned;
      const confirmation = { planHash: planned.value.plan.planHash, changes: planned.value.plan.changes.map((c) => c.change) };
      const began = Date.now();
      const run = await runToEnd(dir, NETWORK_ADDRESSING_STEP, { input, confirmation });
      if (!run.ok) return run;
      const rec = run.value.state.runs.get(run.value.runId)?.hosts.find((h) => h.hostId === hostId);
      const cleanUp = rec?.cleanUp;
      const outcome: AddressingOutcome = {
        hostId,
        status: cleanUp?.result === 'applied' ? 'applied' : cleanUp?.result === 'rolled-back' ? 'rolled-back' : 'failed',
        address: cleanUp?.address ?? host.address,
        message: cleanUp?.message ?? rec?.stopReason ?? 'The apply did not run',
        ...(cleanUp?.result === 'applied' ? { reason: 'addr-applied' as const, params: { address: cleanUp.address ?? scripts.newAddress } }
          : cleanUp?.result === 'rolled-back' ? { reason: 'addr-rolled-back' as const, params: { address: host.address, newAddress: scripts.newAddress } }
          : cleanUp?.address ? { reason: 'addr-lost' as const, params: { address: host.address, newAddress: scripts.newAddress } }
          : cleanUp ? { reason: 'addr-not-started' as const }
          : rec?.stopCode ? { reason: rec.stopCode.reason, params: rec.stopCode.params }
          : { reason: 'addr-not-run' as const }),
        durationMs: Date.now() - began,
      };
      ctx.log.info('network addressing', { hostId, status: outcome.status, address: outcome.address, durationMs: outcome.durationMs });
      if (outcome.status === 'applied' && outcome.address !== host.address) {
        // From now on the host is reached on its new address.
        const saved = await updateProject(dir, (p) => ({ ...p, hosts: p.hosts.map((h) => (h.id === hostId ? { ...h, address: outcome.address } : h)) }));
        if (!saved.ok) {
          return because(err('io-failed', `Applied, but project.yaml could not be updated with the new address ${outcome.address}`, saved.error.hint),
            'net-address-not-saved', { address: outcome.address });
        }
      }
      return ok(outcome);
    },
  };
}
