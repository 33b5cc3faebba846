/**
 * PNG and JPEG bodies to RGBA pixels. The format comes from the bytes themselves (a JPEG sent as
 * image/png still decodes), and the size is read from the header before decoding, so a
 * 20000x20000 image is refused without allocating it.
 */
import jpeg from 'jpeg-js'
import pngjs from 'pngjs'
import { DigitsError } from './errors.js'

/** Wider or taller images are refused with 413. */
export const MAX_IMAGE_SIDE = 4096

export interface RgbaImage {
  width: number
  height: number
  /** 4 bytes per pixel, row by row. */
  data: Uint8Array
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Width and height from the PNG's IHDR chunk, which must come first. */
function readPngSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

/** Width and height from the JPEG's start-of-frame segment (SOF0-SOF15 but DHT, JPG, DAC). */
function readJpegSize(bytes: Buffer): { width: number; height: number } | undefined {
  let at = 2
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return undefined
    const marker = bytes[at + 1]!
    if (marker === 0xff) { at += 1; continue } // fill byte
    const length = bytes.readUInt16BE(at + 2)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) }
    }
    at += 2 + length
  }
  return undefined
}

/**
 * Decodes a PNG or JPEG body; anything else is E_NOT_IMAGE, an image over MAX_IMAGE_SIDE on a
 * side E_IMAGE_TOO_LARGE.
 * @example
 * const { width, height, data } = decodeImage(await readFile('samples/digit-3-64x64.png'))
 */
export function decodeImage(bytes: Buffer): RgbaImage {
  const isPng = bytes.subarray(0, 8).equals(PNG_SIGNATURE)
  const isJpeg = bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff
  const size = isPng ? readPngSize(bytes) : isJpeg ? readJpegSize(bytes) : undefined
  if (!size || size.width === 0 || size.height === 0) {
    throw new DigitsError('E_NOT_IMAGE', isPng || isJpeg ? `the ${isPng ? 'PNG' : 'JPEG'} header is damaged` : 'the body is neither a PNG nor a JPEG image')
  }
  if (size.width > MAX_IMAGE_SIDE || size.height > MAX_IMAGE_SIDE) {
    throw new DigitsError('E_IMAGE_TOO_LARGE', `the image is ${size.width}x${size.height}; at most ${MAX_IMAGE_SIDE}x${MAX_IMAGE_SIDE} is accepted`)
  }
  try {
    if (isPng) return pngjs.PNG.sync.read(bytes)
    return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: (MAX_IMAGE_SIDE * MAX_IMAGE_SIDE) / 1e6, maxMemoryUsageInMB: 256 })
  } catch (error) {
    throw new DigitsError('E_NOT_IMAGE', `the ${isPng ? 'PNG' : 'JPEG'} image cannot be decoded: ${(error as Error).message}`)
  }
}
