import { homedir } from 'node:os';
import { spawn, type IPty } from 'node-pty';

/** The laptop's own shell: ping, serial consoles (screen/minicom/picocom), local tools. */
export interface LocalPtyOptions {
  cols: number;
  rows: number;
  shell?: string;
  args?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function defaultShell(): { file: string; args: string[] } {
  if (process.platform === 'win32') return { file: process.env.COMSPEC || 'powershell.exe', args: [] };
  // A login shell, so the technician's PATH and aliases are those of their own terminal.
  return { file: process.env.SHELL || '/bin/bash', args: ['-l'] };
}

export function spawnLocalPty(opts: LocalPtyOptions): IPty {
  const shell = opts.shell ? { file: opts.shell, args: opts.args ?? [] } : defaultShell();
  const env = { ...(opts.env ?? process.env), TERM: 'xterm-256color', COLORTERM: 'truecolor' };
  return spawn(shell.file, shell.args, {
    name: 'xterm-256color',
    cols: opts.cols,
    rows: opts.rows,
    cwd: opts.cwd ?? homedir(),
    env: env as Record<string, string>,
    // Bytes, not text: output goes to xterm.js and the transcript as the UTF-8 it is (see
    // TerminalManager). Windows' ConPTY ignores this and hands out strings; callers take both.
    encoding: null,
  });
}
