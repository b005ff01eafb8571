import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { safeCut, safeLabel, stripAnsi, Transcript } from './transcript.js';

describe('stripAnsi', () => {
  it('removes colours, cursor moves, OSC titles and CRs', () => {
    expect(stripAnsi('\x1b[1;31mred\x1b[0m plain\r\n\x1b]0;root@node1: ~\x07root@node1:~# \x1b[K\x1b[?2004h')).toBe('red plain\nroot@node1:~# ');
  });
});

describe('safeLabel', () => {
  it('never yields a path', () => {
    for (const evil of ['../../etc', '..', '/etc/passwd', 'a\\b']) {
      expect(safeLabel(evil)).not.toMatch(/[/\\]|^\./);
    }
    expect(safeLabel('node1')).toBe('node1');
    expect(safeLabel('fe80::1')).toBe('fe80_1');
  });
});

describe('safeCut', () => {
  it('holds back a possible secret prefix and an unfinished escape sequence', () => {
    expect(safeCut('hello wor', ['world-secret'])).toBe(0);
    expect(safeCut('a'.repeat(50), ['world-secret'])).toBe(50 - 11);
    expect(safeCut('text\x1b[3', [])).toBe(4);
    expect(safeCut('text\x1b[31m', [])).toBe(9);
  });

  it('moves the cut before a secret that straddles it', () => {
    const text = 'xx s3cret-pass yy';
    const cut = safeCut(text, ['s3cret-pass', 'abcdefghijklmnopqrstuvwxyz']);
    expect(cut).toBeLessThanOrEqual(text.indexOf('s3cret'));
  });
});

describe('Transcript', () => {
  it('writes ANSI and plain copies named by host and timestamp, redacting a secret split across chunks', async () => {
    const base = await mkdtemp(join(tmpdir(), 'rs-transcript-'));
    const t = await Transcript.open({ baseDir: base, host: 'node1', kind: 'shell', secrets: () => ['Canary-Pa55word'], now: new Date('2026-01-02T03:04:05.678Z') });
    t.write('\x1b[32mok\x1b[0m pass=Canary-Pa');
    t.write('55word end\r\n');
    await t.close();
    const files = (await readdir(join(base, 'logs', 'node1'))).sort();
    expect(files).toEqual(['2026-01-02T03-04-05-678Z-shell.log', '2026-01-02T03-04-05-678Z-shell.txt']);
    const log = await readFile(join(base, 'logs', 'node1', files[0]!), 'utf8');
    const txt = await readFile(join(base, 'logs', 'node1', files[1]!), 'utf8');
    expect(log).toBe('\x1b[32mok\x1b[0m pass=[redacted] end\r\n');
    expect(txt).toBe('ok pass=[redacted] end\n');
  });
});
