/**
 * Every finding code each step module's `evaluate` can emit, by step id. Declared here rather
 * than on the modules so the list is one place the locale test (finding-texts.test.ts) reads:
 * a code a module emits but does not declare, or a declared code without English and Chinese
 * texts in resources/findings, fails that test. A code ending in `.*` is a family
 * (`unknown.<field>`), whose texts are keyed by reason instead (see `findingTextKey`).
 */
export const FINDING_CODES: Readonly<Record<string, readonly string[]>> = {
  preflight: [
    'preflight.access-failed', 'preflight.no-sudo', 'preflight.sudo-password', 'preflight.system', 'preflight.os-unsupported',
    'preflight.root-space-low', 'preflight.workdir-failed', 'preflight.kernel-mismatch',
  ],
  hardware: [
    'profile.unknown', 'profile.lab-confirmed', 'profile.lab-not-lab-node',
    'cpu.cores', 'cpu.threads', 'memory.size', 'memory.ecc', 'memory.edac', 'disk.size', 'disk.raid', 'disk.smart', 'nic.speed', 'bmc.psu',
    'consistency.model', 'consistency.cpu', 'consistency.memory', 'consistency.bios', 'consistency.nic', 'unknown.*',
  ],
  'network-hosts': ['network.hosts-failed', 'network.hostname-mismatch', 'network.names-mismatch', 'network.names-ok'],
  'network-check': [
    'network.check-failed', 'network.unreachable', 'network.loss', 'network.latency', 'network.mtu', 'network.port-filtered',
    'network.port-closed', 'network.no-default-route', 'network.gateway-unreachable', 'network.interfaces', 'network.duplicate-address',
    'network.ntp-unknown', 'network.ntp-unsynced', 'network.dns-tool-missing', 'network.dns-forward', 'network.dns-reverse',
    'network.dns-not-configured', 'network.clock-skew', 'network.vip-in-use', 'network.planned-address-in-use',
  ],
  'master-install': ['install.failed', 'install.done', 'install.vip-single-candidate', 'pacemaker.fencing-off', 'pacemaker.fencing-on', 'install.kit-mismatch'],
  'worker-join': ['join.failed', 'join.cluster-side-failed', 'join.member', 'join.nothing', 'join.kit-mismatch'],
  'cluster-leave': ['leave.failed'],
  verification: [
    'verify.action-failed', 'verify.services-active', 'verify.service-down', 'verify.units-failed', 'verify.no-failed-units',
    'verify.vip-held', 'verify.vip-no-holder', 'verify.vip-split-brain', 'verify.vip-answers', 'verify.vip-unreachable', 'verify.vip-no-ping',
    'verify.vip-ping-missing', 'verify.vip-laptop-answers', 'verify.vip-laptop-unreachable',
    'verify.time-synced', 'verify.time-not-synced', 'verify.time-offset',
    'verify.monitoring-up', 'verify.monitoring-unreachable', 'verify.monitoring-target-missing', 'verify.monitoring-target-down',
    'verify.monitoring-target-duplicate',
    'verify.firewall-ok', 'verify.firewall-port-blocked', 'verify.firewall-policy-open', 'verify.firewall-laptop-dropped', 'verify.firewall-laptop-open',
    'verify.storage-ok', 'verify.storage-missing', 'verify.storage-degraded', 'verify.storage-not-mounted', 'verify.storage-fstab', 'verify.storage-mdadm-conf',
    // The cluster profiles' checks (ClusterProfile.verify).
    'cluster.check-failed', 'slurm.node-not-up', 'slurm.nodes-up', 'slurm.munge-failed', 'slurm.munge-ok', 'slurm.job-ran', 'slurm.job-failed',
    'pacemaker.node-offline', 'pacemaker.nodes-online', 'pacemaker.failed-actions', 'pacemaker.vip-started', 'pacemaker.vip-not-started',
    'pacemaker.quorate', 'pacemaker.quorum', 'pacemaker.fencing-off',
  ],
  storage: [
    'storage.not-planned', 'storage.kernel-no-md', 'storage.disk-changed', 'storage.array-name-taken', 'storage.mkfs-refused',
    'storage.action-failed', 'storage.array-missing', 'storage.array-degraded', 'storage.member-failed', 'storage.array-resyncing',
    'storage.array-clean', 'storage.mounted', 'storage.not-mounted', 'storage.fstab-mismatch', 'storage.mdadm-conf-missing',
  ],
};

export function isDeclaredFindingCode(stepId: string, code: string): boolean {
  return (FINDING_CODES[stepId] ?? []).some((c) => (c.endsWith('.*') ? code.startsWith(c.slice(0, -1)) : c === code));
}
