import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ReasonCode } from '../../contract/index.js';

/** HTML in, PDF bytes out. Electron uses webContents.printToPDF; the browser host uses Chromium. */
export type PdfPrinter = (html: string) => Promise<Buffer>;

/** Longest a print may take; a report of 100 hosts prints in a few seconds. */
const PRINT_TIMEOUT_MS = 120_000;

export const chromiumPath = () => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The browser host's printer: the same HTML printed by Debian's Chromium, headless, from a temp
 * file, with a throwaway profile and every background network feature off (the report has no
 * external URLs, and its own CSP forbids them anyway).
 *
 * Why the Chromium command line and not playwright-core's page.pdf: playwright-core is a
 * development dependency (the e2e driver), not something the shipped browser host may rely on;
 * the command line needs nothing but the browser the browser host already requires.
 */
export function chromiumPrinter(executable = chromiumPath()): PdfPrinter {
  return async (html) => {
    if (!existsSync(executable)) {
      throw new PrintError(`Chromium was not found at ${executable}`, 'Install Debian\'s "chromium" package, or set CHROMIUM_PATH to a Chromium binary.',
        { code: 'report-no-chromium', params: { path: executable } });
    }
    const tmp = await mkdtemp(join(tmpdir(), 'rackside-print-'));
    try {
      const src = join(tmp, 'report.html');
      const out = join(tmp, 'report.pdf');
      await writeFile(src, html, { mode: 0o600 });
      const args = [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-extensions',
        `--user-data-dir=${join(tmp, 'profile')}`,
        `--print-to-pdf=${out}`,
        '--no-pdf-header-footer',
        pathToFileURL(src).href,
      ];
      const { code, output } = await run(executable, args, PRINT_TIMEOUT_MS);
      if (code !== 0 || !existsSync(out)) {
        const detail = output.trim().split('\n').slice(-3).join(' ');
        throw new PrintError(`Chromium could not print the report (exit ${code}): ${detail}`, 'See the application log; try the HTML export and print it from a browser.',
          { code: 'report-print-failed', params: { code: String(code), detail } });
      }
      return await readFile(out);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  };
}

export class PrintError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    /** The message as a reason + params the renderer words (`reasons.<reason>`). */
    readonly reason?: { code: ReasonCode; params: Record<string, string | number> },
  ) {
    super(message);
  }
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-8192);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
