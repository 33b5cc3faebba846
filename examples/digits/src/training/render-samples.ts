/**
 * Writes samples/: a few held-out rows as JSON bodies and as PNG/JPEG images of several sizes,
 * each a digit the shipped model gets right, so they serve as descriptor examples and test inputs.
 * Run after training: `node examples/digits/build/training/render-samples.js`. It checks every
 * image it writes goes back through the server's image path to the right digit.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import jpeg from 'jpeg-js'
import pngjs from 'pngjs'
import { decodeImage, type RgbaImage } from '../image-decode.js'
import { imageToPixels } from '../image-to-pixels.js'
import { MAX_PIXEL, classify } from '../mlp.js'
import { readWeightsFile } from '../weights-file.js'
import { readDigits, splitDigits } from './dataset.js'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

interface RenderOptions {
  /** Pixels per cell of the 8x8 grid. */
  cell: number
  width: number
  height: number
  /** Bilinear interpolation between cell centres instead of square blocks. */
  smooth?: boolean
  /** White ink on black. */
  invert?: boolean
}

/** Ink 0-1 at a point of the 8x8 grid (in cell units), blocky or interpolated. */
function sampleInk(pixels: number[], gx: number, gy: number, smooth: boolean): number {
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x > 7 || y > 7 ? 0 : pixels[y * 8 + x]! / MAX_PIXEL)
  if (!smooth) return at(Math.floor(gx), Math.floor(gy))
  const x = gx - 0.5, y = gy - 0.5
  const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1))
}

/** The 8x8 image drawn at `cell` pixels a cell, centred on a canvas of the given size. */
function renderDigit(pixels: number[], options: RenderOptions): RgbaImage {
  const { cell, width, height } = options
  const left = (width - 8 * cell) / 2, top = (height - 8 * cell) / 2
  const data = new Uint8Array(width * height * 4)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ink = sampleInk(pixels, (x + 0.5 - left) / cell, (y + 0.5 - top) / cell, options.smooth ?? false)
      const value = Math.round(255 * (options.invert ? ink : 1 - ink))
      data.set([value, value, value, 255], (y * width + x) * 4)
    }
  }
  return { width, height, data }
}

function main(): void {
  const { network } = readWeightsFile(here('../../model/weights.json'))
  const { heldOut } = splitDigits(readDigits(here('../../data/digits.csv.gz')))
  const firstCorrect = (digit: number): number[] => heldOut.find((row) => row.label === digit && classify(network, row.pixels).digit === digit)!.pixels
  const dir = here('../../samples/')
  mkdirSync(dir, { recursive: true })
  for (const digit of [0, 1, 4, 9]) writeFileSync(`${dir}pixels-${digit}.json`, `${JSON.stringify({ pixels: firstCorrect(digit) })}\n`)

  const images: Array<[string, number, RenderOptions]> = [
    ['digit-3-64x64.png', 3, { cell: 8, width: 64, height: 64 }],
    ['digit-7-200x120.png', 7, { cell: 10, width: 200, height: 120 }],
    ['digit-2-32x32.png', 2, { cell: 4, width: 32, height: 32 }],
    ['digit-5-300x300-smooth.png', 5, { cell: 30, width: 300, height: 300, smooth: true }],
    ['digit-6-96x96-white-on-black.jpg', 6, { cell: 10, width: 96, height: 96, invert: true }],
  ]
  for (const [name, digit, options] of images) {
    const image = renderDigit(firstCorrect(digit), options)
    const bytes = name.endsWith('.png')
      ? pngjs.PNG.sync.write(Object.assign(new pngjs.PNG({ width: image.width, height: image.height }), { data: Buffer.from(image.data) }), { colorType: 0 })
      : jpeg.encode({ width: image.width, height: image.height, data: image.data }, 90).data
    const seen = classify(network, imageToPixels(decodeImage(bytes))).digit
    if (seen !== digit) throw new Error(`${name}: the model reads ${seen}, not ${digit}`)
    writeFileSync(dir + name, bytes)
    console.log(`wrote samples/${name} (read back as ${seen})`)
  }
}

main()
