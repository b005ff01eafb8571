/**
 * Polls `f` every `everyMs` until it returns a value (anything but undefined), for up to `ms`;
 * then throws, naming `what` and the last error `f` threw. For lab tests waiting on a cluster.
 */
export async function pollUntil<T>(what: string, f: () => Promise<T | undefined>, ms: number, everyMs = 1_000): Promise<T> {
  let last: unknown;
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, everyMs))) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`${what}: not reached (${String(last ?? '')})`);
}
