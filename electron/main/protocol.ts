import { realpath, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Protocol } from 'electron';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './window-options.js';

/**
 * Must run before app 'ready'. standard: relative URLs, origin and storage work like https;
 * secure: the renderer is a secure context; supportFetchAPI: the renderer may fetch() its own
 * assets (locale files). Deliberately not corsEnabled or bypassCSP: nothing else may read from it,
 * and our CSP applies.
 */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
    },
  ]);
}

/** Serves the built renderer (dist/renderer) as app://rackside/…. Call after 'ready'. */
export function registerAppProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));
}

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export const mimeTypeOf = (file: string): string =>
  MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';

/**
 * The request handler, separate from Electron so it can be tested with plain Request objects.
 * The URL path is decoded and resolved against the renderer folder; anything that ends up outside
 * it — `..` segments, encoded `%2e%2e%2f`, backslashes on Windows, NUL bytes, symlinks pointing out —
 * gets the same 404 as a missing file, so the response says nothing about the file system.
 */
export function createAppProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  const root = path.resolve(rendererDir);
  let realRoot: string | undefined;

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('Method not allowed', { status: 405, headers: { Allow: 'GET, HEAD' } });
    }
    const file = await resolveInside(request.url);
    if (!file) return notFound();
    try {
      const body = request.method === 'HEAD' ? null : await readFile(file);
      const headers: Record<string, string> = {
        'Content-Type': mimeTypeOf(file),
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      };
      if (path.extname(file).toLowerCase() === '.html') headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
      return new Response(body, { status: 200, headers });
    } catch {
      return notFound();
    }
  };

  async function resolveInside(rawUrl: string): Promise<string | null> {
    let url: URL;
    let decoded: string;
    try {
      url = new URL(rawUrl);
      decoded = decodeURIComponent(url.pathname);
    } catch {
      return null;
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.hostname !== APP_HOST) return null;
    if (decoded.includes('\0')) return null;
    const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^[/\\]+/, '');
    const candidate = path.resolve(root, relative);
    if (!isInside(root, candidate)) return null;
    try {
      realRoot ??= await realpath(root);
      const real = await realpath(candidate);
      if (!isInside(realRoot, real)) return null;
      return (await stat(real)).isFile() ? real : null;
    } catch {
      return null;
    }
  }
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

const notFound = () =>
  new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
