/**
 * What a recognition returns to the client: the text, each word with its confidence and box, and
 * the page's mean confidence, flattened from tesseract.js's block → paragraph → line → word tree.
 */
import type Tesseract from 'tesseract.js'

export interface Bbox {
  x0: number
  y0: number
  x1: number
  y1: number
}

export interface RecognizedWord {
  text: string
  /** 0-100, as tesseract reports it. */
  confidence: number
  bbox: Bbox
}

export interface Recognition {
  text: string
  words: RecognizedWord[]
  /** Tesseract's mean confidence over the page's words, 0-100 (0 when it found none). */
  meanConfidence: number
}

const roundTo2 = (value: number): number => Math.round(value * 100) / 100

/**
 * Flattens a tesseract.js page (recognised with the `blocks` output) into a Recognition.
 * @example
 * const { data } = await worker.recognize(png, {}, { text: true, blocks: true })
 * toRecognition(data).words[0] // { text: 'The', confidence: 96.2, bbox: { x0: 40, y0: 84, x1: 112, y1: 117 } }
 */
export function toRecognition(page: Tesseract.Page): Recognition {
  const words: RecognizedWord[] = []
  for (const block of page.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        for (const word of line.words) {
          if (word.text.trim() === '') continue
          const { x0, y0, x1, y1 } = word.bbox
          words.push({ text: word.text, confidence: roundTo2(word.confidence), bbox: { x0, y0, x1, y1 } })
        }
      }
    }
  }
  return { text: page.text.trim(), words, meanConfidence: roundTo2(page.confidence) }
}
