/**
 * Opening a PDF with pdfjs-dist (Mozilla's PDF.js, its Node build): from memory, with no network,
 * no eval and no system fonts; its standard fonts, CMaps and image decoders (JPX, JBIG2 as
 * WebAssembly) are read from the installed package; an embedded image over MAX_PIXELS is skipped,
 * not decoded. Every refusal is an OcrError: not a PDF or
 * corrupt (E_PDF_INVALID), protected by a password (E_PDF_ENCRYPTED), more pages than allowed
 * (E_PDF_TOO_MANY_PAGES, decided from the page tree before any page is read).
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { getDocument, type PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { OcrError } from '../errors.js'
import { MAX_PIXELS } from '../image-header.js'

/** A PDF starts with `%PDF-`, within its first kilobyte (readers allow leading junk). */
export function isPdf(bytes: Buffer): boolean {
  return bytes.subarray(0, 1024).includes('%PDF-')
}

/** The package's own data folders, as the paths (with a trailing slash) pdfjs-dist expects. */
function resolveDataFolders(): { standardFontDataUrl: string; cMapUrl: string; wasmUrl: string } {
  const root = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'))
  return {
    standardFontDataUrl: join(root, 'standard_fonts') + '/',
    cMapUrl: join(root, 'cmaps') + '/',
    wasmUrl: join(root, 'wasm') + '/',
  }
}

let folders: ReturnType<typeof resolveDataFolders> | undefined

/**
 * Opens `bytes` as a PDF of at most `maxPages` pages; the caller destroys the document.
 * @example
 * const pdf = await openPdf(readFileSync('samples/text-layer.pdf'), 50)
 * pdf.numPages // 1
 */
export async function openPdf(bytes: Buffer, maxPages: number): Promise<PDFDocumentProxy> {
  if (!isPdf(bytes)) throw new OcrError('E_PDF_INVALID', 'The body is not a PDF: it does not start with %PDF-.')
  folders ??= resolveDataFolders()
  const task = getDocument({
    // pdfjs-dist may transfer (detach) the buffer it is given: hand it a copy.
    data: new Uint8Array(bytes),
    ...folders,
    cMapPacked: true,
    // An image inside a page over the image limit is left out rather than decoded.
    maxImageSize: MAX_PIXELS,
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    stopAtErrors: false,
    verbosity: 0,
  })
  let pdf: PDFDocumentProxy
  try {
    pdf = await task.promise
  } catch (error) {
    await task.destroy().catch(() => {})
    const name = (error as Error).name
    if (name === 'PasswordException') throw new OcrError('E_PDF_ENCRYPTED', 'The PDF is protected by a password; send it decrypted.', { cause: error })
    throw new OcrError('E_PDF_INVALID', `The PDF could not be read: ${(error as Error).message}`, { cause: error })
  }
  if (pdf.numPages < 1) {
    await pdf.destroy()
    throw new OcrError('E_PDF_INVALID', 'The PDF has no pages.')
  }
  if (pdf.numPages > maxPages) {
    const pages = pdf.numPages
    await pdf.destroy()
    throw new OcrError('E_PDF_TOO_MANY_PAGES', `The PDF has ${pages} pages; at most ${maxPages} are accepted (OCR_MAX_PDF_PAGES).`, { details: { pages, maxPages } })
  }
  return pdf
}
