import { describe, expect, it } from 'vitest';
import type { Project } from '../../contract/index.js';
import { bmcSecretId } from '../../contract/index.js';
import { buildPlan, planText } from './plan.js';
import { resolveCommand, resolveStdin, type Action, type StdinArg, type StepModule } from './step-module.js';

/**
 * Values on a command's stdin (StepCommand.stdin): how the plan shows and hashes them, and how
 * the engine turns them into bytes. Delivery over real SSH, with sudo, and that the values are in
 * no process's cmdline on the node: runbook/stdin.lab.test.ts.
 */
const project: Project = {
  version: 1, site: 'Lab', customer: 'ACME', technician: 'Li Wei',
  hosts: [
    { id: 'h1', name: 'node1', address: '198.18.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'password' } },
    { id: 'h2', name: 'node2', address: '198.18.0.12', port: 22, user: 'lab', role: 'worker', auth: { method: 'password' } },
  ],
};

/** h1 makes a secret output; h2 reads it, a store secret and a literal on stdin. */
function step(stdin: readonly StdinArg[], probeStdin?: readonly StdinArg[]): StepModule {
  const base = { sudo: false, timeoutMs: 10_000, destructive: false } as const;
  return {
    id: 'stdin-test', title: 't',
    phases: () => [{ id: 'make', title: 't', hosts: ['h1'], mode: 'parallel' }, { id: 'use', title: 't', hosts: ['h2'], mode: 'parallel' }],
    plan: () => new Map<string, Action[]>([
      ['h1', [{ ...base, id: 'make', title: 't', phase: 'make', command: { argv: ['make-secret'] }, output: { name: 'tok', secret: true } }]],
      ['h2', [{
        ...base, id: 'use', title: 't', phase: 'use', sudo: true,
        command: { script: 'read -r a; read -r b; use "$1"', args: ['x'], stdin },
        ...(probeStdin ? { probe: { script: 'read -r a; check', stdin: probeStdin } } : {}),
      }]],
    ]),
    evaluate: () => [],
  };
}

const built = (m: StepModule) => {
  const r = buildPlan(m, project);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('stdin: the plan', () => {
  it('shows stdin lines as placeholders beside the line, which holds none of them', () => {
    const p = built(step([{ output: 'tok', host: 'h1' }, { secret: bmcSecretId('h1') }, 'literal'], [{ secret: 'h2', kind: 'sudo' }]));
    const use = p.view.hosts.find((h) => h.hostId === 'h2')!.actions[0]!;
    expect(use.stdin).toEqual(['<output:tok@h1>', '<secret:h1/bmc>', 'literal']);
    expect(use.probeStdin).toEqual(['<secret:h2:sudo>']);
    expect(use.command).not.toContain('<output:tok');
    expect(use.command).not.toContain('<secret:');
    // The wire line is what it is without stdin: sudo -S still reads only its own password.
    expect(use.command).toContain("exec sudo -S -p '[rackside-sudo-prompt]' --");
    const text = planText(p.view);
    expect(text).toContain('stdin, one per line: <output:tok@h1> <secret:h1/bmc> literal');
    expect(text).toContain('its stdin, one per line: <secret:h2:sudo>');
    // An action without stdin shows none (and hashes as before).
    expect(p.view.hosts[0]!.actions[0]).not.toHaveProperty('stdin');
  });

  it('hashes the placeholders: the same plan the same hash, another secret or order another hash', () => {
    const a = built(step([{ output: 'tok', host: 'h1' }, { secret: 'h1/bmc' }]));
    const b = built(step([{ output: 'tok', host: 'h1' }, { secret: 'h1/bmc' }]));
    const c = built(step([{ output: 'tok', host: 'h1' }, { secret: 'h2/bmc' }]));
    const d = built(step([{ secret: 'h1/bmc' }, { output: 'tok', host: 'h1' }]));
    expect(b.view.planHash).toBe(a.view.planHash);
    expect(c.view.planHash).not.toBe(a.view.planHash);
    expect(d.view.planHash).not.toBe(a.view.planHash);
  });

  it('checks stdin refs like argument refs: an output nobody makes is refused', () => {
    const r = buildPlan(step([{ output: 'nope' }]), project);
    expect(!r.ok && r.error.message).toMatch(/uses output "nope", which no action of the step produces/);
  });
});

describe('stdin: the bytes', () => {
  const value = (ref: { output: string; all?: boolean }) => (ref.all ? ['v1', 'v2'] : [`val-${ref.output}`]);
  const store = (ref: { secret: string }) => `pw-${ref.secret}`;

  it('one line per value in order (an `all` ref one per producer), each ended by a newline; none without stdin', () => {
    const cmd = { argv: ['cat'], stdin: ['first', { output: 'a' }, { secret: 'h1/bmc' }, { output: 'b', all: true }] };
    expect(resolveStdin(cmd, value, store)).toBe('first\nval-a\npw-h1/bmc\nv1\nv2\n');
    expect(resolveStdin({ argv: ['cat'] }, value, store)).toBeUndefined();
    // The command itself gets no trace of them.
    expect(resolveCommand(cmd, value)).toEqual({ argv: ['cat'] });
  });

  it('refuses a value that would break the lines, and a store secret as an argument', () => {
    expect(() => resolveStdin({ argv: ['cat'], stdin: [{ secret: 'x' }] }, value, () => 'two\nlines')).toThrow(/line break/);
    expect(() => resolveCommand({ argv: ['cat', { secret: 'x' } as never] }, value)).toThrow(/stdin only/);
  });
});
