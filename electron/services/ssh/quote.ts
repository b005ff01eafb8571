/**
 * Building remote command lines. Everything a remote shell sees is built here from argv arrays:
 * each argument is single-quoted, so `$(…)`, backticks, `;`, quotes, newlines and any unicode
 * arrive as literal bytes. User text is never pasted into a shell string.
 */

/** POSIX single-quote one argument: ' → '\'' . */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new TypeError('A command argument cannot contain a NUL byte');
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError('A command needs at least the program name');
  return argv.map(quoteArg).join(' ');
}

/**
 * A remote command: either an argv, or a fixed script whose parameters arrive as positional
 * arguments ($1, $2, …) — the script text itself never contains user input.
 */
export type RemoteCommand =
  | { argv: readonly string[] }
  | { script: string; args?: readonly string[] };

export function commandLine(cmd: RemoteCommand): string {
  if ('argv' in cmd) return quoteArgv(cmd.argv);
  return quoteArgv(['sh', '-c', cmd.script, 'sh', ...(cmd.args ?? [])]);
}

/** A marker sudo prints when it wants a password, so its prompt can be told from program output. */
export const SUDO_PROMPT = '[rackside-sudo-prompt]';

/**
 * Wrap a command in sudo. With a password, sudo reads it from stdin (-S) — never from argv, so it
 * is not visible in `ps`; without one, -n makes sudo fail at once instead of waiting for a prompt.
 */
export function sudoLine(cmd: RemoteCommand, withPassword: boolean): string {
  const inner = 'argv' in cmd ? [...cmd.argv] : ['sh', '-c', cmd.script, 'sh', ...(cmd.args ?? [])];
  return quoteArgv(withPassword ? ['sudo', '-S', '-p', SUDO_PROMPT, '--', ...inner] : ['sudo', '-n', '--', ...inner]);
}
