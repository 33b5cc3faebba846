/**
 * The highlighted image: a copy of the upload with a rectangle drawn around each recognised word,
 * its colour from the word's confidence (green when sure, orange, then red).
 */
import type { Rgba } from './raster.js'
import type { Bbox, RecognizedWord } from './recognition.js'

const THICKNESS = 2

type Colour = readonly [number, number, number]

/** A box's colour from its word's confidence: green when sure, orange, then red. */
export function pickColour(confidence: number): Colour {
  if (confidence >= 80) return [0, 170, 60]
  if (confidence >= 50) return [255, 140, 0]
  return [220, 20, 20]
}

function fillRect(image: Rgba, x0: number, y0: number, x1: number, y1: number, colour: Colour): void {
  const left = Math.max(0, x0)
  const right = Math.min(image.width, x1)
  for (let y = Math.max(0, y0); y < Math.min(image.height, y1); y++) {
    for (let x = left; x < right; x++) {
      const at = (y * image.width + x) * 4
      image.data[at] = colour[0]
      image.data[at + 1] = colour[1]
      image.data[at + 2] = colour[2]
      image.data[at + 3] = 255
    }
  }
}

/** Draws the outline of `box` (a few pixels outside the word, so the ink stays readable). */
function strokeBox(image: Rgba, box: Bbox, colour: Colour): void {
  const [x0, y0, x1, y1] = [box.x0 - THICKNESS, box.y0 - THICKNESS, box.x1 + THICKNESS, box.y1 + THICKNESS]
  fillRect(image, x0, y0, x1, y0 + THICKNESS, colour)
  fillRect(image, x0, y1 - THICKNESS, x1, y1, colour)
  fillRect(image, x0, y0, x0 + THICKNESS, y1, colour)
  fillRect(image, x1 - THICKNESS, y0, x1, y1, colour)
}

/**
 * Returns a copy of `image` with every word boxed; `image` itself is untouched.
 * @example
 * const png = encodeRgbPng(drawWordBoxes(decodeImage(bytes, header), result.words))
 */
export function drawWordBoxes(image: Rgba, words: readonly RecognizedWord[]): Rgba {
  const copy: Rgba = { width: image.width, height: image.height, data: Buffer.from(image.data) }
  for (const word of words) strokeBox(copy, word.bbox, pickColour(word.confidence))
  return copy
}
