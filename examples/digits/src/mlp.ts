/**
 * The classifier: a multilayer perceptron 64 -> hidden (tanh) -> 10 (softmax) over the 8x8 pixel
 * counts scaled to 0-1. Only the forward pass lives here, shared by the server and the trainer.
 */

export const INPUT_SIZE = 64
export const CLASS_COUNT = 10
/** Pixel counts go up to 16 (ink pixels in a 4x4 block of the 32x32 bitmap). */
export const MAX_PIXEL = 16

export interface DenseLayer {
  /** One row per output unit, one column per input. */
  weights: number[][]
  bias: number[]
}

export interface Mlp {
  hidden: DenseLayer
  output: DenseLayer
}

export interface Activations {
  /** The tanh outputs of the hidden layer. */
  hidden: number[]
  /** The probability of each digit 0-9; they sum to 1. */
  scores: number[]
}

/** Multiplies a layer by its input and adds the bias. */
function applyLayer(layer: DenseLayer, input: readonly number[]): number[] {
  return layer.weights.map((row, unit) => {
    let sum = layer.bias[unit]!
    for (let i = 0; i < row.length; i++) sum += row[i]! * input[i]!
    return sum
  })
}

/** Softmax, shifted by the maximum so large logits cannot overflow. */
export function softmax(logits: readonly number[]): number[] {
  const top = Math.max(...logits)
  const exps = logits.map((z) => Math.exp(z - top))
  const total = exps.reduce((a, b) => a + b, 0)
  return exps.map((e) => e / total)
}

/** Scales 64 pixel counts 0-16 to the 0-1 inputs the network was trained on. */
export function scalePixels(pixels: readonly number[]): number[] {
  return pixels.map((p) => p / MAX_PIXEL)
}

/** Both layers' activations for scaled inputs (the trainer needs the hidden ones). */
export function forward(mlp: Mlp, input: readonly number[]): Activations {
  const hidden = applyLayer(mlp.hidden, input).map(Math.tanh)
  return { hidden, scores: softmax(applyLayer(mlp.output, hidden)) }
}

/**
 * Classifies one 8x8 image given as 64 counts 0-16, row by row.
 * @example
 * classify(mlp, pixels) // { digit: 7, scores: [0.0001, …, 0.998, …] }
 */
export function classify(mlp: Mlp, pixels: readonly number[]): { digit: number; scores: number[] } {
  const { scores } = forward(mlp, scalePixels(pixels))
  return { digit: scores.indexOf(Math.max(...scores)), scores }
}
