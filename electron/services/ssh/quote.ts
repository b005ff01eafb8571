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
 * Printed on stderr once sudo has authenticated, so the reader knows sudo is done with stdin and
 * the command's own stdin may flow.
 */
export const SUDO_OK = '[rackside-sudo-ok]';
/** Printed first on stderr: the PID of the session's shell, which sshd made a process-group leader. */
export const PID_MARK = '[rackside-pid]';

/**
 * The one sudo wrapper. Always `-S`: sudo reads a password from stdin only when it asks for one
 * (never from argv, so it is not visible in `ps`); whether a password is stored does not change
 * the line, so the dry run can show it before any secret is known. When sudo asks and none is
 * stored, the reader closes the channel (HostConnection: sudo-password-required).
 */
export function sudoWrapped(cmd: RemoteCommand): string {
  const inner = 'argv' in cmd ? [...cmd.argv] : ['sh', '-c', cmd.script, 'sh', ...(cmd.args ?? [])];
  const announce = ['sh', '-c', `printf '%s\\n' '${SUDO_OK}' >&2; exec "$@"`, 'sh', ...inner];
  return quoteArgv(['sudo', '-S', '-p', SUDO_PROMPT, '--', ...announce]);
}

/**
 * Exactly the bytes HostConnection.exec sends as the SSH exec request, and what the dry run shows:
 * the PID announcement (for cancelling the process group), then the command, sudo-wrapped if asked.
 */
export function wireLine(cmd: RemoteCommand, sudo: boolean): string {
  return `printf '%s%s\\n' '${PID_MARK}' "$$" >&2; exec ${sudo ? sudoWrapped(cmd) : commandLine(cmd)}`;
}
