/**
 * The UCI optical-recognition-of-handwritten-digits set as shipped in data/digits.csv.gz: 1,797
 * rows of 64 pixel counts (0-16, an 8x8 image read row by row) followed by the digit. Also the
 * fixed stratified split into training and held-out rows.
 */
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { createRandom, shuffleInPlace } from './random.js'

/** The share of each digit's rows held out for measuring accuracy, and the seed that picks them. */
export const HELD_OUT_FRACTION = 0.2
export const SPLIT_SEED = 1998

export interface DigitRow {
  /** 64 integers 0-16, row-major 8x8. */
  pixels: number[]
  /** 0-9. */
  label: number
  /** The row's position in the CSV (0-based), to say which rows were held out. */
  index: number
}

export interface DigitSplit {
  train: DigitRow[]
  heldOut: DigitRow[]
}

/** Reads and checks the CSV; a malformed row throws with its line number. */
export function readDigits(path: string): DigitRow[] {
  const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n').filter((line) => line.trim() !== '')
  return lines.map((line, index) => {
    const values = line.split(',').map(Number)
    const label = values.pop()
    if (values.length !== 64 || values.some((v) => !Number.isInteger(v) || v < 0 || v > 16) || label === undefined || !Number.isInteger(label) || label < 0 || label > 9) {
      throw new Error(`${path}: line ${index + 1} is not 64 values 0-16 and a digit 0-9`)
    }
    return { pixels: values, label, index }
  })
}

/**
 * Holds out `fraction` of each digit's rows (stratified), chosen by a seeded shuffle, so the
 * split is the same on every run; both halves keep the CSV's order.
 * @example
 * const { train, heldOut } = splitDigits(readDigits('data/digits.csv.gz')) // 1438 training rows, 359 held out
 */
export function splitDigits(rows: DigitRow[], fraction = HELD_OUT_FRACTION, seed = SPLIT_SEED): DigitSplit {
  const random = createRandom(seed)
  const heldOutIndexes = new Set<number>()
  for (let digit = 0; digit <= 9; digit++) {
    const ofDigit = shuffleInPlace(rows.filter((row) => row.label === digit), random)
    for (const row of ofDigit.slice(0, Math.round(ofDigit.length * fraction))) heldOutIndexes.add(row.index)
  }
  return {
    train: rows.filter((row) => !heldOutIndexes.has(row.index)),
    heldOut: rows.filter((row) => heldOutIndexes.has(row.index)),
  }
}
