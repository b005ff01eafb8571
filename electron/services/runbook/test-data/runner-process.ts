/**
 * A step runner in a process of its own, so the integration test can SIGKILL it mid-step:
 *   node --import tsx runner-process.ts <projectDir> <dataDir> <workDir> start|resume [stepId]
 * Prints one JSON line with the run's end state, then exits.
 */
import { createLogger } from '../../log/logger.js';
import { MemorySecretStore } from '../../secrets/secret-store.js';
import { KnownHosts } from '../../ssh/known-hosts.js';
import { SshPool } from '../../ssh/pool.js';
import { Runbook } from '../engine.js';
import { stepRegistry } from '../../steps/registry.js';
import { testOnlyPhasedStep, threeActionStep } from './test-steps.js';

const [projectDir, dataDir, workDir, mode, stepId = 'three'] = process.argv.slice(2);
const secrets = new MemorySecretStore();
const pool = new SshPool({ knownHosts: new KnownHosts(dataDir!), secrets });
const runbook = new Runbook({
  pool,
  secrets,
  steps: stepRegistry([threeActionStep(workDir!), testOnlyPhasedStep(workDir!)]),
  emit: () => {},
  log: createLogger((l) => process.stderr.write(l + '\n')),
});
const started = await runbook.start(projectDir!, stepId, { resume: mode === 'resume' });
if (!started.ok) {
  process.stdout.write(JSON.stringify({ error: started.error }) + '\n');
  process.exit(1);
}
const run = await runbook.whenDone(started.value.runId);
await runbook.close();
pool.closeAll();
process.stdout.write(JSON.stringify({ run }) + '\n');
process.exit(0);
