import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys, type LabStatus } from '../../../scripts/test-support/lab.js';
import { bmcSecretId, type Project } from '../../contract/index.js';
import { createLogger } from '../log/logger.js';
import { readJournal, type JournalEvent } from '../project/journal.js';
import { saveProject } from '../project/project-store.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { SshPool } from '../ssh/pool.js';
import { stepRegistry } from '../steps/registry.js';
import { Runbook } from './engine.js';
import { LOCK_DIR } from './lock.js';
import type { Action, StepModule } from './step-module.js';

/**
 * Integration: secrets on stdin (StepCommand.stdin, DESIGN.md §7 "Secrets never in argv") against
 * the lab's real sshd, nothing mocked. node1 (root) makes a secret output on the node; node2 logs in
 * as `lab` and runs under sudo with its password (sudo -S reads it from the same stdin), and gets
 * the secret output and a secret-store secret on stdin. While that action holds them it waits, and
 * the test reads every process's /proc/<pid>/cmdline on node2: neither value may be there. A
 * control action then gets the output the old way, as an argument, and the same reading must find
 * it (so the reading is not blind). Files made on the node are how the test follows the action
 * (no timing).
 */
const TEST_ONLY_STDIN = 'test-only-stdin';
const NODES = [1, 2];
let status: LabStatus;
let dataDir: string;

/** Waits on the node until `<dir>/<name>` exists (bounded: the test polls for `ready-<name>` meanwhile). */
const hold = (name: string) => `touch "$1/ready-${name}"; i=0; while [ ! -e "$1/go-${name}" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done`;

function stdinStep(workDir: string): StepModule {
  const base = { timeoutMs: 90_000, destructive: false } as const;
  return {
    id: TEST_ONLY_STDIN,
    title: 'test.stdin',
    phases: () => [
      { id: 'make', title: 'test.make', hosts: ['n1'], mode: 'parallel' },
      { id: 'use', title: 'test.use', hosts: ['n2'], mode: 'serial' },
    ],
    plan: () => new Map<string, Action[]>([
      ['n1', [{
        ...base, id: 'make', title: 'test.make', phase: 'make', sudo: false,
        command: { script: 'umask 077 && mkdir -p "$1" && v="CANARY-$(od -An -N8 -tx1 /dev/urandom | tr -d \' \\n\')" && printf \'%s\' "$v" > "$1/secret" && printf \'%s\\n\' "$v"', args: [workDir] },
        output: { name: 'canary', secret: true },
      }]],
      ['n2', [
        {
          ...base, id: 'use', title: 'test.use', phase: 'use', sudo: true,
          command: {
            script: `set -eu; mkdir -p "$1"; IFS= read -r out; IFS= read -r stored; printf '%s\\n%s\\n' "$out" "$stored" > "$1/got"; ${hold('use')}; echo "used $out"`,
            args: [workDir],
            stdin: [{ output: 'canary', host: 'n1' }, { secret: bmcSecretId('n2') }],
          },
        },
        {
          // The old delivery, kept only as the control of the /proc reading: the value as an argument.
          ...base, id: 'argv-control', title: 'test.argv', phase: 'use', sudo: true,
          command: { script: `set -eu; ${hold('argv')}`, args: [workDir, { output: 'canary', host: 'n1' }] },
        },
      ]],
    ]),
    evaluate: () => [],
  };
}

async function newProject(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-stdin-lab-')), 'project');
  const project: Project = {
    version: 1, site: 'Lab', customer: 'Stdin tests', technician: 'Vitest',
    hosts: NODES.map((i) => ({
      id: `n${i}`, name: `node${i}`, address: status.nodes[i - 1]!.address, port: 22, user: i === 1 ? 'root' : 'lab',
      role: i === 1 ? ('master' as const) : ('worker' as const), auth: { method: 'key' as const, keyPath: status.keyPath },
    })),
  };
  const saved = await saveProject(dir, project);
  if (!saved.ok) throw new Error(saved.error.message);
  return dir;
}

async function journal(dir: string): Promise<JournalEvent[]> {
  const r = await readJournal(dir);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

async function everyFile(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push({ path: join(e.parentPath, e.name), text: await readFile(join(e.parentPath, e.name), 'utf8') });
  }
  return out;
}

/** Every process's command line on the node, one per line (read as root; nothing of ours is in this command's own argv). */
const cmdlines = () => lab.exec(2, 'sh', '-c', 'for f in /proc/[0-9]*/cmdline; do tr "\\000" " " < "$f" 2>/dev/null; echo; done');

async function untilFile(node: number, path: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await lab.exec(node, 'sh', '-c', `[ -e "${path}" ] && echo yes || true`)).trim() === 'yes') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${path} never appeared on node${node}`);
}

beforeAll(async () => {
  status = await lab.status();
  dataDir = await mkdtemp(join(tmpdir(), 'rs-stdin-data-'));
  await trustLabHostKeys(dataDir, NODES);
});

afterAll(async () => {
  for (const i of NODES) await lab.exec(i, 'rm', '-rf', LOCK_DIR).catch(() => {});
});

describe('secrets on stdin', () => {
  it('delivers an output and a store secret on stdin after sudo\'s password; neither is in any cmdline on the node, nor in the project folder', async () => {
    const dir = await newProject();
    const workDir = `/var/tmp/rs-stdin-${randomBytes(4).toString('hex')}`;
    const stored = `STORED-${randomBytes(8).toString('hex')}`;
    const secrets = new MemorySecretStore();
    secrets.set('n2', 'sudo', status.password);
    secrets.set(bmcSecretId('n2'), 'password', stored);
    const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
    const rb = new Runbook({ pool, secrets, steps: stepRegistry([stdinStep(workDir)]), log: createLogger(() => {}), emit: () => {} });
    try {
      const dry = await rb.plan(dir, TEST_ONLY_STDIN);
      if (!dry.ok) throw new Error(dry.error.message);
      expect(dry.value.text).toContain(`stdin, one per line: <output:canary@n1> <secret:${bmcSecretId('n2')}>`);

      const started = await rb.start(dir, TEST_ONLY_STDIN);
      if (!started.ok) throw new Error(started.error.message);
      await untilFile(2, `${workDir}/ready-use`);
      const during = await cmdlines();
      await lab.exec(2, 'touch', `${workDir}/go-use`);
      await untilFile(2, `${workDir}/ready-argv`);
      const control = await cmdlines();
      await lab.exec(2, 'touch', `${workDir}/go-argv`);
      const run = await rb.whenDone(started.value.runId);
      expect(run?.status).toBe('completed');

      const canary = (await lab.exec(1, 'cat', `${workDir}/secret`)).trim();
      expect(canary).toMatch(/^CANARY-[0-9a-f]{16}$/);
      // The command read exactly its two lines: sudo took its password off the stream first.
      expect(await lab.exec(2, 'cat', `${workDir}/got`)).toBe(`${canary}\n${stored}\n`);
      // The action was running (it is in the listing), holding both values, and neither is in any argv.
      expect(during).toContain('go-use');
      expect(during).not.toContain(canary);
      expect(during).not.toContain(stored);
      // The sudo password as an argument of its own (the chroot-mode lab's PID 1 is
      // /run/rackside-lab-init, whose name holds the lab password `rackside-lab` as a part).
      const asWord = new RegExp(`(^|\\s)${status.password.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`, 'm');
      expect(during).not.toMatch(asWord);
      // The control: as an argument the value is there for anyone to read.
      expect(control).toContain(canary);

      // Nothing the runner wrote holds a value: journal, transcripts, project.yaml (whose key path
      // holds the lab's password as a word, `rackside-lab`: the sudo password is checked elsewhere).
      for (const f of await everyFile(dir)) {
        const values = f.path.endsWith('project.yaml') ? [canary, stored] : [canary, stored, status.password];
        for (const v of values) expect(f.text.includes(v), `${f.path} holds a secret`).toBe(false);
      }
      const used = (await everyFile(dir)).find((f) => f.path.includes(join('logs', 'n2')) && f.path.endsWith('-use.log'));
      expect(used?.text).toContain('used ‹secret:canary›');
      // The transcript names what went on stdin, as the dry run does.
      expect(used?.text).toContain(`## stdin, one per line: <output:canary@n1> <secret:${bmcSecretId('n2')}>`);
    } finally {
      await rb.close();
      pool.closeAll();
      await lab.exec(1, 'rm', '-rf', workDir).catch(() => {});
      await lab.exec(2, 'rm', '-rf', workDir).catch(() => {});
    }
  });

  it('a store secret that is not there stops the host with run-secret-missing, before anything runs there', async () => {
    const dir = await newProject();
    const workDir = `/var/tmp/rs-stdin-${randomBytes(4).toString('hex')}`;
    const secrets = new MemorySecretStore();
    secrets.set('n2', 'sudo', status.password);
    const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
    const rb = new Runbook({ pool, secrets, steps: stepRegistry([stdinStep(workDir)]), log: createLogger(() => {}), emit: () => {} });
    try {
      const started = await rb.start(dir, TEST_ONLY_STDIN);
      if (!started.ok) throw new Error(started.error.message);
      const run = await rb.whenDone(started.value.runId);
      expect(run?.status).toBe('failed');
      const stopped = (await journal(dir)).find((e) => e.type === 'host-stopped' && e.hostId === 'n2');
      expect(stopped).toMatchObject({ code: 'run-secret-missing', params: { action: 'use', secret: bmcSecretId('n2') } });
      expect((await journal(dir)).some((e) => e.type === 'action-started' && e.hostId === 'n2')).toBe(false);
      expect((await lab.exec(2, 'sh', '-c', `[ -e "${workDir}" ] && echo there || echo absent`)).trim()).toBe('absent');
    } finally {
      await rb.close();
      pool.closeAll();
      await lab.exec(1, 'rm', '-rf', workDir).catch(() => {});
    }
  });
});
