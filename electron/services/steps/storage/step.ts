import { STORAGE_STEP, type Host, type HostStoragePlan, type Project, type StorageLayout, type StoragePlan } from '../../../contract/index.js';
import type { Action, Finding, StepModule } from '../../runbook/step-module.js';
import {
  ARRAY_PROBE, CHECK_SCRIPT, CREATE_ARRAY_SCRIPT, EXIT, LV_PROBE, LV_SCRIPT, MARK, MKFS_PROBE, MKFS_SCRIPT, MOUNT_PROBE, MOUNT_SCRIPT,
  PACKAGES_PROBE, PACKAGES_SCRIPT, PERSIST_PROBE, PERSIST_SCRIPT, STATUS_SCRIPT, VG_PROBE, VG_SCRIPT,
} from './scripts.js';
import { plannedVolumes, readStatusCapture, volumeDevice } from './status.js';

/**
 * Wizard step 4: the storage plan applied per host (docs/architecture.md, "The storage step").
 * One ordered list of actions per planned host, each with an "already done?" probe, so a re-run
 * on a finished host changes nothing and a resume never creates the array twice. The only
 * destructive action is create-array; its guard re-identifies every disk by serial on the host,
 * in the same command that wipes it.
 */

const MIN = 60_000;

export function packagesFor(layout: StorageLayout): string[] {
  const vols = plannedVolumes(layout);
  return ['mdadm', ...(layout.lvm ? ['lvm2'] : []), ...(vols.some((v) => v.filesystem === 'xfs') ? ['xfsprogs'] : [])];
}

const human = (bytes: number) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
};

/** The actions for one host with disks in a `raid` plan. */
export function hostActions(host: Host, hp: HostStoragePlan, plan: StoragePlan): Action[] {
  const { layout } = plan;
  const name = layout.arrayName;
  const label = host.name || host.address;
  const serials = hp.disks.map((d) => d.serial);
  const actions: Action[] = [
    { id: 'check', title: 'runbook.actions.storage.check', command: { script: CHECK_SCRIPT }, sudo: true, timeoutMs: 1 * MIN, destructive: false, capture: true },
    {
      id: 'packages',
      title: 'runbook.actions.storage.packages',
      command: { script: PACKAGES_SCRIPT, args: packagesFor(layout) },
      probe: { script: PACKAGES_PROBE, args: packagesFor(layout) },
      sudo: true,
      timeoutMs: 15 * MIN,
      destructive: false,
    },
    {
      id: 'create-array',
      title: 'runbook.actions.storage.createArray',
      command: { script: CREATE_ARRAY_SCRIPT, args: [name, layout.level, ...hp.disks.flatMap((d) => [d.serial, String(d.sizeBytes)])] },
      probe: { script: ARRAY_PROBE, args: [name, ...serials] },
      sudo: true,
      timeoutMs: 10 * MIN,
      destructive: true,
      // The refusal lines (what changed) are read by evaluate; on success the output is the
      // signature backup of blank disks, which is small.
      capture: true,
      changes: hp.disks.map((d) => `${label}: wipe disk ${d.serial} (${human(d.sizeBytes)}${d.model ? `, ${d.model}` : ''}) into ${layout.level} array /dev/md/${name}`),
      changeTexts: hp.disks.map((d) => ({
        code: 'storage.wipe-disk',
        params: { host: label, serial: d.serial, size: d.sizeBytes, model: d.model, array: name, level: layout.level },
        tickEach: true,
      })),
    },
  ];
  if (layout.lvm) {
    const vg = layout.lvm.vg;
    actions.push({
      id: 'lvm-vg',
      title: 'runbook.actions.storage.lvmVg',
      command: { script: VG_SCRIPT, args: [vg, name] },
      probe: { script: VG_PROBE, args: [vg, name] },
      sudo: true,
      timeoutMs: 2 * MIN,
      destructive: false,
    });
    layout.volumes.forEach((v, i) => {
      actions.push({
        id: `lvm-lv-${i}`,
        title: 'runbook.actions.storage.lvmLv',
        command: { script: LV_SCRIPT, args: [vg, v.name, v.size] },
        probe: { script: LV_PROBE, args: [vg, v.name] },
        sudo: true,
        timeoutMs: 2 * MIN,
        destructive: false,
      });
    });
  }
  const vols = plannedVolumes(layout);
  vols.forEach((v, i) => {
    const dev = volumeDevice(layout, i);
    actions.push({
      id: `mkfs-${i}`,
      title: 'runbook.actions.storage.mkfs',
      command: { script: MKFS_SCRIPT, args: [dev, v.filesystem] },
      probe: { script: MKFS_PROBE, args: [dev, v.filesystem] },
      sudo: true,
      timeoutMs: 30 * MIN,
      destructive: false,
      capture: true,
    });
  });
  vols.forEach((v, i) => {
    const args = [volumeDevice(layout, i), v.mountPoint, v.filesystem, v.mountOptions, String(plan.deviceTimeoutS)];
    actions.push({
      id: `mount-${i}`,
      title: 'runbook.actions.storage.mount',
      command: { script: MOUNT_SCRIPT, args },
      probe: { script: MOUNT_PROBE, args },
      sudo: true,
      timeoutMs: 2 * MIN,
      destructive: false,
    });
  });
  actions.push(
    {
      id: 'persist',
      title: 'runbook.actions.storage.persist',
      command: { script: PERSIST_SCRIPT, args: [name] },
      probe: { script: PERSIST_PROBE, args: [name] },
      sudo: true,
      timeoutMs: 10 * MIN,
      destructive: false,
    },
    statusAction(name, vols.map((v) => v.mountPoint)),
  );
  return actions;
}

export function statusAction(arrayName: string, mountPoints: string[]): Action {
  return {
    id: 'status',
    title: 'runbook.actions.storage.status',
    command: { script: STATUS_SCRIPT, args: [arrayName, ...mountPoints] },
    sudo: true,
    timeoutMs: 1 * MIN,
    destructive: false,
    capture: true,
  };
}

/** Hosts of the project the plan builds an array on (listed, with disks). */
export function plannedHosts(project: Project): { host: Host; hp: HostStoragePlan }[] {
  const plan = project.storage;
  if (!plan || plan.mode !== 'raid') return [];
  return project.hosts.flatMap((host) => {
    const hp = plan.hosts.find((x) => x.hostId === host.id);
    return hp && hp.disks.length ? [{ host, hp }] : [];
  });
}

export const storageStep: StepModule = {
  id: STORAGE_STEP,
  title: 'runbook.steps.storage.title',
  plan(project) {
    const out = new Map<string, Action[]>();
    const planned = plannedHosts(project);
    for (const { host, hp } of planned) out.set(host.id, hostActions(host, hp, project.storage!));
    // A host without an array still gets one harmless action, so the run records it and its
    // info finding (an empty plan would leave the step without a run the verdict can read).
    for (const h of project.hosts) {
      if (!out.has(h.id)) out.set(h.id, [{ id: 'not-planned', title: 'runbook.actions.storage.notPlanned', command: { argv: ['true'] }, sudo: false, timeoutMs: 30_000, destructive: false }]);
    }
    return out;
  },
  evaluate(results, project) {
    return evaluateStorage(results, project);
  },
};

const markerLines = (stdout: string, what: string) =>
  stdout.split('\n').filter((l) => l.startsWith(`${MARK} ${what} `)).map((l) => l.slice(MARK.length + what.length + 2).trim());

export function evaluateStorage(results: Parameters<StepModule['evaluate']>[0], project: Project): Finding[] {
  const out: Finding[] = [];
  const planned = new Map(plannedHosts(project).map((x) => [x.host.id, x.hp]));
  const plan = project.storage;
  for (const h of project.hosts) {
    const host = h.name || h.address;
    const r = results.get(h.id);
    if (!r) continue;
    const hp = planned.get(h.id);
    if (!hp || !plan) {
      out.push({
        severity: 'info', hostId: h.id, code: 'storage.not-planned', params: { host },
        message: `${host}: no local array is planned`, remediation: 'Recorded for the report.',
      });
      continue;
    }
    const array = plan.layout.arrayName;
    const check = r.get('check');
    if (check && (check.exitCode === EXIT.noMd || check.stdout.includes(`${MARK} no-md`))) {
      const kernel = /^kernel=(.*)$/m.exec(check.stdout)?.[1] ?? 'unknown';
      out.push({
        severity: 'blocking', hostId: h.id, code: 'storage.kernel-no-md', params: { host, kernel },
        message: `${host}: this kernel (${kernel}) cannot build MD arrays (no md support); nothing was written`,
        remediation: 'Use a server (or VM) whose kernel has the md driver (md_mod); namespace lab nodes share a kernel without it.',
      });
      continue;
    }
    const create = r.get('create-array');
    if (create?.status === 'failed' && create.exitCode === EXIT.changed) {
      const changes = markerLines(create.stdout, 'changed');
      const text = changes.map((c) => {
        const i = c.lastIndexOf(' ');
        return i < 0 ? c : `${c.slice(0, i)} (${c.slice(i + 1)})`;
      }).join(', ');
      out.push({
        severity: 'blocking', hostId: h.id, code: 'storage.disk-changed', params: { host, changes: text || 'unknown' },
        message: `${host}: disks changed since they were chosen: ${text}; nothing was written`,
        remediation: 'Read the disks again, check what changed, and plan and confirm again.',
      });
      continue;
    }
    if (create?.status === 'failed' && create.exitCode === EXIT.otherArray) {
      out.push({
        severity: 'blocking', hostId: h.id, code: 'storage.array-name-taken', params: { host, array },
        message: `${host}: /dev/md/${array} exists and is not the planned array; nothing was written`,
        remediation: 'Choose another array name, or remove that array if it is not needed.',
      });
      continue;
    }
    const mkfs = [...r.entries()].find(([id, x]) => id.startsWith('mkfs-') && x.status === 'failed' && x.exitCode === EXIT.signature);
    if (mkfs) {
      const line = markerLines(mkfs[1].stdout, 'signature')[0] ?? '';
      const [device = '', ...sig] = line.split(' ');
      out.push({
        severity: 'blocking', hostId: h.id, code: 'storage.mkfs-refused', params: { host, device, signature: sig.join(' ').trim() || 'unknown' },
        message: `${host}: ${device} already carries a signature (${sig.join(' ').trim()}); no filesystem was made`,
        remediation: 'Check what is on the device; wipe it by hand only if it is certainly not needed, then run the step again.',
      });
      continue;
    }
    const failed = [...r.entries()].find(([, x]) => x.status === 'failed' || x.status === 'interrupted' || x.status === 'cancelled');
    if (failed) {
      out.push({
        severity: 'blocking', hostId: h.id, code: 'storage.action-failed', params: { host, action: failed[0] },
        message: `${host}: action ${failed[0]} did not complete`,
        remediation: 'Read the action\'s transcript, fix the cause and run the step again; finished actions are not repeated.',
      });
      continue;
    }
    const status = r.get('status');
    if (!status || status.status !== 'done') continue;
    out.push(...statusFindings(h.id, host, hp, plan, status.stdout));
  }
  return out;
}

/** Findings from one host's status capture. */
export function statusFindings(hostId: string, host: string, hp: HostStoragePlan, plan: StoragePlan, stdout: string): Finding[] {
  const layout = plan.layout;
  const s = readStatusCapture(stdout, hp, layout);
  const array = layout.arrayName;
  const a = s.array;
  if (!a) {
    return [{
      severity: 'blocking', hostId, code: 'storage.array-missing', params: { host, array },
      message: `${host}: /dev/md/${array} does not exist`, remediation: 'Run the storage step; if it ran, read its transcript.',
    }];
  }
  const out: Finding[] = [];
  const members = a.members.map((m) => m.serial || m.device).join(', ');
  if (a.missing.length || a.state === 'degraded') {
    const missing = a.missing.join(', ') || '-';
    out.push({
      severity: 'blocking', hostId, code: 'storage.array-degraded', params: { host, array, missing },
      message: `${host}: array ${array} is degraded; missing disk(s): ${missing}`,
      remediation: 'Replace or reconnect the missing disk(s) and add them to the array (mdadm --add); the array has no redundancy left until it recovers.',
    });
  }
  const faulty = a.members.filter((m) => /faulty/i.test(m.state)).map((m) => m.serial || m.device);
  if (faulty.length || a.state === 'failed') {
    out.push({
      severity: 'blocking', hostId, code: 'storage.member-failed', params: { host, array, serials: faulty.join(', ') || '-' },
      message: `${host}: array ${array} has failed member(s): ${faulty.join(', ') || '-'}`,
      remediation: 'Replace the failed disk(s): mdadm --remove the member, swap the disk, mdadm --add the new one.',
    });
  }
  if (a.sync) {
    out.push({
      severity: 'warning', hostId, code: 'storage.array-resyncing', params: { host, array, action: a.sync.action, percent: a.sync.percent },
      message: `${host}: array ${array} ${a.sync.action} at ${a.sync.percent} %`,
      remediation: 'The array works meanwhile but is not yet redundant; the verification step checks it again.',
    });
  }
  if (!out.some((f) => f.severity === 'blocking') && !a.sync) {
    out.push({
      severity: 'info', hostId, code: 'storage.array-clean', params: { host, array, level: a.level, state: a.state, members },
      message: `${host}: array ${array} (${a.level}) is ${a.state}; members ${members}`, remediation: 'Recorded for the report.',
    });
  }
  for (const v of s.volumes) {
    if (v.mounted) {
      out.push({
        severity: 'info', hostId, code: 'storage.mounted', params: { host, mountPoint: v.mountPoint, source: v.mounted.split(/\s+/)[0] ?? '' },
        message: `${host}: ${v.mountPoint} is mounted`, remediation: 'Recorded for the report.',
      });
    } else {
      out.push({
        severity: 'blocking', hostId, code: 'storage.not-mounted', params: { host, mountPoint: v.mountPoint },
        message: `${host}: nothing is mounted on ${v.mountPoint}`, remediation: 'Run the storage step again; if the mount fails, read its transcript.',
      });
    }
    if (!(v.fstab.length === 1 && v.fstab[0]!.startsWith('UUID='))) {
      out.push({
        severity: 'blocking', hostId, code: 'storage.fstab-mismatch', params: { host, mountPoint: v.mountPoint, lines: v.fstab.length },
        message: `${host}: /etc/fstab has ${v.fstab.length} line(s) for ${v.mountPoint}, expected one by UUID`,
        remediation: 'Run the storage step again: it writes exactly one line per mount point.',
      });
    }
  }
  if (!a.inMdadmConf) {
    out.push({
      severity: 'blocking', hostId, code: 'storage.mdadm-conf-missing', params: { host, array },
      message: `${host}: mdadm.conf has no line for ${array}; it may not assemble under its name after a reboot`,
      remediation: 'Run the storage step again (its persist action writes the line and updates the initramfs).',
    });
  }
  return out;
}
