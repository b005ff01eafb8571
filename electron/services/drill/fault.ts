import type { DrillKind, DrillReason, Host, Project } from '../../contract/index.js';

/**
 * One kind of fault a drill injects (contract/drill.ts), behind one interface so each lives in its
 * own module (service stop, link cut, BMC power) and the drill engine stays the same.
 *
 * `inject` and `restore` must be idempotent (a resumed drill may call restore on a target that is
 * already restored) and must not throw for an unreachable host: they answer a reason. A fault that
 * cuts the laptop's own way to the target (power off, the lab's link down) is restored by a path
 * that does not need the target (the BMC, the lab), never by SSH to the target.
 */
export interface FaultInjector {
  kind: DrillKind;
  /**
   * How long after its command goes out the fault takes effect (a scheduled reboot: the command
   * returns first); the drill's fault time, and so its RTO and rejoin, count from then. Default 0.
   */
  leadMs?: number;
  /** Whether this fault can run on `target` in this project (power-off needs a BMC and its secret…). */
  available(target: Host, project: Project): Promise<{ ok: true } | { ok: false; reason: DrillReason }>;
  /**
   * `effectiveMs`: when the fault took effect, in ms after its command started on the target
   * (measured there: no clock is compared), when that is later than the command itself — the
   * drill's RTO then counts from it (timeline `fault-effective`).
   */
  inject(target: Host, project: Project, signal: AbortSignal): Promise<{ ok: true; effectiveMs?: number } | { ok: false; reason: DrillReason }>;
  restore(target: Host, project: Project, signal: AbortSignal): Promise<{ ok: true } | { ok: false; reason: DrillReason }>;
}
