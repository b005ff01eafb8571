import { execFile } from 'node:child_process';
import { bmcSecretId, type DrillReason, type Host } from '../../contract/index.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { tcpProbe } from '../steps/verify/local.js';
import type { FaultInjector } from './fault.js';

/**
 * The `power-off` drill (contract/drill.ts): the target's power cut through its BMC, as a server
 * loses power, and restored by the same BMC, never through the target itself (it is off).
 *
 * The client is `ipmitool` over IPMI-over-LAN (lanplus) with cipher suite 3 (HMAC-SHA1/AES-CBC,
 * which both BMCs of the last decade and OpenIPMI's ipmi_sim in the lab accept; ipmi_sim lists no
 * suites, so the client must name one). The password is read from the secret store
 * (`bmcSecretId`) and handed over in ipmitool's environment (`-E`, IPMI_PASSWORD): never in its
 * argv, where every process on the laptop could read it.
 */
export interface PowerFaultOptions {
  secrets: SecretStore;
  /** The ipmitool binary (default: `ipmitool` on the PATH). */
  ipmitool?: string;
  /** How long a powered-on target may take until its SSH port answers (default 300 s: a real server's POST is slow). */
  bootLimitMs?: number;
  /** One IPMI command's limit (default 30 s). */
  commandLimitMs?: number;
}

type Outcome = { ok: true } | { ok: false; reason: DrillReason };

const reason = (code: DrillReason['code'], params: DrillReason['params'] = {}): Outcome => ({ ok: false, reason: { code, params } });

export function createPowerFault(opts: PowerFaultOptions): FaultInjector {
  const bin = opts.ipmitool ?? 'ipmitool';
  const commandLimitMs = opts.commandLimitMs ?? 30_000;
  const bootLimitMs = opts.bootLimitMs ?? 300_000;
  const label = (h: Host) => h.name || h.address;

  function credentials(target: Host): { ok: true; password: string } | { ok: false; outcome: Outcome } {
    if (!target.bmc) return { ok: false, outcome: reason('no-bmc', { host: label(target) }) };
    const password = opts.secrets.get(bmcSecretId(target.id), 'password');
    if (!password) return { ok: false, outcome: reason('bmc-secret-missing', { host: label(target) }) };
    return { ok: true, password };
  }

  /** `ipmitool … power <verb>`; its first output line, or an outcome naming why it failed. */
  function power(target: Host, password: string, verb: 'status' | 'on' | 'off', signal: AbortSignal): Promise<{ ok: true; line: string } | { ok: false; outcome: Outcome }> {
    const bmc = target.bmc!;
    const args = ['-I', 'lanplus', '-C', '3', '-H', bmc.address, '-p', String(bmc.port), '-U', bmc.user, '-E', 'power', verb];
    return new Promise((resolve) => {
      execFile(bin, args, { env: { ...process.env, IPMI_PASSWORD: password }, timeout: commandLimitMs, signal }, (error, stdout, stderr) => {
        const line = stdout.trim().split('\n')[0] ?? '';
        if (!error) return resolve({ ok: true, line });
        const detail = (stderr.trim().split('\n').find((l) => l.trim()) ?? error.message).slice(0, 200);
        resolve({ ok: false, outcome: reason('unreachable', { host: label(target), via: 'bmc', detail }) });
      });
    });
  }

  return {
    kind: 'power-off',

    async available(target) {
      const c = credentials(target);
      return c.ok ? { ok: true } : c.outcome;
    },

    async inject(target, _project, signal) {
      const c = credentials(target);
      if (!c.ok) return c.outcome;
      const off = await power(target, c.password, 'off', signal);
      if (!off.ok) return off.outcome;
      return { ok: true };
    },

    async restore(target, _project, signal) {
      const c = credentials(target);
      if (!c.ok) return c.outcome;
      const status = await power(target, c.password, 'status', signal);
      if (!status.ok) return status.outcome;
      // Idempotent: a target already on (a resumed drill, or someone pressed the button) is only waited for.
      if (!/ is on$/.test(status.line)) {
        const on = await power(target, c.password, 'on', signal);
        if (!on.ok) return reason('restore-failed', { host: label(target), detail: String(on.outcome.ok ? '' : on.outcome.reason.params.detail ?? '') });
      }
      const deadline = Date.now() + bootLimitMs;
      while ((await tcpProbe(target.address, target.port, 2000, signal)) !== 'open') {
        if (signal.aborted) return reason('restore-failed', { host: label(target), waitedS: Math.round((Date.now() - deadline + bootLimitMs) / 1000) });
        if (Date.now() > deadline) return reason('not-rejoined', { host: label(target), waitedS: Math.round(bootLimitMs / 1000) });
        await new Promise((r) => setTimeout(r, 500));
      }
      return { ok: true };
    },
  };
}
