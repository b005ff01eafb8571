import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONVERT_PIECE_BYTES, PARTIAL, plainText, recoverTranscripts, safeCut, safeLabel, SessionTranscript, after } from './transcript.js';

const stripAnsi = (text: string) => plainText(Buffer.from(text, 'utf8')).toString('utf8');

/** A fresh folder for one test's transcripts; all of them go when the file's tests end (some hold ~10 MB). */
const made: string[] = [];
async function tempDir(prefix = 'rs-transcript-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

describe('plainText of escapes', () => {
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
  const b = (s: string) => Buffer.from(s, 'utf8');
  it('holds back a possible secret prefix and an unfinished escape sequence', () => {
    expect(safeCut(b('hello wor'), [b('world-secret')])).toBe(0);
    expect(safeCut(b('a'.repeat(50)), [b('world-secret')])).toBe(50 - 11);
    expect(safeCut(b('text\x1b[3'), [])).toBe(4);
    expect(safeCut(b('text\x1b[31m'), [])).toBe(9);
    // The cut (before the secret's possible start) would split a finished sequence: moved before it.
    expect(safeCut(b('text\x1b[31mred'), [b('abcdef')])).toBe(4);
    // The first byte of the 8-bit CSI (C2 9B) at the end: it may be one.
    expect(safeCut(Buffer.concat([b('text'), Buffer.from([0xc2])]), [])).toBe(4);
  });

  it('moves the cut before a secret that straddles it', () => {
    const text = 'xx s3cret-pass yy';
    const cut = safeCut(b(text), [b('s3cret-pass'), b('abcdefghijklmnopqrstuvwxyz')]);
    expect(cut).toBeLessThanOrEqual(text.indexOf('s3cret'));
  });
});

describe('plainText', () => {
  it('drops CRs and controls byte by byte, and strips escapes, keeping UTF-8 whole', () => {
    expect(plainText(Buffer.from('y\r\ny\r\n\x07é中\tx\x7f\r\n')).toString()).toBe('y\ny\né中\tx\n');
    expect(plainText(Buffer.from('\x1b[1mbold\x1b[0m ě\r\n')).toString()).toBe('bold ě\n');
  });
});

describe('SessionTranscript', () => {
  it('writes ANSI and plain copies named by host and timestamp, redacting a secret split across chunks', async () => {
    const base = await tempDir();
    const t = await SessionTranscript.open({ baseDir: base, host: 'node1', kind: 'shell', secrets: () => ['Canary-Pa55word'], now: new Date('2026-01-02T03:04:05.678Z') });
    t.write('\x1b[32mok\x1b[0m pass=Canary-Pa');
    t.write('55word end\r\n');
    // While it is open, a marker with this process's pid says the .txt may trail (crash recovery).
    const marker = join(base, 'logs', 'node1', `2026-01-02T03-04-05-678Z-shell${PARTIAL}`);
    expect(await readFile(marker, 'utf8')).toBe(String(process.pid));
    await t.close();
    const files = (await readdir(join(base, 'logs', 'node1'))).sort();
    expect(files).toEqual(['2026-01-02T03-04-05-678Z-shell.log', '2026-01-02T03-04-05-678Z-shell.txt']);
    const log = await readFile(join(base, 'logs', 'node1', files[0]!), 'utf8');
    const txt = await readFile(join(base, 'logs', 'node1', files[1]!), 'utf8');
    expect(log).toBe('\x1b[32mok\x1b[0m pass=[redacted] end\r\n');
    expect(txt).toBe('ok pass=[redacted] end\n');
  });
});

describe('SessionTranscript on bytes', () => {
  it('keeps UTF-8 intact across chunk boundaries, strips the 8-bit CSI but not a 0x9B inside a character, and redacts a secret split mid-character', async () => {
    const base = await tempDir();
    const secret = 'Pässwörd-ěščř';
    const t = await SessionTranscript.open({ baseDir: base, host: 'node1', kind: 'shell', secrets: () => [secret] });
    // 'ě' is C4 9B in UTF-8: its second byte is the 8-bit CSI's code, and must survive stripping.
    const text = `ěšč \u009b31mred\u009b0m ${secret} 中文\r\n`;
    const bytes = Buffer.from(text, 'utf8');
    // Fed one byte at a time: every multi-byte character and the secret are split between chunks.
    for (let i = 0; i < bytes.length; i++) t.write(bytes.subarray(i, i + 1));
    await t.close();
    const log = await readFile(t.logPath, 'utf8');
    const txt = await readFile(t.txtPath, 'utf8');
    expect(log).toBe('ěšč \u009b31mred\u009b0m [redacted] 中文\r\n');
    expect(txt).toBe('ěšč red [redacted] 中文\n');
  });

  it('redacts a secret split between two full-size batches', async () => {
    const base = await tempDir();
    const t = await SessionTranscript.open({ baseDir: base, host: 'node1', kind: 'shell', secrets: () => ['Canary-Pa55word'] });
    t.write(Buffer.from('x'.repeat(70_000) + 'Canary-Pa'));
    t.write(Buffer.from('55word' + 'y'.repeat(70_000)));
    await t.close();
    const log = await readFile(t.logPath, 'utf8');
    expect(log).not.toContain('Canary-Pa');
    expect(log).toBe('x'.repeat(70_000) + '[redacted]' + 'y'.repeat(70_000));
  });

  it.each([
    ['synchronous writes', false],
    ['asynchronous writes (after a slow disk)', true],
  ])('writes large output whole and in order, with %s', async (_, asyncWrites) => {
    const base = await tempDir();
    const t = await SessionTranscript.open({ baseDir: base, host: 'node1', kind: 'shell', secrets: () => [], asyncWrites });
    const line = (i: number) => `\x1b[32m${String(i).padStart(7, '0')}\x1b[0m ${'x'.repeat(60)}\r\n`;
    const all: string[] = [];
    for (let i = 0; i < 20_000; i++) all.push(line(i));
    // In 64 kB pieces (the terminal manager sends up to 256 kB: smaller pieces cut more sequences).
    const buf = Buffer.from(all.join(''), 'utf8');
    for (let off = 0; off < buf.length; off += 65_536) t.write(buf.subarray(off, off + 65_536));
    await t.close();
    const log = await readFile(t.logPath);
    expect(log.length).toBe(buf.length);
    expect(log.equals(buf)).toBe(true);
    const txt = await readFile(t.txtPath, 'utf8');
    expect(txt).toBe(all.map((l) => stripAnsi(l)).join(''));
    expect(txt.split('\n')[19_999]).toBe(`0019999 ${'x'.repeat(60)}`);
  });

  it('makes the plain copy once output pauses, and while it streams only past the lag limit', async () => {
    const base = await tempDir();
    const t = await SessionTranscript.open({ baseDir: base, host: 'node1', kind: 'shell', secrets: () => [], txtMaxLagBytes: 1_000_000 });
    const line = '\x1b[1mline\x1b[0m ' + 'z'.repeat(70) + '\r\n';
    t.write(line);
    // Streaming: the .txt is left for later (the .log has it once a write piece fills or a second passes).
    await new Promise((r) => setTimeout(r, 50));
    expect(await readFile(t.txtPath, 'utf8')).toBe('');
    // Quiet for a whole HOLD_MS (1 s): both files catch up.
    const t0 = Date.now();
    while (!(await readFile(t.txtPath, 'utf8')).includes('line')) {
      if (Date.now() - t0 > 5_000) throw new Error('the .txt did not catch up after output paused');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await readFile(t.txtPath, 'utf8')).toBe('line ' + 'z'.repeat(70) + '\n');
    expect(await readFile(t.logPath, 'utf8')).toBe(line);
    // Past the lag limit the copy is made while output goes on, without a pause.
    const chunk = Buffer.from(line.repeat(800)); // 64 kB
    for (let i = 0; i < 40; i++) t.write(chunk);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    const during = (await readFile(t.txtPath)).length;
    expect(during).toBeGreaterThan(1_000_000);
    await t.close();
    expect((await readFile(t.txtPath, 'utf8')).split('\n').length - 1).toBe(1 + 40 * 800);
  });

  it('never splits an escape sequence where the plain copy reads the .log in pieces', async () => {
    const base = await tempDir();
    const t = await SessionTranscript.open({ baseDir: base, host: 'node1', kind: 'shell', secrets: () => [] });
    // A colour sequence across the first piece's end, and an OSC title across the second's.
    const first = 'a'.repeat(CONVERT_PIECE_BYTES - 3) + '\x1b[31mred\x1b[0m\r\n';
    const second = 'b'.repeat(CONVERT_PIECE_BYTES - first.length + CONVERT_PIECE_BYTES - 2 - 10) + '\x1b]0;title\x07after\r\n';
    const all = Buffer.from(first + second);
    for (let off = 0; off < all.length; off += 65_536) t.write(all.subarray(off, off + 65_536));
    await t.close();
    expect((await readFile(t.logPath)).equals(all)).toBe(true);
    const txt = await readFile(t.txtPath, 'utf8');
    expect(txt).toBe('a'.repeat(CONVERT_PIECE_BYTES - 3) + 'red\n' + 'b'.repeat(second.indexOf('\x1b')) + 'after\n');
  });

  it('stops at the size limit between two writes, ends the .log with why, and ignores what follows', async () => {
    const base = await tempDir();
    const reasons: string[] = [];
    const t = await SessionTranscript.open({ baseDir: base, host: 'node1', kind: 'shell', secrets: () => [], maxLogBytes: 1000, onStopped: (r) => reasons.push(r) });
    const line = '\x1b[32m' + 'é'.repeat(40) + '\x1b[0m\r\n'; // 91 bytes: a cut inside it would split a character
    for (let i = 0; i < 10; i++) t.write(line);
    expect(t.recording).toBe(true);
    t.write(line); // 11 × 91 > 1000
    expect(t.recording).toBe(false);
    t.write('more output\r\n');
    await t.close('# closed\r\n');
    expect(reasons).toEqual(['the 1 kB limit per session was reached: later output is not recorded (the terminal still shows it)']);
    // The same as a reason the pane words in the UI's language (its English text is this sentence).
    expect(t.stoppedCode).toEqual({ reason: 'transcript-limit', params: { limit: '1 kB' } });
    const log = await readFile(t.logPath, 'utf8');
    expect(log.startsWith(line.repeat(10) + '\r\n# Rackside: transcript stopped at ')).toBe(true);
    expect(log.endsWith(`: ${reasons[0]}\r\n`)).toBe(true);
    expect(log).not.toContain('more output');
    expect(log).not.toContain('# closed');
    const txt = await readFile(t.txtPath, 'utf8');
    expect(txt).toBe(('é'.repeat(40) + '\n').repeat(10) + '\n' + log.split('\r\n').at(-2) + '\n');
  });

  // A real full disk: a 1 MiB tmpfs (mounting needs root, as the lab does; CI runs as root).
  it.runIf(process.getuid?.() === 0)('a full disk stops recording with the OS error and keeps what was written', async () => {
    const base = await tempDir('rs-transcript-full-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'rs-transcript-test', base]);
    try {
      const reasons: string[] = [];
      // No reserve: the point here is what a write that fails does.
      const t = await SessionTranscript.open({ baseDir: base, host: 'node1', kind: 'shell', secrets: () => [], diskReserveBytes: 0, onStopped: (r) => reasons.push(r) });
      const chunk = ('x'.repeat(78) + '\r\n').repeat(800); // 64 kB
      for (let i = 0; i < 40 && t.recording; i++) t.write(chunk);
      expect(t.recording).toBe(false);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(/^writing .*node1.*\.(log|txt) failed \(ENOSPC\): later output is not recorded$/);
      // Closing reports the failure; what reached the disk before it is intact.
      await expect(t.close()).rejects.toThrow(/ENOSPC/);
      const log = await readFile(t.logPath, 'latin1');
      expect(log.length).toBeGreaterThan(500_000);
      expect(log).toBe(chunk.repeat(40).slice(0, log.length));
    } finally {
      execFileSync('umount', ['-l', base]);
      await rm(base, { recursive: true, force: true });
    }
  });

  it('does not start recording on a disk with less free space than the reserve, and says so', async () => {
    const base = await tempDir();
    const reasons: string[] = [];
    // More than any disk here has free: the check at open stops it at once.
    const t = await SessionTranscript.open({ baseDir: base, host: 'node1', kind: 'shell', secrets: () => [], header: '# header\r\n', diskReserveBytes: 2 ** 52, onStopped: (r) => reasons.push(r) });
    expect(t.recording).toBe(false);
    expect(t.stoppedBecause).toBe(reasons[0]);
    expect(t.stoppedCode).toMatchObject({ reason: 'transcript-disk-low', params: { reserve: '4194304 GiB' } });
    expect(reasons[0]).toMatch(/^only [\d.]+ (GB|MB|kB) left free on the disk \(recording keeps 4194304 GiB free\)/);
    t.write('typed-after-the-stop\r\n');
    await t.close();
    const log = await readFile(t.logPath, 'utf8');
    expect(log).toMatch(/^\r\n# Rackside: transcript stopped at .*: only .* left free on the disk/);
    expect(log).not.toContain('typed-after-the-stop');
  });

  // A real small disk: a 4 MiB tmpfs (mounting needs root, as the lab does; CI runs as root).
  it.runIf(process.getuid?.() === 0)('stops before the disk is full: keeps the reserve free, checked as it writes', async () => {
    const base = await tempDir('rs-transcript-reserve-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'rs-transcript-test', base]);
    try {
      const reasons: string[] = [];
      const t = await SessionTranscript.open({ baseDir: base, host: 'node1', kind: 'shell', secrets: () => [], diskReserveBytes: 3 * 1024 ** 2, diskCheckEveryBytes: 128 * 1024, txtMaxLagBytes: 64 * 1024, onStopped: (r) => reasons.push(r) });
      const chunk = ('x'.repeat(78) + '\r\n').repeat(800); // 64 kB
      for (let i = 0; i < 100 && t.recording; i++) t.write(chunk);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(/^only \d+ (MB|kB) left free on the disk \(recording keeps 3 MiB free\): later output is not recorded/);
      await t.close(); // no ENOSPC: the files fit
      const log = await readFile(t.logPath, 'latin1');
      expect(log.length).toBeGreaterThan(512 * 1024);
      expect(log.length).toBeLessThan(1.5 * 1024 ** 2);
      expect(log).toMatch(/# Rackside: transcript stopped at .*left free on the disk.*\r\n$/);
    } finally {
      execFileSync('umount', ['-l', base]);
      await rm(base, { recursive: true, force: true });
    }
  });

  it('after a crash, remakes the .txt of a transcript whose process is gone, whole, and leaves a live one alone', async () => {
    const base = await tempDir();
    const dir = join(base, 'logs', 'node1');
    await mkdir(dir, { recursive: true });
    // 3.5 MB of coloured lines with a CRLF and an OSC title: escape sequences cross the 1 MB pieces.
    const line = (i: number) => `\x1b[3${i % 8}m${String(i).padStart(7, '0')} ${'w'.repeat(i % 90)}\x1b[0m\r\n${i % 1000 === 0 ? '\x1b]0;title\x07' : ''}`;
    const parts: string[] = [];
    for (let i = 0, n = 0; n < 3.5e6; i++) n += (parts[i] = line(i)).length;
    const log = Buffer.from(parts.join(''));
    const expected = plainText(log);
    // A dead process's transcript: its .txt stopped part-way. A live one's (a running `sleep`) must not be touched.
    const dead = spawnSync('true').pid!;
    const live = spawn('sleep', ['30']);
    try {
      for (const [stem, pid] of [['2026-01-01T00-00-00-000Z-shell', dead], ['2026-01-01T00-00-01-000Z-shell', live.pid!]] as const) {
        await writeFile(join(dir, `${stem}.log`), log);
        await writeFile(join(dir, `${stem}.txt`), expected.subarray(0, 12345));
        await writeFile(join(dir, `${stem}${PARTIAL}`), String(pid));
      }
      const remade = await recoverTranscripts(base);
      expect(remade).toEqual([join(dir, '2026-01-01T00-00-00-000Z-shell.txt')]);
      expect((await readFile(remade[0]!)).equals(expected)).toBe(true);
      expect((await readdir(dir)).sort()).toEqual([
        '2026-01-01T00-00-00-000Z-shell.log',
        '2026-01-01T00-00-00-000Z-shell.txt',
        '2026-01-01T00-00-01-000Z-shell.log',
        '2026-01-01T00-00-01-000Z-shell.txt',
        `2026-01-01T00-00-01-000Z-shell${PARTIAL}`,
      ]);
      expect((await readFile(join(dir, '2026-01-01T00-00-01-000Z-shell.txt'))).length).toBe(12345);
      // Nothing left to do the second time.
      expect(await recoverTranscripts(base)).toEqual([]);
    } finally {
      live.kill();
    }
  });

  it('a short writev goes on from the byte it stopped at, also inside a part', () => {
    const parts = [Buffer.from('abc'), Buffer.from('defg'), Buffer.from('h')];
    expect(after(parts, 0).map(String)).toEqual(['abc', 'defg', 'h']);
    expect(after(parts, 3).map(String)).toEqual(['defg', 'h']);
    expect(after(parts, 5).map(String)).toEqual(['fg', 'h']);
    expect(after(parts, 8)).toEqual([]);
  });
});
