import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/**
 * The text of every page of a PDF, as a reader would copy it. A PDF's page content is
 * compressed (Flate) and its text is encoded as glyph ids of subset fonts, so a secret printed on
 * a page is not in the file's bytes: only the extracted text can show it. pdf.js runs in-process
 * here (no worker thread: the legacy build falls back to a fake worker in Node).
 */
export async function pdfText(pdf: Uint8Array): Promise<string> {
  // pdf.js takes ownership of (and detaches) the buffer it is given: hand it a copy.
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
  try {
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      pages.push(content.items.map((i) => ('str' in i ? i.str + (i.hasEOL ? '\n' : '') : '')).join(''));
      page.cleanup();
    }
    return pages.join('\n\f\n');
  } finally {
    await doc.destroy();
  }
}
