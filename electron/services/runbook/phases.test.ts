import { describe, expect, it } from 'vitest';
import type { Project } from '../../contract/index.js';
import { MemorySecretStore, outputSecretKind, redactDeep, redactSecrets, secretPlaceholder } from '../secrets/secret-store.js';
import { buildPlan, planText } from './plan.js';
import { JournalState } from './replay.js';
import type { Action, Phase, StepModule } from './step-module.js';
import { preflightStep } from '../steps/preflight/step.js';
import { testOnlyPhasedStep } from './test-data/test-steps.js';

// Planning of steps with phases and outputs: pure, no host.
const project: Project = {
  version: 1,
  site: 'Lab',
  customer: 'ACME',
  technician: 'Li Wei',
  hosts: ['n1', 'n2', 'n3'].map((id, i) => ({
    id, name: `node${i + 1}`, address: `198.18.0.${11 + i}`, port: 22, user: 'root', role: i === 0 ? 'master' as const : 'worker' as const, auth: { method: 'password' as const },
  })),
};

const act = (id: string, extra: Partial<Action> = {}): Action => ({ id, title: `t.${id}`, command: { argv: ['true'] }, sudo: false, timeoutMs: 1000, destructive: false, ...extra });

/** A module from a fixed plan and phases, for the refusal cases. */
const moduleOf = (plan: Record<string, Action[]>, phases?: Phase[]): StepModule => ({
  id: 'm',
  title: 't.m',
  plan: () => new Map(Object.entries(plan)),
  ...(phases ? { phases: () => phases } : {}),
  evaluate: () => [],
});

const two: Phase[] = [
  { id: 'one', title: 't.one', hosts: ['n1'], mode: 'parallel' },
  { id: 'two', title: 't.two', hosts: ['n2', 'n3'], mode: 'serial' },
];

const refusal = (m: StepModule) => {
  const r = buildPlan(m, project);
  return r.ok ? 'planned' : r.error.message;
};

describe('phases and outputs: planning', () => {
  it('shows the phases in order with only the hosts that work in them, refs as named placeholders, secrets marked', () => {
    const r = buildPlan(testOnlyPhasedStep('/var/tmp/w'), project);
    if (!r.ok) throw new Error(r.error.message);
    const { view, phases } = r.value;
    expect(phases.map((p) => [p.id, p.hosts, p.mode])).toEqual([
      ['generate', ['n1'], 'parallel'],
      ['spread', ['n2', 'n3'], 'serial'],
      ['final', ['n1', 'n2', 'n3'], 'parallel'],
    ]);
    expect(view.phases?.map((p) => p.id)).toEqual(['generate', 'spread', 'final']);
    const write = view.hosts[1]!.actions[0]!;
    expect(write.phase).toBe('spread');
    expect(write.command).toContain('<output:canary@n1>');
    expect(write.command).toContain('<output:public@n1>');
    expect(view.hosts[0]!.actions[0]!.output).toEqual({ name: 'canary', secret: true });
    expect(view.hosts[0]!.actions[1]!.output).toEqual({ name: 'public' });
    const text = planText(view);
    expect(text).toContain('1. generate (parallel): node1');
    expect(text).toContain('2. spread (serial): node2, node3');
    expect(text).toContain('output: canary (secret');
    expect(text).toContain('<output:canary@n1>');
  });

  it('an `all` ref is one placeholder per producer, in inventory order', () => {
    const pub = (h: string) => act(`p-${h}`, { phase: 'one', command: { argv: ['hostname'] }, output: { name: 'name' } });
    const m = moduleOf(
      { n1: [pub('n1'), act('use', { phase: 'two', command: { argv: ['echo', { output: 'name', all: true }] } })], n3: [pub('n3')], n2: [pub('n2')] },
      [{ id: 'one', title: 't', hosts: ['n1', 'n2', 'n3'], mode: 'parallel' }, { id: 'two', title: 't', hosts: ['n1'], mode: 'parallel' }],
    );
    const r = buildPlan(m, project);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.view.hosts[0]!.actions[1]!.command).toContain("echo '<output:name@n1>' '<output:name@n2>' '<output:name@n3>'");
  });

  it('hashes the placeholders and the phases: the same plan, the same hash; another phase mode, another hash', () => {
    const a = buildPlan(testOnlyPhasedStep('/var/tmp/w'), project);
    const b = buildPlan(testOnlyPhasedStep('/var/tmp/w'), structuredClone(project));
    if (!a.ok || !b.ok) throw new Error('plan failed');
    expect(b.value.view.planHash).toBe(a.value.view.planHash);
    const useOf = (host?: string) => moduleOf({
      n1: [act('make', { phase: 'one', output: { name: 'v' } })],
      n2: [act('use', { phase: 'two', command: { argv: ['echo', { output: 'v', ...(host ? { host } : {}) }] } })],
    }, two);
    const c = buildPlan(useOf(), project);
    const d = buildPlan(useOf('n1'), project);
    if (!c.ok || !d.ok) throw new Error('plan failed');
    // The only producer, named or not, is the same placeholder and so the same plan.
    expect(d.value.view.planHash).toBe(c.value.view.planHash);
    const serial = buildPlan(moduleOf({
      n1: [act('make', { phase: 'one', output: { name: 'v' } })],
      n2: [act('use', { phase: 'two', command: { argv: ['echo', { output: 'v' }] } })],
    }, [two[0]!, { ...two[1]!, mode: 'parallel' }]), project);
    if (!serial.ok) throw new Error('plan failed');
    expect(serial.value.view.planHash).not.toBe(c.value.view.planHash);
  });

  it('a step without phases plans as before: no phases, no phase or output in its view', () => {
    const r = buildPlan(preflightStep, project);
    if (!r.ok) throw new Error(r.error.message);
    expect('phases' in r.value.view).toBe(false);
    for (const h of r.value.view.hosts) for (const a of h.actions) expect(Object.keys(a).filter((k) => k === 'phase' || k === 'output')).toEqual([]);
    expect(r.value.phases).toEqual([{ id: 'all', title: preflightStep.title, hosts: ['n1', 'n2', 'n3'], mode: 'parallel' }]);
  });

  it('refuses a ref to an output that no earlier phase or action produces', () => {
    const use = (ref: Action['command']) => act('use', { phase: 'two', command: ref });
    const make = act('make', { phase: 'one', output: { name: 'v' } });
    expect(refusal(moduleOf({ n1: [make], n2: [use({ argv: ['echo', { output: 'w' }] })] }, two))).toMatch(/uses output "w", which no action of the step produces/);
    expect(refusal(moduleOf({ n1: [make], n2: [use({ argv: ['echo', { output: 'v', host: 'n3' }] })] }, two))).toMatch(/uses output "v" of host n3, which no action/);
    // Produced in a later phase.
    expect(refusal(moduleOf({ n1: [act('use', { phase: 'one', command: { script: 'echo "$1"', args: [{ output: 'v' }] } })], n2: [act('make', { phase: 'two', output: { name: 'v' } })] }, two)))
      .toMatch(/not produced before it runs/);
    // Same phase, another host: it may run at the same time, so it is not "before".
    expect(refusal(moduleOf({ n2: [act('make', { phase: 'two', output: { name: 'v' } })], n3: [use({ argv: ['echo', { output: 'v' }] })] }, two)))
      .toMatch(/not produced before it runs/);
    // Same host, later action of the same phase: fine; the earlier action: refused.
    expect(refusal(moduleOf({ n1: [make, act('use', { phase: 'one', command: { argv: ['echo', { output: 'v' }] } })] }, two))).toBe('planned');
    expect(refusal(moduleOf({ n1: [act('use', { phase: 'one', command: { argv: ['echo', { output: 'v' }] } }), make] }, two))).toMatch(/not produced before/);
    // A ref in a probe or in `read` is checked too.
    expect(refusal(moduleOf({ n1: [make], n2: [act('use', { phase: 'two', probe: { argv: ['test', { output: 'zz' }] } })] }, two))).toMatch(/"zz"/);
  });

  it('refuses phases that do not fit the actions, and outputs it could not read back', () => {
    expect(refusal(moduleOf({ n1: [act('a')] }, two))).toMatch(/is in no phase/);
    expect(refusal(moduleOf({ n1: [act('a', { phase: 'two' })] }, two))).toMatch(/does not run on host n1/);
    expect(refusal(moduleOf({ n1: [act('a', { phase: 'one' })] }))).toMatch(/the step has no phases/);
    expect(refusal(moduleOf({ n1: [act('a', { phase: 'one' })] }, [...two, two[0]!]))).toMatch(/phase "one" twice/);
    expect(refusal(moduleOf({ n1: [act('a', { phase: 'One' })] }, [{ ...two[0]!, id: 'One' }]))).toMatch(/bad phase id/);
    expect(refusal(moduleOf({ n1: [act('a', { phase: 'one' })] }, [{ ...two[0]!, hosts: ['n1', 'n9'] }]))).toMatch(/unknown host n9/);
    expect(refusal(moduleOf({ n1: [act('a', { phase: 'one', probe: { argv: ['true'] }, output: { name: 'v' } })] }, two))).toMatch(/no `read`/);
    expect(refusal(moduleOf({ n1: [act('a', { phase: 'one', output: { name: 'v' } }), act('b', { phase: 'one', output: { name: 'v' } })] }, two))).toMatch(/produced twice/);
  });

  it('refuses an ambiguous ref (several producers, no host named) and accepts it with a host or `all`', () => {
    const phases: Phase[] = [{ id: 'one', title: 't', hosts: ['n1', 'n2'], mode: 'parallel' }, { id: 'two', title: 't', hosts: ['n3'], mode: 'parallel' }];
    const make = act('make', { phase: 'one', output: { name: 'v' } });
    const use = (ref: object) => moduleOf({ n1: [make], n2: [make], n3: [act('use', { phase: 'two', command: { argv: ['echo', ref as never] } })] }, phases);
    expect(refusal(use({ output: 'v' }))).toMatch(/several hosts produce: name the host or ask for all/);
    expect(refusal(use({ output: 'v', host: 'n2' }))).toBe('planned');
    expect(refusal(use({ output: 'v', all: true }))).toBe('planned');
  });
});

describe('phases and outputs: secrets and replay', () => {
  it('a secret output is redacted to its named placeholder wherever the runner writes', () => {
    const store = new MemorySecretStore();
    store.set('h1', 'password', 'hunter22');
    store.set('n1', outputSecretKind('s', 'vrrp-auth'), 'CANARY-abc"def');
    const labels = store.labels();
    expect(labels.get('CANARY-abc"def')).toBe(secretPlaceholder('vrrp-auth'));
    expect(redactSecrets('pw hunter22 key CANARY-abc"def.', store.values(), labels)).toBe(`pw [redacted] key ${secretPlaceholder('vrrp-auth')}.`);
    // As JSON (journal lines) too.
    expect(JSON.stringify(redactDeep({ m: JSON.stringify('x CANARY-abc"def') }, store.values(), labels))).not.toContain('CANARY');
  });

  it('replays output events: values of the run, and hosts whose phase has not come wait', () => {
    const r = buildPlan(testOnlyPhasedStep('/w'), project);
    if (!r.ok) throw new Error(r.error.message);
    const at = '2026-01-01T00:00:00Z';
    const state = JournalState.from([
      { type: 'run-started', at, runId: 'r1', stepId: 'test-only-phased', plan: r.value.view, owner: 'o', laptop: 'l', pid: 1 },
      { type: 'phase-started', at, runId: 'r1', phaseId: 'generate', hostIds: ['n1'] },
      { type: 'output', at, runId: 'r1', hostId: 'n1', actionId: 'gen-secret', name: 'canary', secret: true, sha256: 'aa' },
      { type: 'output', at, runId: 'r1', hostId: 'n1', actionId: 'gen-public', name: 'public', secret: false, value: 'public-node1', sha256: 'bb' },
    ]);
    // evaluate sees a public output's value, never a secret's.
    const results = state.results('r1').get('n1')!;
    expect(results.get('gen-public')!.output).toBe('public-node1');
    expect('output' in results.get('gen-secret')!).toBe(false);
    const outs = [...state.runs.get('r1')!.outputs.values()];
    expect(outs.map((o) => [o.name, o.value])).toEqual([['canary', undefined], ['public', 'public-node1']]);
    const view = state.runView('r1', { hosts: new Map([['r1', new Set(['n1'])]]), runs: new Set(['r1']) })!;
    expect(view.status).toBe('running');
    expect(view.hosts.map((h) => h.status)).toEqual(['locking', 'waiting', 'waiting']);
  });
});
