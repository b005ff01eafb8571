import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandLine, quoteArg, quoteArgv, sudoWrapped, wireLine } from './quote.js';
import { HOSTILE } from './test-data/hostile.js';


describe('quoting', () => {
  it('a local POSIX shell receives every hostile string as one literal argument', () => {
    // The same check runs against a remote sshd in the integration tests.
    const line = quoteArgv(['printf', '%s\\0', ...HOSTILE]);
    const out = execFileSync('/bin/sh', ['-c', line]).toString('utf8');
    expect(out.split('\0').slice(0, -1)).toEqual(HOSTILE);
  });

  it('scripts get parameters only as positional arguments', () => {
    const line = commandLine({ script: 'printf "%s|" "$@"', args: HOSTILE });
    const out = execFileSync('/bin/sh', ['-c', line]).toString('utf8');
    expect(out).toBe(HOSTILE.map((h) => `${h}|`).join(''));
  });

  it('leaves plain words bare, refuses NUL and empty argv', () => {
    expect(quoteArg('lsblk')).toBe('lsblk');
    expect(quoteArg('-J')).toBe('-J');
    expect(() => quoteArg('a\0b')).toThrow(/NUL/);
    expect(() => quoteArgv([])).toThrow();
  });

  it('one sudo wrapper: the password only ever over stdin (-S), the same line with or without one', () => {
    expect(sudoWrapped({ argv: ['id', '-u'] })).toBe(
      "sudo -S -p '[rackside-sudo-prompt]' -- sh -c 'printf '\\''%s\\n'\\'' '\\''[rackside-sudo-ok]'\\'' >&2; exec \"$@\"' sh id -u",
    );
  });

  it('the line on the wire: PID announcement, then the command, sudo-wrapped when asked', () => {
    expect(wireLine({ argv: ['id'] }, false)).toBe(`printf '%s%s\\n' '[rackside-pid]' "$$" >&2; exec id`);
    expect(wireLine({ argv: ['id'] }, true)).toBe(`printf '%s%s\\n' '[rackside-pid]' "$$" >&2; exec ${sudoWrapped({ argv: ['id'] })}`);
  });
});
