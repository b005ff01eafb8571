/**
 * Minimal structured logger. Callers must never pass secrets; the secret store's values are
 * additionally scrubbed from every line as a second line of defence.
 */
export interface Logger {
  info(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  error(msg: string, ctx?: Record<string, unknown>): void;
}

export function createLogger(
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  redact: (s: string) => string = (s) => s,
): Logger {
  const emit = (level: string, msg: string, ctx?: Record<string, unknown>) =>
    write(redact(JSON.stringify({ t: new Date().toISOString(), level, msg, ...ctx })));
  return {
    info: (m, c) => emit('info', m, c),
    warn: (m, c) => emit('warn', m, c),
    error: (m, c) => emit('error', m, c),
  };
}
