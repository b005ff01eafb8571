#!/usr/bin/env node
// `npm test`: typecheck, lint, unit tests, build, then the lab (real sshd in network namespaces),
// integration tests and e2e tests in Debian's Chromium. Stops at the first failing stage and ends
// with one summary line "tests: N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { installLine, missingPackages, PACKAGE_LIST, readPackageList } from './test-support/debian-packages.mjs';

const root = join(import.meta.dirname, '..');
const reports = join(root, 'test-results');
mkdirSync(reports, { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
let labStartedHere = false;

function sh(title, cmd, args, env = {}) {
  console.log(`\n▶ ${title}: ${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`◀ ${title}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return r.status === 0;
}

function count(name) {
  const out = join(reports, `${name}.json`);
  if (!existsSync(out)) return;
  const r = JSON.parse(readFileSync(out, 'utf8'));
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += r.numPendingTests + r.numTodoTests;
}

function vitest(project, env = {}, args = [], name = project) {
  const out = join(reports, `${name}.json`);
  const ok = sh(`${name} tests`, 'npx', ['vitest', 'run', '--project', project, ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`], env);
  // A lane (below) counts nothing itself: the main process reads its reports when it ends.
  if (!LANE) count(name);
  return ok;
}

async function finish(ok) {
  if (vmLane) {
    if (!(await vmLane.wait())) ok = false;
  }
  if (labStartedHere && !process.env.RACKSIDE_KEEP_LAB) sh('lab down', 'bash', ['scripts/lab/lab', 'down']);
  console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
  process.exit(ok ? 0 : 1);
}

/**
 * The Debian packages of scripts/debian-packages.txt: installed here when missing and we are root
 * (a fresh machine needs only `npm install` and `npm test`), otherwise a stop at once with the
 * exact command, rather than a failure twenty minutes in.
 */
function debianPackages() {
  const wanted = readPackageList(process.env.RACKSIDE_DEBIAN_PACKAGES ?? PACKAGE_LIST);
  const missing = missingPackages(wanted);
  if (missing === null) {
    console.log(`\nNot a Debian system (no dpkg-query): make sure the equivalents of these are installed: ${wanted.join(' ')}`);
    return true;
  }
  if (missing.length === 0) return true;
  // RACKSIDE_NO_APT=1: say what is missing, even as root, instead of installing it.
  if (process.getuid?.() !== 0 || process.env.RACKSIDE_NO_APT === '1') {
    console.error(`\nMissing Debian packages: ${missing.join(' ')}\nInstall them, then run npm test again:\n  sudo apt-get update && sudo ${installLine(missing)}`);
    return false;
  }
  console.log(`\nInstalling missing Debian packages: ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  if (!sh('apt-get update', 'apt-get', ['update', '-q'], env)) return false;
  return sh('apt-get install', 'apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], env);
}

const STORAGE_E2E = 'e2e/storage.e2e.ts';
// The tests that need the VM lab (qemu, TCG here: CPU-bound and slow) run in a lane of their own,
// beside the rest (which mostly waits on sshd and services): same tests, ~10 min less wall time.
const VM_INTEGRATION = ['electron/services/steps/storage/storage.vm.lab.test.ts', 'scripts/lab/vm.lab.test.ts'];
const VM_REPORTS = ['integration-vm', 'e2e-storage'];
const LANE = process.argv.includes('--lane-vm');
const vmTests = process.env.RACKSIDE_LAB_VM_TESTS !== '0';
const MASTER_E2E = 'e2e/master-install.e2e.ts';
// Step 6's e2e needs a systemd-mode lab of its own (below).
const JOIN_E2E = 'e2e/worker-join.e2e.ts';
// The Pacemaker profile through the UI: a fresh systemd-mode lab of its own too.
const PCM_E2E = 'e2e/pacemaker-join.e2e.ts';
// Step 7's e2e builds the base platform and drills it: a systemd-mode lab of its own too.
const VERIFY_E2E = 'e2e/verify.e2e.ts';
const MASTER_LAB = '85';
// kit-install.lab.test.ts (issue 22): the master install from the site kit, systemd mode, 4 nodes.
const KIT_LAB = '84';
// electron/services/drill/drill.lab.test.ts: failover drills on a base platform of its own (systemd mode, 4 nodes).
const DRILL_LAB = '84';
const PACEMAKER_LAB = '86';
const SLURM_LAB = '87';
// verify.lab.test.ts (step 7 on the base platform) likewise.
const VERIFY_LAB = '84';
const VM_E2E_LAB = '93';
const SYSTEMD_E2E_LAB = '89';
const JOIN_E2E_LAB = '88';
const PCM_E2E_LAB = '84';
const VERIFY_E2E_LAB = '83';

function labOn(instance, args) {
  return sh(`lab ${args.join(' ')} (instance ${instance})`, 'bash', ['scripts/lab/lab', ...args], { RACKSIDE_LAB_INSTANCE: instance });
}

/** `run` with a lab instance up; the lab is taken down afterwards whatever happened. */
function withLab(instance, up, down, run) {
  let ok = labOn(instance, up) && run();
  if (!labOn(instance, down)) ok = false;
  return ok;
}

/**
 * The VM lane: `node scripts/test.mjs --lane-vm`, started by the main process once the namespace lab
 * is up (require-lab checks it), its output in test-results/lane-vm.log, printed when it ends.
 */
const laneStages = [
  () => vitest('integration', { RACKSIDE_LAB_VM_TESTS: '1', RACKSIDE_LAB_VM_LANE: '1' }, VM_INTEGRATION, 'integration-vm'),
  () => withLab(VM_E2E_LAB, ['vm', 'up', '--vms', '1', '--disks', '4'], ['vm', 'down'], () =>
    vitest('e2e', { RACKSIDE_LAB_VM_INSTANCE: VM_E2E_LAB, RACKSIDE_LAB_VM_LANE: '1' }, [STORAGE_E2E], 'e2e-storage')),
];

let vmLane = null;
function startVmLane() {
  if (!vmTests) return true;
  for (const r of VM_REPORTS) rmSync(join(reports, `${r}.json`), { force: true });
  const log = join(reports, 'lane-vm.log');
  const fd = openSync(log, 'w');
  const t0 = Date.now();
  console.log(`\n▶ VM lane (storage VM test, VM lab test, storage e2e) started beside the other tests; output: ${log}`);
  const child = spawn(process.execPath, [join(root, 'scripts/test.mjs'), '--lane-vm'], { cwd: root, stdio: ['ignore', fd, fd], env: process.env });
  closeSync(fd);
  const ended = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code === 0 ? true : `exit ${code ?? signal}`)));
  vmLane = {
    async wait() {
      const r = await ended;
      vmLane = null;
      console.log(`\n──── VM lane output (${log}) ────\n${readFileSync(log, 'utf8')}──── end of VM lane ────`);
      console.log(`◀ VM lane: ${r === true ? 'ok' : `FAILED (${r})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      for (const name of VM_REPORTS) count(name);
      return r === true;
    },
  };
  return true;
}

const stages = [
  debianPackages,
  () => sh('typecheck', 'npm', ['run', '--silent', 'typecheck']),
  () => sh('lint', 'npm', ['run', '--silent', 'lint']),
  () => vitest('unit'),
  // The e2e tests drive the test build: it keeps window.racksideTerminals (vite.config.ts).
  () => sh('build', 'npm', ['run', '--silent', 'build:test']),
  () => {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) {
      console.error('Integration and e2e tests need the lab, which needs Linux and root: run `sudo npm test`.');
      return false;
    }
    const status = spawnSync('bash', ['scripts/lab/lab', 'status', '--json'], { cwd: root, encoding: 'utf8' });
    const lab = status.status === 0 ? JSON.parse(status.stdout || '{}') : {};
    const nodes = lab.up === true ? (lab.nodes ?? []) : [];
    // A lab someone else keeps running is used as it is. One whose processes ended (a reboot, or
    // the session that started it is gone: its namespaces outlive it) is "up" with nothing
    // behind it; `lab up` removes and restarts it (and restarts an sshd that is not listening).
    if (nodes.length >= 4 && nodes.every((n) => n.running && n.sshd)) return true;
    labStartedHere = !nodes.some((n) => n.running);
    return sh('lab up', 'bash', ['scripts/lab/lab', 'up', '--nodes', String(Math.max(4, nodes.length))]);
  },
  // The VM lab's tests (qemu; a real kernel for mdadm) run in their lane: RACKSIDE_LAB_VM_TESTS=0 leaves them out.
  startVmLane,
  // The systemd-mode labs the master install and profile tests bring up are taken down by each
  // file when it ends (RACKSIDE_LAB_DOWN_AFTER), and again below in case a file did not get there.
  () => vitest('integration', { RACKSIDE_LAB_DOWN_AFTER: '1' }, VM_INTEGRATION.flatMap((f) => ['--exclude', f])),
  // master.lab.test.ts brings up a systemd-mode lab of its own (instance 85): not needed after it.
  () => labOn(MASTER_LAB, ['down']) || true,
  () => labOn(KIT_LAB, ['down']) || true,
  // drill.lab.test.ts: the same, instance 84.
  () => labOn(DRILL_LAB, ['down']) || true,
  // pacemaker.lab.test.ts: the same, instance 86 (5 nodes).
  () => labOn(PACEMAKER_LAB, ['down']) || true,
  // slurm.lab.test.ts likewise (instance 87, five nodes).
  () => labOn(SLURM_LAB, ['down']) || true,
  // verify.lab.test.ts: the same, instance 84 (four nodes).
  () => labOn(VERIFY_LAB, ['down']) || true,
  () => vitest('e2e', {}, ['--exclude', STORAGE_E2E, '--exclude', MASTER_E2E, '--exclude', JOIN_E2E, '--exclude', PCM_E2E]),
  () => vitest('e2e', {}, ['--exclude', STORAGE_E2E, '--exclude', MASTER_E2E, '--exclude', JOIN_E2E, '--exclude', VERIFY_E2E]),
  // Two e2e files need labs of another kind beside the namespace lab: a VM with real MD (storage,
  // in the VM lane) and a systemd-mode lab (master install, then step 6 on the cluster it built).
  // Each is brought up for its files and taken down after.
  () => withLab(SYSTEMD_E2E_LAB, ['up', '--mode', 'systemd', '--nodes', '4'], ['down'], () =>
    vitest('e2e', { RACKSIDE_LAB_INSTANCE: SYSTEMD_E2E_LAB }, [MASTER_E2E], 'e2e-master')),
  // Step 6 builds a Slurm cluster from bare nodes: a fresh lab of its own, not the master e2e's.
  () => withLab(JOIN_E2E_LAB, ['up', '--mode', 'systemd', '--nodes', '4'], ['down'], () =>
    vitest('e2e', { RACKSIDE_LAB_INSTANCE: JOIN_E2E_LAB }, [JOIN_E2E], 'e2e-join')),
  // The Pacemaker cluster from bare nodes through steps 5 and 6 and the report (~8 min on a loaded machine).
  () => withLab(PCM_E2E_LAB, ['up', '--mode', 'systemd', '--nodes', '4'], ['down'], () =>
    vitest('e2e', { RACKSIDE_LAB_INSTANCE: PCM_E2E_LAB }, [PCM_E2E], 'e2e-pacemaker')),
  // Step 7 verifies and drills a cluster it builds itself (the drill stops its services): its own lab.
  () => withLab(VERIFY_E2E_LAB, ['up', '--mode', 'systemd', '--nodes', '4'], ['down'], () =>
    vitest('e2e', { RACKSIDE_LAB_INSTANCE: VERIFY_E2E_LAB }, [VERIFY_E2E], 'e2e-verify')),
];

if (LANE) {
  let ok = true;
  for (const stage of laneStages) if (!stage()) { ok = false; break; }
  process.exit(ok ? 0 : 1);
}
for (const stage of stages) {
  if (!stage()) await finish(false);
}
await finish(true);
