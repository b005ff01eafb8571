/**
 * npm run verify -- <report folder | report file> <project folder>
 *
 * Whether an exported commissioning report and a project folder still match: each exported
 * file's SHA-256 against the manifest written with it, the journal's hash chain, and the journal
 * head the report was built from. Prints MATCH or the first place they differ.
 * Exit 0: match; 1: they differ; 2: could not check (bad arguments, unreadable files).
 */
import { verificationTextEn, verifyReport } from '../electron/services/report/verify.js';

const [report, dir] = process.argv.slice(2);
if (!report || !dir) {
  process.stderr.write('usage: npm run verify -- <report folder or report file> <project folder>\n');
  process.exit(2);
}
const r = await verifyReport(report, dir);
if (!r.ok) {
  process.stderr.write(`verify: ${r.error.message}\n${r.error.hint ?? ''}\n`);
  process.exit(2);
}
process.stdout.write(verificationTextEn(r.value).join('\n') + '\n');
process.exit(r.value.match ? 0 : 1);
