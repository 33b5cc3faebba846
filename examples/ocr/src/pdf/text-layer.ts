/**
 * A PDF page's own text (its text layer), as the OCR result would be: the text, line by line, and
 * each word with confidence 100 and a box in the pixels of the page rendered at `scale`. pdfjs-dist
 * gives runs of text with their position, width and font size, not each glyph, so a word's box is
 * its share of its run's width; for horizontal text that is close, for rotated text approximate.
 */
import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs'
import type { Recognition, RecognizedWord } from '../recognition.js'

interface TextRun { str: string; transform: number[]; width: number; height: number; hasEOL: boolean }

/** The part of a font's size above the baseline, and below it, for a word's box. */
const ASCENT = 0.82
const DESCENT = 0.22

function multiply(m: readonly number[], n: readonly number[]): number[] {
  return [
    m[0]! * n[0]! + m[2]! * n[1]!, m[1]! * n[0]! + m[3]! * n[1]!,
    m[0]! * n[2]! + m[2]! * n[3]!, m[1]! * n[2]! + m[3]! * n[3]!,
    m[0]! * n[4]! + m[2]! * n[5]! + m[4]!, m[1]! * n[4]! + m[3]! * n[5]! + m[5]!,
  ]
}

/** The words of one run, each with its box (viewport pixels). */
function wordsOf(run: TextRun, viewportTransform: readonly number[], scale: number, width: number, height: number): RecognizedWord[] {
  const [a, b, c, d, x, y] = multiply(viewportTransform, run.transform)
  const fontSize = Math.hypot(c!, d!) || Math.hypot(a!, b!)
  const runWidth = run.width * scale
  const words: RecognizedWord[] = []
  for (const match of run.str.matchAll(/\S+/g)) {
    const from = x! + (runWidth * match.index) / run.str.length
    const to = x! + (runWidth * (match.index + match[0].length)) / run.str.length
    const clamp = (value: number, max: number): number => Math.max(0, Math.min(max, Math.round(value)))
    const bbox = { x0: clamp(from, width), y0: clamp(y! - fontSize * ASCENT, height), x1: clamp(to, width), y1: clamp(y! + fontSize * DESCENT, height) }
    if (bbox.x1 <= bbox.x0) bbox.x1 = Math.min(width, bbox.x0 + 1)
    if (bbox.y1 <= bbox.y0) bbox.y1 = Math.min(height, bbox.y0 + 1)
    words.push({ text: match[0], confidence: 100, bbox })
  }
  return words
}

/**
 * Reads the text layer of `page`; `text` is empty for a page without one (a scan).
 * @example
 * const { text, words } = await readTextLayer(await pdf.getPage(1), 2)
 */
export async function readTextLayer(page: PDFPageProxy, scale: number): Promise<Recognition> {
  const viewport = page.getViewport({ scale })
  const content = await page.getTextContent()
  const runs = content.items.filter((item): item is typeof item & TextRun => 'str' in item)
  const words: RecognizedWord[] = []
  let text = ''
  let lastBaseline: number | null = null
  for (const run of runs) {
    const baseline = multiply(viewport.transform, run.transform)[5]!
    // A run lower or higher than the last by more than half its size starts a new line.
    if (lastBaseline !== null && run.str !== '' && Math.abs(baseline - lastBaseline) > Math.max(2, run.height * scale * 0.5) && !text.endsWith('\n')) text += '\n'
    text += run.str
    if (run.hasEOL) text += '\n'
    if (run.str !== '') lastBaseline = baseline
    words.push(...wordsOf(run, viewport.transform, scale, Math.round(viewport.width), Math.round(viewport.height)))
  }
  const lines = text.split('\n').map((line) => line.replace(/\s+/g, ' ').trim()).filter((line) => line !== '')
  return { text: lines.join('\n'), words, meanConfidence: words.length > 0 ? 100 : 0 }
}
