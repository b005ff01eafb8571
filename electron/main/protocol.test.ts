import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppProtocolHandler, registerAppProtocol, registerAppScheme } from './protocol.js';
import { CONTENT_SECURITY_POLICY } from './window-options.js';

let base: string;
let rendererDir: string;
let handler: (r: Request) => Promise<Response>;
const get = (url: string) => handler(new Request(url));

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'rackside-protocol-'));
  rendererDir = path.join(base, 'dist', 'renderer');
  await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Rackside</title>');
  await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(path.join(rendererDir, 'assets', 'app.css'), 'body{}');
  await writeFile(path.join(rendererDir, 'assets', 'font.woff2'), 'x');
  await writeFile(path.join(base, 'dist', 'secret.txt'), 'TOP SECRET');
  await symlink(path.join(base, 'dist', 'secret.txt'), path.join(rendererDir, 'assets', 'link.txt'));
  handler = createAppProtocolHandler(rendererDir);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('app:// protocol handler', () => {
  it('serves index.html with the CSP header and HTML MIME type', async () => {
    const res = await get('app://rackside/index.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>Rackside</title>');
  });

  it('serves / as index.html', async () => {
    expect((await get('app://rackside/')).status).toBe(200);
  });

  it.each([
    ['assets/app.js', 'text/javascript; charset=utf-8'],
    ['assets/app.css', 'text/css; charset=utf-8'],
    ['assets/font.woff2', 'font/woff2'],
  ])('serves %s as %s', async (file, mime) => {
    const res = await get(`app://rackside/${file}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(mime);
    expect(res.headers.get('content-security-policy')).toBeNull();
  });

  it.each([
    'app://rackside/../../etc/passwd',
    'app://rackside/%2e%2e/%2e%2e/etc/passwd',
    'app://rackside/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    'app://rackside/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    'app://rackside/..%2fsecret.txt',
    'app://rackside/%2fetc%2fpasswd',
    'app://rackside/..%5c..%5csecret.txt',
    'app://rackside/index.html%00.js',
    'app://rackside/assets/link.txt',
    'app://rackside/%E0%A4%A',
    'app://rackside/missing.js',
    'app://rackside/assets',
    'app://other-host/index.html',
  ])('answers 404 for %s', async (url) => {
    const res = await get(url);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('SECRET');
  });

  it('refuses methods other than GET and HEAD', async () => {
    const res = await handler(new Request('app://rackside/index.html', { method: 'POST', body: 'x' }));
    expect(res.status).toBe(405);
  });

  it('registers app as a standard secure scheme without CSP bypass or open CORS, and handles it', () => {
    const schemes: unknown[] = [];
    registerAppScheme({ registerSchemesAsPrivileged: (s) => void schemes.push(...s) });
    expect(schemes).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
    ]);
    const handled: string[] = [];
    registerAppProtocol({ handle: (scheme) => void handled.push(scheme) }, rendererDir);
    expect(handled).toEqual(['app']);
  });
});
