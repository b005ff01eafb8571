#!/usr/bin/env node
// `npm test`: the lab (real sshd in network namespaces) and its lanes, build, typecheck, lint, unit
// tests, then integration tests and e2e tests in Debian's Chromium. Stops at the first failing stage and ends
// with one summary line "tests: N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installLine, missingPackages, PACKAGE_LIST, readPackageList } from './test-support/debian-packages.mjs';

const root = join(import.meta.dirname, '..');
// RACKSIDE_TEST_RESULTS: another folder for the reports and the build status (a unit test runs
// this script and must not touch the build status that a running `npm test`'s lanes wait on).
const reports = process.env.RACKSIDE_TEST_RESULTS ?? join(root, 'test-results');
mkdirSync(reports, { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
let labStartedHere = false;
/** Every stage's outcome and time (a lane's own stages are in its log), summed up at the end. */
const stageLog = [];

function sh(title, cmd, args, env = {}) {
  console.log(`\n▶ ${title}: ${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const line = `${title}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
  console.log(`◀ ${line}`);
  stageLog.push(line);
  return r.status === 0;
}

/** Failed tests by name (report: file > test), printed again at the very end: CI shows the tail. */
const failedTests = [];
function count(name) {
  const out = join(reports, `${name}.json`);
  if (!existsSync(out)) return;
  let r;
  try {
    r = JSON.parse(readFileSync(out, 'utf8'));
  } catch (e) {
    failedTests.push(`${name}: its report ${out} is unreadable (${e instanceof Error ? e.message : e})`);
    totals.failed += 1;
    return;
  }
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += r.numPendingTests + r.numTodoTests;
  for (const file of r.testResults ?? []) {
    const rel = String(file.name).startsWith(root) ? String(file.name).slice(root.length + 1) : file.name;
    const failed = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
    // With the first line of why: CI shows only the tail of the output, where this summary is.
    for (const a of failed) failedTests.push(`${name}: ${rel} > ${a.fullName}${why(a.failureMessages)}`);
    // A file that failed outside its tests (an import, a beforeAll) has no failed test of its own.
    if (file.status === 'failed' && failed.length === 0) failedTests.push(`${name}: ${rel} (${String(file.message ?? 'failed outside its tests').split('\n')[0].slice(0, 300)})`);
  }
}

/** The first line of a test's first failure message, for the summary. */
function why(messages) {
  const first = Array.isArray(messages) && messages.length > 0 ? String(messages[0]).split('\n').find((l) => l.trim() !== '') : undefined;
  return first ? `\n      ${first.trim().slice(0, 300)}` : '';
}

function vitest(project, env = {}, args = [], name = project) {
  const out = join(reports, `${name}.json`);
  const ok = sh(`${name} tests`, 'npx', ['vitest', 'run', '--project', project, ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`], env);
  // A lane (below) counts nothing itself: the main process reads its reports when it ends.
  if (!LANE) count(name);
  return ok;
}

async function finish(ok) {
  if (!LANE && !existsSync(BUILD_STATUS)) writeFileSync(BUILD_STATUS, 'not built');
  while (running.length > 0) {
    if (!(await running.shift()())) ok = false;
  }
  if (labStartedHere && !process.env.RACKSIDE_KEEP_LAB) sh('lab down', 'bash', ['scripts/lab/lab', 'down']);
  console.log('\nstages:');
  for (const line of stageLog) console.log(`  ${line}`);
  if (failedTests.length > 0) {
    console.log('\nfailed:');
    for (const line of failedTests) console.log(`  ${line}`);
  }
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
const VM_INTEGRATION = ['electron/services/steps/storage/storage.vm.lab.test.ts'];
/**
 * The integration files that build clusters on systemd-mode labs of their own (each file its own
 * instance, taken down when it ends: RACKSIDE_LAB_DOWN_AFTER, and again after the stage). They
 * mostly wait on package installs and cluster timers, so they run in a lane beside the rest.
 */
const CLUSTER_INTEGRATION = [
  ['electron/services/steps/master/master.lab.test.ts', '85'],
  ['electron/services/steps/verify/verify.lab.test.ts', '78'],
  ['electron/services/drill/drill.lab.test.ts', '81'],
  ['electron/services/steps/master/kit-install.lab.test.ts', '84'],
  ['electron/services/steps/master/pacemaker.lab.test.ts', '86'],
  ['electron/services/steps/master/slurm.lab.test.ts', '87'],
];
/**
 * The cluster lane runs these files one after the other and was the longest lane (31-34 min in
 * CI): the step-7 file (~6-7 min with its cluster build) runs in the cluster e2e lane instead,
 * first, while that lane's e2e files wait for the build.
 */
const E2E_LANE_INTEGRATION = ['electron/services/steps/verify/verify.lab.test.ts'];
/**
 * And two more (~5 min together in CI18) run in the e2e lane, which ended ~17 min before the
 * others in CI18 (cluster lane 2400 s: Pacemaker's file alone 1443 s).
 */
const MAIN_E2E_LANE_INTEGRATION = ['electron/services/drill/drill.lab.test.ts', 'electron/services/steps/master/kit-install.lab.test.ts'];
const inClusterLane = CLUSTER_INTEGRATION.filter(([f]) => !E2E_LANE_INTEGRATION.includes(f) && !MAIN_E2E_LANE_INTEGRATION.includes(f));
const inE2eLane = CLUSTER_INTEGRATION.filter(([f]) => E2E_LANE_INTEGRATION.includes(f));
const inMainE2eLane = CLUSTER_INTEGRATION.filter(([f]) => MAIN_E2E_LANE_INTEGRATION.includes(f));
/**
 * Not in npm test: the profiles' step-7 checks on clusters of their own (slurm-verify: ~11 min from
 * bare nodes; pacemaker-verify: only with RACKSIDE_LAB_PCM_VERIFY=1). Their findings are tested on
 * lab-captured output in slurm-verify.test.ts / pacemaker-verify.test.ts; run the files by hand.
 */
const BY_HAND = [
  'electron/services/steps/master/slurm-verify.lab.test.ts',
  'electron/services/steps/master/pacemaker-verify.lab.test.ts',
  // The VM lab's own test (a VM of its own, raw mdadm: ~3 min idle, ~5 in CI) and the storage
  // fixtures' capture: run it after changing scripts/lab/vm. npm test's storage VM file checks what
  // the storage tests stand on (the VM's status, kernel, offline, `up` again) and does with the
  // product's own actions what this one does by hand (mdadm from the lab repository, a pulled disk).
  'scripts/lab/vm.lab.test.ts',
];
/** The e2e files that build a cluster through the UI, each on a fresh systemd-mode lab of its own. */
const CLUSTER_E2E = [
  // The master install through step 5 (base platform).
  ['e2e/master-install.e2e.ts', '89', 'e2e-master'],
  // Step 6 builds a Slurm cluster from bare nodes.
  ['e2e/worker-join.e2e.ts', '88', 'e2e-join'],
  // The Pacemaker cluster from bare nodes through steps 5 and 6 and the report.
  ['e2e/pacemaker-join.e2e.ts', '77', 'e2e-pacemaker'],
  // Step 7 verifies and drills a cluster it builds itself (the drill stops its services).
  ['e2e/verify.e2e.ts', '83', 'e2e-verify'],
];
/**
 * The storage e2e file runs on the VM the storage VM test leaves up (its instance, 92, with
 * RACKSIDE_LAB_VM_KEEP=1; the e2e file starts by wiping its disks): one boot and one `mdadm lvm2`
 * install under TCG fewer than on a VM of its own (~4 min idle, more in CI).
 */
const VM_LAB = '92';
/**
 * The e2e files that need neither a cluster nor a VM run in a lane of their own on a namespace lab
 * of their own (instance 10), beside the main process's integration files on instance 0 (whose
 * tests kill sshd and cut links): they were the main process's last stage (10-17 min); here they
 * overlap the unit and integration stages. The machine is CPU-bound throughout a CI run, so this
 * moves work, it does not remove it (CI16: 42.4 min locally, see the tenth session's note).
 */
const MAIN_E2E_LAB = '10';
const laneArg = process.argv.find((a) => a.startsWith('--lane='));
const LANE = laneArg ? laneArg.slice('--lane='.length) : process.argv.includes('--lane-vm') ? 'vm' : null;
const vmTests = process.env.RACKSIDE_LAB_VM_TESTS !== '0';

function labOn(instance, args) {
  return sh(`lab ${args.join(' ')} (instance ${instance})`, 'bash', ['scripts/lab/lab', ...args], { RACKSIDE_LAB_INSTANCE: instance });
}

/** `run` with a lab instance up; the lab is taken down afterwards whatever happened. */
function withLab(instance, up, down, run) {
  let ok = labOn(instance, up) && run();
  if (!labOn(instance, down)) ok = false;
  return ok;
}

/** Cluster integration files ([file, instance]) in one vitest run, each file's lab down after it (and again here). */
function clusterFiles(files, report) {
  const ok = vitest('integration', { RACKSIDE_LAB_DOWN_AFTER: '1', ...OWN_LABS }, files.map(([f]) => f), report);
  for (const [, instance] of files) labOn(instance, ['down']);
  return ok;
}

// In a lane, the namespace lab (instance 0) is in use by the main process's tests at the same time
// (sshd killed, links cut): its state says nothing about the lane's files, which check their own labs.
const OWN_LABS = { RACKSIDE_LAB_VM_LANE: '1' };

/**
 * Lanes: `node scripts/test.mjs --lane=<name>`, started by the main process once the namespace lab
 * is up, each with its output in test-results/lane-<name>.log, printed and counted when it ends.
 * Stages in a lane run one after the other; a lane stops at its first failure.
 */
const LANES = {
  vm: {
    title: 'VM lane (storage VM test, then the storage e2e on its VM)',
    reports: ['integration-vm', 'e2e-storage'],
    enabled: vmTests,
    stages: [
      // The VM up first, as a stage of its own: on a clean machine it builds the image (debootstrap,
      // kernel, initramfs) and boots it under TCG, while everything else starts too; measured here,
      // and not under a vitest hook's timeout (in the tenth stop's CI it ran past the test's 30 min).
      () => labOn(VM_LAB, ['vm', 'up', '--vms', '1', '--disks', '4']) || (labOn(VM_LAB, ['vm', 'down']) && false),
      () => {
        const ok = vitest('integration', { RACKSIDE_LAB_VM_TESTS: '1', RACKSIDE_LAB_VM_KEEP: '1', ...OWN_LABS }, VM_INTEGRATION, 'integration-vm');
        // The lane stops here: the kept VM goes now.
        if (!ok) labOn(VM_LAB, ['vm', 'down']);
        return ok;
      },
      () => {
        if (!waitForBuild()) return labOn(VM_LAB, ['vm', 'down']) && false;
        // `vm up` on the kept VM changes nothing (and boots one when the test did not keep it).
        return withLab(VM_LAB, ['vm', 'up', '--vms', '1', '--disks', '4'], ['vm', 'down'], () =>
          vitest('e2e', { RACKSIDE_LAB_VM_INSTANCE: VM_LAB, ...OWN_LABS }, [STORAGE_E2E], 'e2e-storage'));
      },
    ],
  },
  clusters: {
    title: 'cluster lane (systemd-mode labs: master install, drills, site kit, Pacemaker, Slurm)',
    reports: ['integration-clusters'],
    enabled: true,
    stages: [
      () => clusterFiles(inClusterLane, 'integration-clusters'),
    ],
  },
  e2e: {
    title: 'e2e lane (the e2e files without a cluster or a VM, on namespace lab instance 10; then the drill and site-kit lab files)',
    reports: ['e2e', 'integration-clusters-main-e2e-lane'],
    enabled: true,
    // The cluster files run whatever the e2e files did, so every report is counted.
    stages: [
      () => {
        const e2e =
          waitForBuild() &&
          // Its own lab, checked by the e2e project's global setup (no OWN_LABS here).
          withLab(MAIN_E2E_LAB, ['up', '--nodes', '4'], ['down'], () =>
            vitest('e2e', { RACKSIDE_LAB_INSTANCE: MAIN_E2E_LAB }, [STORAGE_E2E, ...CLUSTER_E2E.map(([f]) => f)].flatMap((f) => ['--exclude', f])));
        return clusterFiles(inMainE2eLane, 'integration-clusters-main-e2e-lane') && e2e;
      },
    ],
  },
  'cluster-e2e': {
    title: 'cluster e2e lane (the step-7 lab file, then master install, worker joins, Pacemaker, verification through the UI)',
    reports: ['integration-clusters-e2e-lane', ...CLUSTER_E2E.map(([, , name]) => name)],
    enabled: true,
    // Each file on a fresh lab; the lane goes on after a failed file so every report is counted.
    stages: [
      () => {
        const results = [clusterFiles(inE2eLane, 'integration-clusters-e2e-lane')];
        if (!waitForBuild()) return false;
        for (const [file, instance, name] of CLUSTER_E2E) {
          results.push(withLab(instance, ['up', '--mode', 'systemd', '--nodes', '4'], ['down'], () => vitest('e2e', { RACKSIDE_LAB_INSTANCE: instance, ...OWN_LABS }, [file], name)));
        }
        return results.every(Boolean);
      },
    ],
  },
};

/**
 * The build's outcome for a lane started before it (the VM lane's e2e file drives dist/): the main
 * process writes it after the build, or "not built" when it ends without one (an earlier stage
 * failed), so a lane never waits for a build that will not come.
 */
const BUILD_STATUS = join(reports, 'build.status');
function buildDone(ok) {
  writeFileSync(BUILD_STATUS, ok ? 'ok' : 'failed');
  return ok;
}
function waitForBuild() {
  const t0 = Date.now();
  while (!existsSync(BUILD_STATUS)) {
    if (Date.now() - t0 > 60 * 60_000) {
      console.error('The build did not end within an hour: e2e files of this lane not run.');
      return false;
    }
    spawnSync('sleep', ['2']);
  }
  const status = readFileSync(BUILD_STATUS, 'utf8');
  if (status !== 'ok') console.error(`The build was ${status === 'failed' ? 'a failure' : status}: e2e files of this lane not run.`);
  return status === 'ok';
}

const running = [];
function startLane(name) {
  const lane = LANES[name];
  if (!lane.enabled) return true;
  for (const r of [...lane.reports, `lane-${name}.stages`]) rmSync(join(reports, `${r}.json`), { force: true });
  const log = join(reports, `lane-${name}.log`);
  const fd = openSync(log, 'w');
  const t0 = Date.now();
  console.log(`\n▶ ${lane.title} started beside the other tests; output: ${log}`);
  const child = spawn(process.execPath, [join(root, 'scripts/test.mjs'), `--lane=${name}`], { cwd: root, stdio: ['ignore', fd, fd], env: process.env });
  closeSync(fd);
  // The lane's time is taken when it exits, not when the main process gets round to reading it.
  const ended = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ r: code === 0 ? true : `exit ${code ?? signal}`, s: (Date.now() - t0) / 1000 })),
  );
  running.push(async () => {
    const { r, s } = await ended;
    console.log(`\n──── ${name} lane output (${log}) ────\n${readFileSync(log, 'utf8')}──── end of ${name} lane ────`);
    // `s` is when this process saw the exit (after whatever stage it was in): the lane's own
    // "lane ended" line below is its real time.
    const line = `${lane.title}: ${r === true ? 'ok' : `FAILED (${r})`} (seen ending ${s.toFixed(1)} s after its start)`;
    console.log(`◀ ${line}`);
    stageLog.push(line);
    const stages = join(reports, `lane-${name}.stages.json`);
    if (existsSync(stages)) for (const l of JSON.parse(readFileSync(stages, 'utf8'))) stageLog.push(`  ${name} lane: ${l}`);
    for (const report of lane.reports) count(report);
    return r === true;
  });
  return true;
}

const stages = [
  debianPackages,
  () => {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) {
      console.error('Integration and e2e tests need the lab, which needs Linux and root: run `sudo npm test`.');
      return false;
    }
    return true;
  },
  // The VM lab's tests (qemu; a real kernel for mdadm) run in their lane: RACKSIDE_LAB_VM_TESTS=0
  // leaves them out. It starts before everything else, the namespace lab too (it needs none of it:
  // its image, boot and tests are the longest chain of the run); its e2e file waits for the build.
  () => startLane('vm'),
  () => {
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
  // The cluster lanes too (their integration files need no build; the e2e files wait for it): they
  // mostly wait on package installs and cluster timers, and were the critical path when they
  // started after the build (CI 43 min).
  () => startLane('clusters'),
  () => startLane('cluster-e2e'),
  // The e2e tests drive the test build: it keeps window.racksideTerminals (vite.config.ts). Built
  // first, before the typecheck, lint and unit tests: the lanes' e2e files wait for it, and with the
  // lanes beside them those three took 13 min (CI, 2026-12-07) instead of 5.
  () => buildDone(sh('build', 'npm', ['run', '--silent', 'build:test'])),
  () => startLane('e2e'),
  () => sh('typecheck', 'npm', ['run', '--silent', 'typecheck']),
  () => sh('lint', 'npm', ['run', '--silent', 'lint']),
  () => vitest('unit'),
  () => vitest('integration', {}, [...VM_INTEGRATION, ...CLUSTER_INTEGRATION.map(([f]) => f), ...BY_HAND].flatMap((f) => ['--exclude', f])),
];

if (LANE) {
  const t0 = Date.now();
  let ok = true;
  for (const stage of LANES[LANE].stages) if (!stage()) { ok = false; break; }
  // The lane's own time: the main process learns of its exit only between its own (synchronous) stages.
  stageLog.push(`lane ended ${((Date.now() - t0) / 1000).toFixed(1)} s after it started`);
  writeFileSync(join(reports, `lane-${LANE}.stages.json`), JSON.stringify(stageLog));
  process.exit(ok ? 0 : 1);
}
rmSync(BUILD_STATUS, { force: true });
for (const stage of stages) {
  if (!stage()) await finish(false);
}
await finish(true);
