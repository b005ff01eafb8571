/**
 * One step (master-install, worker-join or cluster-leave) in a process of its own, so an
 * integration test (master, Pacemaker, Slurm) can SIGKILL it mid-step:
 *   node --import tsx step-runner.ts <projectDir> <dataDir> <stepId> start|resume [input JSON]
 * Its secret store is memory-only (as the browser host's): a resumed run must read its secrets (the
 * VRRP secret, the hacluster password, the munge key) back from the first master. Secrets the
 * technician typed (BMC passwords) come on stdin as JSON `[[id, kind, value]…]` (nothing: none).
 * Prints one JSON line with the run's end state, then exits.
 */
import { createLogger } from '../../../log/logger.js';
import { Runbook } from '../../../runbook/engine.js';
import { MemorySecretStore } from '../../../secrets/secret-store.js';
import { KnownHosts } from '../../../ssh/known-hosts.js';
import { SshPool } from '../../../ssh/pool.js';
import { clusterLeaveStep, workerJoinStep } from '../../join/step.js';
import { stepRegistry } from '../../registry.js';
import { masterInstallStep } from '../step.js';

const [projectDir, dataDir, stepId, mode, input] = process.argv.slice(2);
const secrets = new MemorySecretStore();
let typed = '';
for await (const chunk of process.stdin) typed += String(chunk);
for (const [id, kind, value] of (typed.trim() ? JSON.parse(typed) : []) as [string, 'password', string][]) secrets.set(id, kind, value);
const pool = new SshPool({ knownHosts: new KnownHosts(dataDir!), secrets });
const runbook = new Runbook({ pool, secrets, steps: stepRegistry([masterInstallStep, workerJoinStep, clusterLeaveStep]), emit: () => {}, log: createLogger((l) => process.stderr.write(l + '\n')) });
const started = await runbook.start(projectDir!, stepId!, { resume: mode === 'resume', ...(input ? { input: JSON.parse(input) as unknown } : {}) });
if (!started.ok) {
  process.stdout.write(JSON.stringify({ error: started.error }) + '\n');
  process.exit(1);
}
const run = await runbook.whenDone(started.value.runId);
await runbook.close();
pool.closeAll();
process.stdout.write(JSON.stringify({ run }) + '\n');
process.exit(0);
