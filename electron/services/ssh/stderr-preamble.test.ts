import { describe, expect, it } from 'vitest';
import { StderrPreamble } from './host-connection.js';
import { SUDO_PROMPT } from './quote.js';

function feed(withSudo: boolean, chunks: string[]) {
  const seen: string[] = [];
  const p = new StderrPreamble(withSudo, {
    pid: (n) => seen.push(`pid ${n}`),
    sudoPrompt: (first) => seen.push(first ? 'prompt' : 'prompt again'),
    sudoOk: () => seen.push('sudo ok'),
    stderr: (d) => seen.push(`err ${d.toString()}`),
  });
  for (const c of chunks) p.push(Buffer.from(c));
  return { seen, p };
}

describe('StderrPreamble', () => {
  it('takes the PID line, even split across chunks, and passes the rest through untouched', () => {
    const { seen } = feed(false, ['[rackside-p', 'id]4242\nwarn', 'ing: x\n', 'more']);
    expect(seen[0]).toBe('pid 4242');
    expect(seen.slice(1).map((s) => s.replace(/^err /, '')).join('')).toBe('warning: x\nmore');
  });

  it('with sudo: answers the first prompt, then waits for the marker before the command may read stdin', () => {
    const { seen, p } = feed(true, ['[rackside-pid]7\n', SUDO_PROMPT, '[rackside-sudo-ok]\nreal stderr\n']);
    expect(seen).toEqual(['pid 7', 'prompt', 'sudo ok', 'err real stderr\n']);
    expect(p.sudo).toBe('ok');
  });

  it('a second prompt means the password was wrong; "a password is required" means none was given', () => {
    const wrong = feed(true, ['[rackside-pid]7\n', SUDO_PROMPT, 'Sorry, try again.\n', SUDO_PROMPT]);
    expect(wrong.seen).toEqual(['pid 7', 'prompt', 'prompt again']);
    expect(wrong.p.sudo).toBe('wrong');
    const none = feed(true, ['[rackside-pid]7\nsudo: a password is required\n']);
    expect(none.p.sudo).toBe('required');
  });

  it('login-shell noise before the PID line is ordinary stderr', () => {
    const { seen } = feed(false, ['bash: warning: setlocale\n[rackside-pid]9\n']);
    expect(seen).toEqual(['err bash: warning: setlocale\n', 'pid 9']);
  });
});
