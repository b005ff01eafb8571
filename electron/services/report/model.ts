import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import {
  NETWORK_CHECK_STEP,
  VERIFICATION_STEP,
  ON_DEMAND_STEP_IDS,
  REPORT_SCHEMA_ID,
  REPORT_VERSION,
  reportModelSchema,
  type DrillRecord,
  type HardwareFacts,
  type MatrixView,
  type Project,
  type ReportAuditEntry,
  type ReportFinding,
  type ReportHardwareProfile,
  type ReportJournalHead,
  type ReportHost,
  type ReportModel,
  type ReportPhase,
  type ReportSignOff,
  type ReportStep,
  type ReportVerdictItem,
  VERDICT_PHASES,
} from '../../contract/index.js';
import { factsFromResults, isLabNode, isLaxer, loopDisksOfRun } from '../steps/hardware/index.js';
import { asBuiltOf } from '../steps/master/index.js';
import { CLUSTER_STEP, clusterOf } from '../steps/join/index.js';
import { buildMatrix, readHostFacts } from '../steps/network/index.js';
import { arrayStatusFromCapture } from '../steps/storage/index.js';
import { JOURNAL_GENESIS, type JournalEvent } from '../project/journal.js';
import { JournalState } from '../runbook/replay.js';
import type { StepModule } from '../runbook/step-module.js';
import { redactDeep } from '../secrets/secret-store.js';
import { storageOf } from './storage.js';
import { readDrills, reportDrillOf, verificationOf } from './verification.js';

/** English titles of the known steps; a step not listed shows its id, made readable. */
const TITLES_EN: Record<string, string> = {
  preflight: 'Preflight',
  hardware: 'Hardware checks',
  'network-hosts': 'Host names and /etc/hosts',
  'network-check': 'Network checks (node-to-node matrix)',
  'network-interfaces': 'Network interfaces read',
  'network-addressing': 'Addressing with a rollback timer',
  'master-install': 'Base platform (master install)',
  storage: 'RAID, LVM, filesystems and mounts',
  'storage-disks': 'Disks read for the storage plan',
};
export const titleEn = (stepId: string) =>
  TITLES_EN[stepId] ?? stepId.replace(/[-_.]+/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** Which wizard phase a step belongs to, from its id (steps are named after their phase). */
export function phaseOf(stepId: string): ReportStep['phase'] {
  if (stepId === 'preflight' || stepId.startsWith('hardware')) return 'hardware';
  if (stepId.startsWith('network')) return 'network';
  if (/^(storage|raid|disk|lvm)/.test(stepId)) return 'storage';
  if (/^(master|install|base|control)/.test(stepId)) return 'master';
  if (/^(worker|join)/.test(stepId)) return 'workers';
  if (/^(verif|failover)/.test(stepId)) return 'verify';
  return 'other';
}

export interface ReportInput {
  project: Project;
  events: readonly JournalEvent[];
  /** Where the journal's hash chain stood when `events` were read; absent: an empty journal. */
  journal?: ReportJournalHead;
  /** The runner's step modules, in wizard order: each must have run for the report to be "ready". */
  steps: readonly Pick<StepModule, 'id' | 'title'>[];
  signOff: ReportSignOff;
  appVersion: string;
  /** Every known secret value: none may appear in the model. */
  secrets: readonly string[];
  /** Project folder, to check transcripts against their recorded hashes; absent: not checked. */
  dir?: string;
  /** The project's drills; absent: read from the folder's drills/ (`dir`). */
  drills?: readonly DrillRecord[];
  now?: Date;
}

/** The one report model every format is rendered from. Secrets are redacted from every string. */
export async function buildReport(input: ReportInput): Promise<ReportModel> {
  const { project, events } = input;
  const state = JournalState.from(events);

  const hwRun = state.lastRun('hardware');
  const facts = hwRun ? factsFromResults(state.results(hwRun.runId), project, loopDisksOfRun(events, hwRun.runId, project)) : [];
  const inventory: ReportHost[] = project.hosts.map((h) => ({
    hostId: h.id,
    name: h.name,
    address: h.address,
    port: h.port,
    user: h.user,
    role: h.role,
    auth: h.auth.method,
    hardware: hardwareOf(facts.find((f) => f.hostId === h.id)),
  }));

  // Registered steps in wizard order, then any other step the journal knows (a module since removed).
  const stepIds = [...input.steps.map((s) => s.id)];
  for (const e of events) if (e.type === 'run-started' && !stepIds.includes(e.stepId)) stepIds.push(e.stepId);
  const titleOf = (id: string) => input.steps.find((s) => s.id === id)?.title ?? id;
  const steps: ReportStep[] = stepIds.map((stepId) => stepOf(state, stepId, titleOf(stepId)));

  const waivers = [...new Set(stepIds)].flatMap((stepId) =>
    state.waiversOf(stepId).map((w) => ({
      stepId: w.stepId,
      key: w.key,
      code: w.code,
      hostId: w.hostId ?? null,
      reason: w.reason,
      technician: w.technician,
      at: w.at,
      // A waiver that lapsed (worse value, stricter threshold) does not apply to the last run.
      applied: steps.some((s) => s.stepId === stepId && s.findings.some((f) => f.key === w.key && f.waiver !== null)),
    })),
  );

  let matrix: MatrixView | null = null;
  const netRun = state.lastRun(NETWORK_CHECK_STEP);
  if (netRun) {
    const facts = readHostFacts(state.results(netRun.runId), project);
    matrix = { runId: netRun.runId, ...(netRun.finishedAt ? { finishedAt: netRun.finishedAt } : {}), ...buildMatrix(facts, project) };
  }

  const installRun = state.lastRun('master-install');
  const earlierInstalls = [...state.runs.values()].filter((r) => r.stepId === 'master-install' && r.runId !== installRun?.runId).reverse().map((r) => state.results(r.runId));
  const built = installRun ? asBuiltOf(state.results(installRun.runId), project, earlierInstalls) : null;

  const joinRun = state.lastRun(CLUSTER_STEP);
  const cluster = clusterOf(project, joinRun ? { runId: joinRun.runId, results: state.results(joinRun.runId) } : null);

  const auditTrail = await auditOf(events, state, input.dir);
  const verdict = verdictOf(project, steps, input.steps.map((s) => s.id));
  const drills = (input.drills ?? (await readDrills(input.dir))).map(reportDrillOf);

  const model: ReportModel = {
    schema: REPORT_SCHEMA_ID,
    version: REPORT_VERSION,
    generatedAt: (input.now ?? new Date()).toISOString(),
    generator: { app: 'Rackside', version: input.appVersion },
    project: { site: project.site, customer: project.customer, technician: project.technician },
    verdict,
    inventory,
    steps,
    waivers,
    network: { plan: project.network ?? null, matrix },
    ...(installRun && built ? { platform: { runId: installRun.runId, ...built } } : {}),
    ...(cluster ? { cluster: { ...cluster, passed: steps.some((s) => s.stepId === CLUSTER_STEP && s.passed) } } : {}),
    storage: storageOf(project, state, arrayStatusFromCapture),
    verification: verificationOf(project, steps.find((s) => s.stepId === VERIFICATION_STEP)),
    drills,
    auditTrail,
    journal: input.journal ?? { lines: 0, head: JOURNAL_GENESIS, chainedFrom: null },
    signOff: {
      technician: input.signOff.technician || project.technician,
      customerRepresentative: input.signOff.customerRepresentative,
      date: input.signOff.date,
    },
    withdrawnWaivers: [...new Set(stepIds)].flatMap((stepId) =>
      state.withdrawalsOf(stepId).map(({ withdrawal: x, waiver: w }) => ({
        stepId, key: x.key, code: w.code, hostId: w.hostId ?? null, waivedBy: w.technician, reason: x.reason, technician: x.technician, at: x.at,
      })),
    ),
    ...hardwareProfileOf(events, state, facts),
  };
  // Parsing drops anything the schema does not document (a consumer sees exactly the schema).
  return redactDeep(reportModelSchema.parse(model), input.secrets);
}

/** Which hardware profile each Hardware run applied, and any switch to a laxer one after blocking findings. */
function hardwareProfileOf(events: readonly JournalEvent[], state: JournalState, facts: HardwareFacts[]): { hardwareProfile?: ReportHardwareProfile } {
  const runs: (ReportHardwareProfile['runs'][number] & { thresholds: Record<string, unknown> })[] = [];
  for (const e of events) {
    if (e.type !== 'run-started' || e.stepId !== 'hardware' || !e.profile) continue;
    const blocking = state.runs.get(e.runId)?.findings.filter((f) => f.severity === 'blocking').length ?? 0;
    runs.push({ runId: e.runId, at: e.at, profile: e.profile.id, blocking, thresholds: e.profile.thresholds });
  }
  const last = state.lastRun('hardware');
  if (!last?.profile) return {};
  const laxerSwitches: ReportHardwareProfile['laxerSwitches'] = [];
  for (let i = 1; i < runs.length; i++) {
    const a = runs[i - 1]!;
    const b = runs[i]!;
    if (a.blocking > 0 && isLaxer(a.thresholds, b.thresholds)) laxerSwitches.push({ from: a.profile, to: b.profile, afterBlocking: a.blocking, runId: b.runId, at: b.at });
  }
  return {
    hardwareProfile: {
      applied: last.profile.id,
      thresholds: last.profile.thresholds,
      runs: runs.map(({ thresholds: _t, ...r }) => r),
      laxerSwitches,
      labConfirmation: last.profile.confirmation ?? null,
      notLabNodes: last.profile.id === 'lab' ? last.hosts.map((h) => h.hostId).filter((id) => !isLabNode(facts.find((f) => f.hostId === id))) : [],
    },
  };
}

function hardwareOf(f: HardwareFacts | undefined): ReportHost['hardware'] {
  if (!f) return null;
  return {
    collectedAt: f.collectedAt,
    hostname: f.hostname,
    os: f.os.prettyName,
    kernel: f.os.kernel,
    vendor: f.system?.vendor ?? null,
    model: f.system?.model ?? null,
    serial: f.system?.serial ?? null,
    boardSerial: f.system?.boardSerial ?? null,
    chassisSerial: f.system?.chassisSerial ?? null,
    biosVersion: f.system?.biosVersion ?? null,
    cpu: f.cpu ? { model: f.cpu.model, sockets: f.cpu.sockets, cores: f.cpu.cores, threads: f.cpu.threads } : null,
    memoryBytes: f.memory.totalBytes,
    ecc: f.memory.ecc,
    dimms: f.memory.dimms.map((d) => ({ locator: d.locator, sizeBytes: d.sizeBytes, serial: d.serial, partNumber: d.partNumber })),
    disks: f.disks.map((d) => ({
      name: d.name,
      sizeBytes: d.sizeBytes,
      type: d.type,
      rotational: d.rotational,
      model: d.model,
      serial: d.serial,
      smart: d.smart === null ? 'unknown' : d.smart.passed ? 'passed' : 'failed',
    })),
    nics: f.nics.map((n) => ({ name: n.name, mac: n.mac, speedMbps: n.speedMbps, driver: n.driver })),
    unknowns: f.unknowns.map((u) => ({ field: u.field, reason: u.reason, ...(u.code ? { code: u.code, params: u.params ?? {} } : {}) })),
  };
}

function stepOf(state: JournalState, stepId: string, title: string): ReportStep {
  const base = { stepId, phase: phaseOf(stepId), title, titleEn: titleEn(stepId) };
  const run = state.lastRun(stepId);
  if (!run) return { ...base, status: 'not-run', runId: null, startedAt: null, finishedAt: null, passed: false, findings: [] };
  // Nothing runs in the process building a report from the folder: an unfinished run is interrupted
  // (the runner died) or still running elsewhere; either way it is not a result to sign.
  const view = state.runView(run.runId, { hosts: new Map() })!;
  const findings: ReportFinding[] = view.findings.map((f) => ({
    key: f.key,
    severity: f.severity,
    hostId: f.hostId ?? null,
    code: f.code,
    message: f.message,
    remediation: f.remediation,
    ...(f.params ? { params: f.params } : {}),
    measured: f.measured ?? null,
    threshold: f.threshold ?? null,
    waiver: f.waiver
      ? { stepId: f.waiver.stepId, key: f.waiver.key, code: f.waiver.code, hostId: f.waiver.hostId ?? null, reason: f.waiver.reason, technician: f.waiver.technician, at: f.waiver.at }
      : null,
    ...(f.lapsedWaiver
      ? {
          waiverLapsed: {
            why: f.lapsedWaiver.why,
            waiver: (({ waiver: w }) => ({ stepId: w.stepId, key: w.key, code: w.code, hostId: w.hostId ?? null, reason: w.reason, technician: w.technician, at: w.at, measured: w.measured ?? null, threshold: w.threshold ?? null }))(f.lapsedWaiver),
          },
        }
      : {}),
  }));
  return {
    ...base,
    status: view.status,
    runId: run.runId,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    passed: view.status === 'completed' && findings.every((f) => f.severity !== 'blocking' || f.waiver !== null),
    findings,
  };
}

/** English names of the wizard steps, for the report's English text. */
export const PHASE_EN: Record<ReportPhase, string> = {
  inventory: 'Project & inventory',
  hardware: 'Hardware checks',
  network: 'Network topology',
  storage: 'Storage / RAID',
  master: 'Master install',
  workers: 'Worker joins',
  verify: 'Verification',
  other: 'Other steps',
};

/**
 * The verdict, from the wizard's steps (VERDICT_PHASES) and the state of each registered step
 * module: "ready" only when every wizard step has modules and each of them completed with no open
 * blocking finding; "ready with waivers" when that holds only thanks to waivers; otherwise
 * not-ready ("Not commissioned"), with an item for each step not run, failed or blocked.
 * `registered`: the runner's step modules, in wizard order.
 */
export function verdictOf(project: Project, steps: readonly ReportStep[], registered: readonly string[]): ReportModel['verdict'] {
  const items: ReportVerdictItem[] = [];
  if (project.hosts.length === 0) items.push({ code: 'no-hosts', phase: 'inventory', stepId: null, count: 0 });
  const itemOf = (s: ReportStep): ReportVerdictItem | null => {
    const open = s.findings.filter((f) => f.severity === 'blocking' && f.waiver === null).length;
    const waived = s.findings.filter((f) => f.waiver !== null).length;
    const item = (code: ReportVerdictItem['code'], count = 0): ReportVerdictItem => ({ code, phase: s.phase, stepId: s.stepId, count });
    if (s.status === 'not-run') return item('not-run');
    if (s.status === 'failed') return item('failed');
    if (s.status !== 'completed') return item('unfinished');
    if (open > 0) return item('blocking', open);
    return waived > 0 ? item('waived', waived) : null;
  };
  for (const phase of VERDICT_PHASES) {
    const mine = registered.filter((id) => phaseOf(id) === phase);
    if (mine.length === 0) items.push({ code: 'not-run', phase, stepId: null, count: 0 });
    for (const id of mine) {
      const s = steps.find((x) => x.stepId === id);
      const it = s ? itemOf(s) : { code: 'not-run' as const, phase, stepId: id, count: 0 };
      if (it) items.push(it);
    }
  }
  // A step that is not a registered module (since removed, or of no wizard step) still counts if
  // it ran; one run on demand (reading interfaces, addressing) does not.
  for (const s of steps) {
    if (registered.includes(s.stepId) || ON_DEMAND_STEP_IDS.includes(s.stepId) || s.status === 'not-run') continue;
    const it = itemOf(s);
    if (it) items.push(it);
  }
  const status = items.some((i) => i.code !== 'waived') ? 'not-ready' : items.length > 0 ? 'ready-with-waivers' : 'ready';
  return { status, reasons: items.map((i) => verdictItemEn(i, steps)), items };
}

/** One verdict item as an English sentence (the JSON's `reasons`, the HTML's English text). */
export function verdictItemEn(i: ReportVerdictItem, steps: readonly Pick<ReportStep, 'stepId' | 'titleEn'>[]): string {
  const title = i.stepId === null ? null : (steps.find((s) => s.stepId === i.stepId)?.titleEn ?? titleEn(i.stepId));
  const name = title === null ? PHASE_EN[i.phase] : `${title === PHASE_EN[i.phase] ? title : `${PHASE_EN[i.phase]}: ${title}`} (${i.stepId})`;
  switch (i.code) {
    case 'no-hosts':
      return 'The inventory has no hosts.';
    case 'not-run':
      return `${name} has not run.`;
    case 'unfinished':
      return `${name}: the last run did not finish.`;
    case 'failed':
      return `${name}: the last run failed.`;
    case 'blocking':
      return `${name}: ${i.count} blocking finding(s) not waived.`;
    case 'waived':
      return `${name}: passed only by waiver (${i.count} finding(s) waived).`;
  }
}

/** Every action attempt the journal records, in order, with its transcript checked against its hash. */
async function auditOf(events: readonly JournalEvent[], state: JournalState, dir: string | undefined): Promise<ReportAuditEntry[]> {
  const out: ReportAuditEntry[] = [];
  const byKey = new Map<string, ReportAuditEntry>();
  for (const e of events) {
    if (e.type === 'action-started') {
      const run = state.runs.get(e.runId);
      const h = run?.hosts.find((x) => x.hostId === e.hostId);
      const entry: ReportAuditEntry = {
        seq: out.length + 1,
        runId: e.runId,
        stepId: run?.stepId ?? '',
        hostId: e.hostId,
        hostName: h?.name || h?.address || e.hostId,
        address: h?.address ?? '',
        actionId: e.actionId,
        attempt: e.attempt,
        command: e.command,
        sudo: e.sudo,
        destructive: e.destructive,
        startedAt: e.at,
        finishedAt: null,
        durationMs: null,
        status: 'unfinished',
        exitCode: null,
        transcript: null,
        sha256: null,
        transcriptIntact: null,
      };
      out.push(entry);
      byKey.set(`${e.runId}\u0000${e.hostId}\u0000${e.actionId}\u0000${e.attempt}`, entry);
    } else if (e.type === 'action-finished') {
      const entry = byKey.get(`${e.runId}\u0000${e.hostId}\u0000${e.actionId}\u0000${e.attempt}`);
      if (!entry) continue;
      Object.assign(entry, {
        finishedAt: e.at,
        durationMs: e.durationMs,
        status: e.status,
        exitCode: e.exitCode,
        transcript: e.transcript,
        sha256: e.sha256,
      });
    }
  }
  if (dir) {
    await Promise.all(
      out.map(async (a) => {
        if (!a.transcript || !a.sha256) return;
        const bytes = await readInside(dir, a.transcript);
        a.transcriptIntact = bytes === null ? null : createHash('sha256').update(bytes).digest('hex') === a.sha256;
      }),
    );
  }
  return out;
}

/** A file of the project folder by relative path; null when missing or outside the folder. */
export async function readInside(dir: string, rel: string): Promise<Buffer | null> {
  const root = resolve(dir);
  const path = resolve(root, rel);
  if (!path.startsWith(root + sep)) return null;
  return readFile(path).catch(() => null);
}
