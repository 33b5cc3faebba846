/**
 * Recognising an upload as PNG or JPEG from its first bytes, and reading its dimensions from the
 * header alone, so an image too large to decode safely is refused before any pixel is allocated.
 */
import { OcrError } from './errors.js'

export type ImageFormat = 'png' | 'jpeg'

export interface ImageHeader {
  format: ImageFormat
  width: number
  height: number
}

/** Limits checked from the header: each side, and the pixel count. */
export const MAX_SIDE = 8000
export const MAX_PIXELS = 40_000_000

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** PNG: the IHDR chunk comes first, width and height big-endian at bytes 16 and 20. */
function readPngSize(bytes: Buffer): { width: number; height: number } {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') throw new OcrError('E_IMAGE_CORRUPT', 'The PNG has no IHDR header.')
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

/** Start-of-frame markers (SOF0-SOF15 except DHT C4, JPG C8 and DAC CC) carry the frame size. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
}

/** JPEG: walk the marker segments up to the first start-of-frame. */
function readJpegSize(bytes: Buffer): { width: number; height: number } {
  let offset = 2
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) break
    const marker = bytes[offset + 1]!
    if (marker === 0xff) { offset += 1; continue } // fill byte
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { offset += 2; continue } // no length
    const length = bytes.readUInt16BE(offset + 2)
    if (isStartOfFrame(marker)) {
      if (offset + 9 > bytes.length) break
      return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) }
    }
    if (marker === 0xda || length < 2) break // scan data before any frame header
    offset += 2 + length
  }
  throw new OcrError('E_IMAGE_CORRUPT', 'The JPEG has no frame header.')
}

/** Which format the bytes are, by their signature, or null. */
export function sniffImageFormat(bytes: Buffer): ImageFormat | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png'
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg'
  return null
}

/**
 * Reads and checks an upload's header: its format and dimensions, within the limits.
 * @example
 * readImageHeader(readFileSync('samples/fox.png')) // { format: 'png', width: 1200, height: 200 }
 */
export function readImageHeader(bytes: Buffer): ImageHeader {
  const format = sniffImageFormat(bytes)
  if (format === null) throw new OcrError('E_NOT_AN_IMAGE')
  const { width, height } = format === 'png' ? readPngSize(bytes) : readJpegSize(bytes)
  if (width === 0 || height === 0) throw new OcrError('E_IMAGE_EMPTY', `The ${format.toUpperCase()} header says ${width}×${height}: there is nothing to read.`)
  if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS) {
    throw new OcrError('E_IMAGE_TOO_LARGE', `The image is ${width}×${height}; at most ${MAX_SIDE}×${MAX_SIDE} and ${MAX_PIXELS / 1e6} megapixels are accepted.`)
  }
  return { format, width, height }
}
