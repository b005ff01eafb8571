/**
 * One drill in a process of its own, so the lab test can SIGKILL its backend mid-drill:
 *   node --import tsx drill-runner.ts <projectDir> <dataDir> <kind>
 * Prints one JSON line per timeline event as it is journaled ({"event": …}), then the record.
 */
import type { DrillKind } from '../../../contract/index.js';
import { MemorySecretStore } from '../../secrets/secret-store.js';
import { KnownHosts } from '../../ssh/known-hosts.js';
import { SshPool } from '../../ssh/pool.js';
import { DrillEngine } from '../engine.js';

const [projectDir, dataDir, kind] = process.argv.slice(2);
const pool = new SshPool({ knownHosts: new KnownHosts(dataDir!), secrets: new MemorySecretStore() });
// A long window: the test kills this process while the fault is on.
const engine = new DrillEngine({ pool, emit: () => {}, timing: { minWindowMs: 120_000, stableMs: 100_000 }, onEvent: (id, e) => process.stdout.write(JSON.stringify({ id, ...e }) + '\n') });
const started = await engine.start(projectDir!, { kind: kind as DrillKind, technician: 'Vitest' });
if (!started.ok) {
  process.stdout.write(JSON.stringify({ error: started.error }) + '\n');
  process.exit(1);
}
const record = await engine.whenDone(projectDir!, started.value.drillId);
pool.closeAll();
process.stdout.write(JSON.stringify({ record }) + '\n');
process.exit(0);
