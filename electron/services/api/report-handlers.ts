import type { reportRequests } from '../../contract/channels/report.js';
import { exportBundle, exportReport, previewReport, type ReportDeps } from '../report/export.js';
import { chromiumPrinter } from '../report/pdf.js';
import { verifyReport } from '../report/verify.js';
import type { HandlersFor } from './dispatcher.js';
import type { HandlerContext } from './handlers.js';

/**
 * The commissioning report (issue 7): preview, export (HTML, PDF, JSON) and the support bundle.
 * PDF goes through the adapter's printer (Electron: webContents.printToPDF); the browser host has
 * none and prints with Debian's Chromium.
 */
export function createReportHandlers(ctx: HandlerContext): HandlersFor<keyof typeof reportRequests> {
  const deps: ReportDeps = {
    appVersion: ctx.version,
    secrets: () => ctx.secrets.values(),
    printToPdf: ctx.printToPdf ?? chromiumPrinter(),
  };
  return {
    'report.preview': ({ dir, signOff, language }) => previewReport(dir, signOff, deps, language),
    'report.export': async ({ dir, signOff, formats, language }) => {
      const r = await exportReport(dir, signOff, [...new Set(formats)], deps, undefined, language);
      if (r.ok) ctx.log.info('report exported', { files: r.value.files.map((f) => f.path) });
      return r;
    },
    'report.verify': ({ dir, report }) => verifyReport(report, dir),
    'report.bundle': async ({ dir, signOff, language }) => {
      const r = await exportBundle(dir, signOff, deps, language);
      if (r.ok) ctx.log.info('support bundle exported', { path: r.value.file.path, entries: r.value.entries.length });
      return r;
    },
  };
}
