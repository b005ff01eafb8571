import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export interface RunningHost {
  url: string;
  origin: string;
  dataDir: string;
  /** The host process (the benchmark reads its CPU time). */
  pid: number | undefined;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Start the built browser host (dist/, as `npm run serve` does) with a fresh data folder.
 * RACKSIDE_HOST_NODE_ARGS: extra Node options for the host process, e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` to profile the backend under a benchmark (Node refuses those in NODE_OPTIONS).
 */
export async function startBrowserHost(opts: { args?: string[] } = {}): Promise<RunningHost> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rs-e2e-data-'));
  const nodeArgs = (process.env.RACKSIDE_HOST_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, join(root, 'dist/electron/host/cli.js'), '--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Local shells are the laptop's login shell; here that is root's bash, whose .bashrc runs
    // `pyenv init` (a rehash under a lock file). A shell a test closes in the middle of it leaves
    // the lock behind and every later shell waits 60 s for it — the machine's startup files, not
    // what these tests test — so the e2e hosts' local shells are /bin/sh (login: no .bashrc).
    env: { ...process.env, SHELL: '/bin/sh' },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser host did not start:\n${out}`)), 15_000);
    child.stdout!.on('data', () => {
      const m = /Rackside browser host: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`browser host exited with ${code}:\n${out}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    dataDir,
    pid: child.pid,
    output: () => out,
    // The data folder goes with the host (a benchmark leaves ~1 GB of transcripts in it);
    // RACKSIDE_KEEP_DATA=1 keeps it for a look afterwards.
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      if (!process.env.RACKSIDE_KEEP_DATA) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
