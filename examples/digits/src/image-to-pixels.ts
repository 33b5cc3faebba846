/**
 * An image of one digit to the data set's form, the way the UCI set was made from scanned forms:
 * grayscale, ink made dark-on-light (inverted when the background is dark), cropped to the ink's
 * bounding box, padded to a square around it (aspect ratio kept), then reduced to 8x8 by area
 * averaging, each cell the share of ink in it scaled to 0-16 (what counting the ink pixels of a
 * 4x4 block of a 32x32 bitmap gives).
 */
import { DigitsError } from './errors.js'
import type { RgbaImage } from './image-decode.js'
import { MAX_PIXEL } from './mlp.js'

const GRID = 8
/** Ink below this share of the darkest stroke is background noise (JPEG ringing, paper grain). */
const INK_THRESHOLD = 0.04
/** Less contrast than this between background and darkest stroke is a blank image. */
const MIN_CONTRAST = 0.1

/** Ink 0-1 per pixel: grayscale over white (transparent is paper), inverted for light-on-dark images. */
function measureInk(image: RgbaImage): Float32Array {
  const { width, height, data } = image
  const gray = new Float32Array(width * height)
  for (let i = 0; i < gray.length; i++) {
    const alpha = data[i * 4 + 3]! / 255
    const luminance = (0.299 * data[i * 4]! + 0.587 * data[i * 4 + 1]! + 0.114 * data[i * 4 + 2]!) / 255
    gray[i] = alpha * luminance + (1 - alpha)
  }
  // The border is background: its median says which way round the image is, and how light the paper.
  const border: number[] = []
  for (let x = 0; x < width; x++) border.push(gray[x]!, gray[(height - 1) * width + x]!)
  for (let y = 0; y < height; y++) border.push(gray[y * width]!, gray[y * width + width - 1]!)
  border.sort((a, b) => a - b)
  const paper = border[Math.floor(border.length / 2)]!
  const darkPaper = paper < 0.5
  const ink = gray.map((g) => (darkPaper ? g - paper : paper - g))
  const strongest = ink.reduce((a, b) => Math.max(a, b), 0)
  if (strongest < MIN_CONTRAST) throw new DigitsError('E_NO_INK', 'the image is blank: no stroke stands out from the background')
  return ink.map((v) => (v / strongest < INK_THRESHOLD ? 0 : v / strongest))
}

/** The smallest box holding every inked pixel. */
function findInkBox(ink: Float32Array, width: number): { left: number; top: number; right: number; bottom: number } {
  let left = Infinity, top = Infinity, right = -1, bottom = -1
  ink.forEach((v, i) => {
    if (v === 0) return
    const x = i % width, y = Math.floor(i / width)
    left = Math.min(left, x); right = Math.max(right, x)
    top = Math.min(top, y); bottom = Math.max(bottom, y)
  })
  return { left, top, right: right + 1, bottom: bottom + 1 }
}

/** How much of pixel `p` (covering [p, p+1)) lies in [start, end). */
const overlap = (p: number, start: number, end: number): number => Math.max(0, Math.min(p + 1, end) - Math.max(p, start))

/**
 * @example
 * imageToPixels(decodeImage(png)) // [0, 0, 5, 13, 9, 1, 0, 0, …] (64 integers 0-16)
 */
export function imageToPixels(image: RgbaImage): number[] {
  const ink = measureInk(image)
  const box = findInkBox(ink, image.width)
  const side = Math.max(box.right - box.left, box.bottom - box.top)
  // The square is centred on the ink; its parts outside the image count as paper.
  const x0 = (box.left + box.right - side) / 2
  const y0 = (box.top + box.bottom - side) / 2
  const cell = side / GRID
  const pixels: number[] = []
  for (let row = 0; row < GRID; row++) {
    const yStart = y0 + row * cell, yEnd = yStart + cell
    for (let column = 0; column < GRID; column++) {
      const xStart = x0 + column * cell, xEnd = xStart + cell
      let sum = 0
      for (let y = Math.max(0, Math.floor(yStart)); y < Math.min(image.height, Math.ceil(yEnd)); y++) {
        const wy = overlap(y, yStart, yEnd)
        for (let x = Math.max(0, Math.floor(xStart)); x < Math.min(image.width, Math.ceil(xEnd)); x++) {
          sum += wy * overlap(x, xStart, xEnd) * ink[y * image.width + x]!
        }
      }
      pixels.push(Math.round((MAX_PIXEL * sum) / (cell * cell)))
    }
  }
  return pixels
}
