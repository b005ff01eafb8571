import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { describe, expect, it } from 'vitest';
import type { Project } from '../../contract/index.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import { HostConnection } from '../ssh/host-connection.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { Semaphore } from '../ssh/semaphore.js';
import { targetOf } from '../ssh/target.js';
import { buildPlan, lockedCommand, noRefs, planText } from './plan.js';
import { resolveCommand } from './step-module.js';
import { preflightStep } from '../steps/preflight/step.js';

const project: Project = {
  version: 1,
  site: 'Lab',
  customer: 'ACME',
  technician: 'Li Wei',
  hosts: [
    { id: 'h1', name: 'node1', address: '198.18.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'password' } },
    { id: "h2'; touch /tmp/pwned #", name: 'node2', address: '198.18.0.12', port: 22, user: 'lab', role: 'worker', auth: { method: 'agent' } },
  ],
};

/**
 * Mock at the one seam that cannot be real in a unit test: ssh2's Client.exec. It records the
 * exec request's command string (the bytes sshd is sent) and fails the channel open, so nothing
 * runs. The lab tests send the same lines to a real sshd.
 */
function recordingConnection(host: Project['hosts'][number], dataDir: string, sudoPassword?: string) {
  const sent: string[] = [];
  const client = {
    exec(line: string, cb: (e: Error | undefined, ch: unknown) => void) {
      sent.push(line);
      cb(new Error('recorded only'), undefined);
    },
    end() {},
  };
  const conn = new HostConnection(targetOf(host), {
    knownHosts: new KnownHosts(dataDir),
    secrets: new MemorySecretStore(),
    connectLimit: new Semaphore(1),
    channelsPerHost: 1,
    sudoPassword: () => sudoPassword,
  });
  (conn as unknown as { client: Client }).client = client as unknown as Client;
  return { conn, sent };
}

describe('dry run = the bytes sent', () => {
  it('every command and probe of the plan is byte for byte what HostConnection sends, sudo or not, with or without a sudo password', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rackside-wire-'));
    const built = buildPlan(preflightStep, project);
    if (!built.ok) throw new Error(built.error.message);
    const text = planText(built.value.view);
    let compared = 0;
    for (const h of built.value.view.hosts) {
      const host = project.hosts.find((x) => x.id === h.hostId)!;
      const actions = built.value.actions.get(h.hostId)!;
      for (const password of [undefined, 'sudo-secret-1']) {
        const { conn, sent } = recordingConnection(host, dataDir, password);
        for (const [i, a] of actions.entries()) {
          await conn.run(lockedCommand(a), { sudo: a.sudo });
          expect(h.actions[i]!.command).toBe(sent.at(-1));
          expect(text).toContain(`   $ ${sent.at(-1)}\n`);
          compared++;
          if (a.probe) {
            await conn.run(resolveCommand(a.probe, noRefs), { sudo: a.sudo });
            expect(h.actions[i]!.probe).toBe(sent.at(-1));
          }
        }
        // The sudo password goes over stdin only: never in the line.
        for (const line of sent) expect(line).not.toContain('sudo-secret-1');
      }
    }
    expect(compared).toBeGreaterThan(0);
    expect(built.value.view.hosts[1]!.actions.some((a) => a.sudo)).toBe(true);
  });
});
