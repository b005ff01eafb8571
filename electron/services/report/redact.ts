import { redactByteForms, secretByteForms } from '../secrets/secret-store.js';
import { pdfText } from './pdf-text.js';

/**
 * Redact secrets from bytes without decoding them: a file that holds no secret comes out
 * byte-identical (so a transcript still matches its recorded SHA-256), and invalid UTF-8 in a
 * transcript is not mangled.
 */
export function redactBytes(data: Buffer, secrets: readonly string[]): Buffer {
  return redactByteForms(data, secretByteForms(secrets));
}

/** Whether any secret (in any of its forms) is in the bytes. */
export function containsSecret(data: Buffer, secrets: readonly string[]): boolean {
  return secretByteForms(secrets).some((f) => data.includes(f));
}

/** Text compared the way a reader sees it: compatibility forms folded (pdf.js may give "⼼" for "心"), no whitespace (a line may wrap inside a secret). */
const folded = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');

/**
 * Whether a PDF shows a secret: in its extracted text (where a printed secret is; its bytes are
 * compressed glyph ids) or, for anything stored uncompressed (metadata, a title), in its bytes.
 */
export async function pdfContainsSecret(pdf: Buffer, secrets: readonly string[]): Promise<boolean> {
  if (containsSecret(pdf, secrets)) return true;
  const text = folded(await pdfText(pdf));
  return secrets.some((s) => folded(s).length >= 3 && text.includes(folded(s)));
}
