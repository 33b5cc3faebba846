/**
 * Decoding an upload (PNG with pngjs, JPEG with jpeg-js) into RGBA pixels, which the highlighted
 * image is drawn on. Decoding fully also proves an upload is not truncated or corrupt. (Encoding
 * is png-encoder.ts.)
 */
import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'
import { OcrError } from './errors.js'
import { MAX_PIXELS, type ImageHeader } from './image-header.js'

/** Four bytes per pixel, row by row: red, green, blue, alpha. */
export interface Rgba {
  width: number
  height: number
  data: Buffer
}

/**
 * Decodes `bytes`, whose header was read already, into RGBA.
 * @example
 * const image = decodeImage(bytes, readImageHeader(bytes))
 */
export function decodeImage(bytes: Buffer, header: ImageHeader): Rgba {
  try {
    if (header.format === 'png') {
      const png = PNG.sync.read(bytes)
      return { width: png.width, height: png.height, data: png.data }
    }
    const image = jpeg.decode(bytes, { formatAsRGBA: true, tolerantDecoding: false, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 512 })
    return { width: image.width, height: image.height, data: image.data }
  } catch (error) {
    throw new OcrError('E_IMAGE_CORRUPT', `The ${header.format.toUpperCase()} could not be decoded: ${(error as Error).message}.`, { cause: error })
  }
}
