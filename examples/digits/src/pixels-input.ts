/**
 * The JSON form of a prediction request, `{"pixels": [64 numbers 0-16]}`: an 8x8 image row by
 * row, each value the count of ink pixels in a 4x4 block of a 32x32 bitmap, as in the UCI set.
 */
import { DigitsError } from './errors.js'
import { INPUT_SIZE, MAX_PIXEL } from './mlp.js'

/**
 * Parses and checks a JSON body; every refusal names the problem and the index at fault.
 * @example
 * parsePixelsBody(Buffer.from('{"pixels": [0, 0, 5, …]}')) // [0, 0, 5, …]
 */
export function parsePixelsBody(body: Buffer): number[] {
  let json: unknown
  try {
    json = JSON.parse(body.toString('utf8'))
  } catch (error) {
    throw new DigitsError('E_NOT_JSON', `the body is not valid JSON: ${(error as Error).message}`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !('pixels' in json)) {
    throw new DigitsError('E_PIXELS_MISSING', 'send a JSON object {"pixels": [64 numbers 0-16]}')
  }
  const unknown = Object.keys(json).filter((key) => key !== 'pixels')
  if (unknown.length > 0) throw new DigitsError('E_UNKNOWN_FIELD', `unknown field "${unknown[0]}": only "pixels" is accepted`)
  const pixels = (json as { pixels: unknown }).pixels
  if (!Array.isArray(pixels)) throw new DigitsError('E_PIXELS_MISSING', '"pixels" must be an array of 64 numbers 0-16')
  if (pixels.length !== INPUT_SIZE) {
    throw new DigitsError('E_PIXELS_LENGTH', `"pixels" has ${pixels.length} values; it needs ${INPUT_SIZE} (an 8x8 image, row by row)`)
  }
  pixels.forEach((value: unknown, i) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new DigitsError('E_PIXELS_TYPE', `pixels[${i}] is ${JSON.stringify(value)}, not a number`)
    if (value < 0 || value > MAX_PIXEL) throw new DigitsError('E_PIXELS_RANGE', `pixels[${i}] is ${value}; values go from 0 to ${MAX_PIXEL}`)
  })
  return pixels as number[]
}
