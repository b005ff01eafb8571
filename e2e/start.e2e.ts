import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

const root = join(import.meta.dirname, '..');

describe('npm start without the Electron runtime', () => {
  it('says why, then serves the same app from the browser host on loopback with a token', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rs-start-'));
    // Exactly what `npm start` runs; on these machines the Electron runtime is not installed.
    // RACKSIDE_SERVE_TEST_BUILD: npm start would otherwise replace the e2e tests' build (which
    // carries their hooks) with an ordinary one under the e2e tests that run after this one.
    const child = spawn(process.execPath, ['scripts/start.mjs', '--port', '0', '--data-dir', dataDir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RACKSIDE_SERVE_TEST_BUILD: '1' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 60_000);
        child.stdout.on('data', () => {
          const m = /Rackside browser host: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      expect(out).toMatch(/Electron runtime not available \(.+\)/);
      expect(out).toContain('Serving the same app in your browser instead');
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      const u = new URL(url);
      const reply = await new Promise<unknown>((resolve, reject) => {
        const ws = new WebSocket(`ws://${u.host}/api?token=${u.searchParams.get('token')}`, { origin: u.origin });
        ws.on('open', () => ws.send(JSON.stringify({ kind: 'req', id: 7, channel: 'app.info', payload: {} })));
        ws.on('message', (m) => {
          resolve(JSON.parse(m.toString()));
          ws.close();
        });
        ws.on('error', reject);
      });
      expect(reply).toMatchObject({ kind: 'res', id: 7, result: { ok: true, value: { transport: 'browser', dataDir } } });
    } finally {
      child.kill('SIGTERM');
    }
  });
});
