/**
 * The report's stylesheet, inlined into every HTML report (no external files, fonts or URLs).
 * Fonts: the system stack, with Noto Sans CJK SC ahead of the generic family so Chinese site and
 * customer names render (Debian: fonts-noto-cjk; Windows and macOS have their own CJK fonts).
 * Print: A4; the running header (site, customer, technician, date) and "page N of M" are @page
 * margin boxes (pageCss in html.ts; Chromium ≥ 131, Electron ≥ 34), so they repeat on every page
 * without overlapping the content; each major section starts a new page; table rows are not
 * split across pages. On screen the same header is an ordinary block at the top.
 */
export const REPORT_CSS = `
@page { size: A4; margin: 20mm 12mm 16mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: #111; font-size: 10pt; line-height: 1.35;
  font-family: "Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "DejaVu Sans", Arial, sans-serif; }
.mono, .cmd, .hash { font-family: "DejaVu Sans Mono", "Noto Sans Mono", "Noto Sans Mono CJK SC", Consolas, monospace; }
h1 { font-size: 18pt; margin: 0 0 8pt; }
h2 { font-size: 14pt; margin: 14pt 0 6pt; border-bottom: 1.5pt solid #1f4e79; padding-bottom: 2pt; color: #1f4e79; }
h3 { font-size: 11pt; margin: 10pt 0 4pt; }
.muted { color: #555; }
.page-header { border-bottom: 1pt solid #999; padding: 4pt 0; margin-bottom: 10pt; background: #fff; }
.ph-title { font-weight: bold; font-size: 9pt; color: #1f4e79; }
.ph-fields { width: 100%; border-collapse: collapse; font-size: 8.5pt; }
.ph-fields td { padding: 1pt 6pt 0 0; vertical-align: top; }
.ph-fields .k { color: #555; }
.ph-fields .v { font-weight: bold; }
main { padding: 0 2mm; }
table { border-collapse: collapse; width: 100%; }
.grid th, .grid td { border: 0.5pt solid #999; padding: 2pt 4pt; text-align: left; vertical-align: top; }
.grid thead th { background: #e8eef5; }
.grid.small { font-size: 8.5pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
.kv { width: auto; margin-bottom: 8pt; }
.kv th { text-align: left; padding: 2pt 12pt 2pt 0; color: #444; font-weight: normal; vertical-align: top; }
.kv td { padding: 2pt 0; font-weight: bold; }
.verdict-box { border: 2pt solid #777; padding: 8pt 10pt; margin: 6pt 0 12pt; border-radius: 4pt; }
.verdict-label { font-size: 9pt; color: #444; text-transform: uppercase; letter-spacing: 0.05em; }
.verdict-value { font-size: 20pt; font-weight: bold; }
.verdict-ready .verdict-box { border-color: #2e7d32; background: #eef7ee; }
.verdict-ready-with-waivers .verdict-box { border-color: #b26a00; background: #fff6e5; }
.verdict-not-ready .verdict-box { border-color: #c62828; background: #fdecec; }
.verdict-box ul { margin: 4pt 0 0; padding-left: 14pt; }
.st-completed { color: #2e7d32; font-weight: bold; }
.st-failed, .st-interrupted, .st-cancelled, .st-blocked { color: #c62828; font-weight: bold; }
.st-not-run, .st-running { color: #777; font-style: italic; }
.sev-blocking .sev { color: #c62828; font-weight: bold; }
.sev-warning .sev { color: #b26a00; font-weight: bold; }
tr.waived td { background: #fff6e5; }
.matrix td, .matrix th { font-size: 7.5pt; text-align: center; }
.cell-ok { background: #eef7ee; }
.cell-warning { background: #fff6e5; }
.cell-blocking { background: #fdecec; }
.cell-unknown, .self { background: #f1f1f1; }
.audit { font-size: 7pt; }
.audit .cmd { white-space: pre-wrap; word-break: break-all; max-width: 70mm; }
.audit .hash { word-break: break-all; max-width: 32mm; font-size: 6.5pt; }
.signoff .sign { margin-top: 16pt; width: 100%; }
.signoff .sign th { text-align: left; width: 55mm; padding: 14pt 8pt 2pt 0; font-weight: normal; vertical-align: bottom; }
.signoff .sign td { padding: 14pt 0 2pt; border-bottom: 0.75pt solid #333; font-size: 12pt; height: 26pt; vertical-align: bottom; }
.signoff .sign td.line { height: 36pt; }
@media screen {
  body { max-width: 210mm; margin: 0 auto; padding: 8mm; background: #fff; }
  section.page { border-top: 1pt dashed #bbb; margin-top: 14pt; }
}
@media print {
  .page-header { display: none; }
  section.page { break-before: page; page-break-before: always; }
  .step { break-inside: auto; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
}
`;
