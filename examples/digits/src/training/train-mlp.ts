/**
 * Trains the MLP of ../mlp.ts: cross-entropy loss, mini-batch gradients by backpropagation, Adam
 * updates and a little L2 weight decay. Every random choice comes from the seeded generator, so
 * the same rows and seed give the same network.
 */
import { CLASS_COUNT, INPUT_SIZE, forward, scalePixels, type DenseLayer, type Mlp } from '../mlp.js'
import type { DigitRow } from './dataset.js'
import { createRandom, shuffleInPlace, type Random } from './random.js'

export interface TrainOptions {
  hiddenUnits: number
  epochs: number
  batchSize: number
  learningRate: number
  weightDecay: number
  seed: number
}

const BETA1 = 0.9
const BETA2 = 0.999
const EPSILON = 1e-8

/** A layer with Glorot-scaled normal weights and zero biases. */
function initLayer(units: number, inputs: number, random: Random): DenseLayer {
  const scale = Math.sqrt(2 / (units + inputs))
  return {
    weights: Array.from({ length: units }, () => Array.from({ length: inputs }, () => random.normal() * scale)),
    bias: new Array<number>(units).fill(0),
  }
}

const zerosLike = (layer: DenseLayer): DenseLayer => ({ weights: layer.weights.map((row) => row.map(() => 0)), bias: layer.bias.map(() => 0) })

/** One Adam optimiser's moments for a layer, and the step that applies a gradient to it. */
function createAdamStep(layer: DenseLayer, options: TrainOptions): (gradient: DenseLayer, step: number) => void {
  const m = zerosLike(layer)
  const v = zerosLike(layer)
  const update = (values: number[], grads: number[], ms: number[], vs: number[], decay: number, rate: number): void => {
    for (let i = 0; i < values.length; i++) {
      const g = grads[i]! + decay * values[i]!
      ms[i] = BETA1 * ms[i]! + (1 - BETA1) * g
      vs[i] = BETA2 * vs[i]! + (1 - BETA2) * g * g
      values[i] = values[i]! - rate * ms[i]! / (Math.sqrt(vs[i]!) + EPSILON)
    }
  }
  return (gradient, step) => {
    const rate = options.learningRate * Math.sqrt(1 - BETA2 ** step) / (1 - BETA1 ** step)
    layer.weights.forEach((row, unit) => update(row, gradient.weights[unit]!, m.weights[unit]!, v.weights[unit]!, options.weightDecay, rate))
    update(layer.bias, gradient.bias, m.bias, v.bias, 0, rate)
  }
}

/** Adds one example's gradient (backpropagated from its cross-entropy loss) to the batch's. */
function accumulateGradient(mlp: Mlp, input: number[], label: number, hiddenGrad: DenseLayer, outputGrad: DenseLayer, batchSize: number): void {
  const { hidden, scores } = forward(mlp, input)
  const outputDelta = scores.map((p, digit) => (p - (digit === label ? 1 : 0)) / batchSize)
  const hiddenDelta = hidden.map((h, unit) => {
    let sum = 0
    for (let digit = 0; digit < CLASS_COUNT; digit++) sum += mlp.output.weights[digit]![unit]! * outputDelta[digit]!
    return sum * (1 - h * h)
  })
  outputDelta.forEach((delta, digit) => {
    const row = outputGrad.weights[digit]!
    for (let unit = 0; unit < hidden.length; unit++) row[unit] = row[unit]! + delta * hidden[unit]!
    outputGrad.bias[digit] = outputGrad.bias[digit]! + delta
  })
  hiddenDelta.forEach((delta, unit) => {
    const row = hiddenGrad.weights[unit]!
    for (let i = 0; i < INPUT_SIZE; i++) row[i] = row[i]! + delta * input[i]!
    hiddenGrad.bias[unit] = hiddenGrad.bias[unit]! + delta
  })
}

/**
 * Trains a network on `rows` and returns it.
 * @example
 * const mlp = trainMlp(split.train, { hiddenUnits: 32, epochs: 40, batchSize: 32, learningRate: 0.01, weightDecay: 1e-4, seed: 7 })
 */
export function trainMlp(rows: DigitRow[], options: TrainOptions): Mlp {
  const random = createRandom(options.seed)
  const mlp: Mlp = { hidden: initLayer(options.hiddenUnits, INPUT_SIZE, random), output: initLayer(CLASS_COUNT, options.hiddenUnits, random) }
  const stepHidden = createAdamStep(mlp.hidden, options)
  const stepOutput = createAdamStep(mlp.output, options)
  const examples = rows.map((row) => ({ input: scalePixels(row.pixels), label: row.label }))
  let step = 0
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffleInPlace(examples, random)
    for (let start = 0; start < examples.length; start += options.batchSize) {
      const batch = examples.slice(start, start + options.batchSize)
      const hiddenGrad = zerosLike(mlp.hidden)
      const outputGrad = zerosLike(mlp.output)
      for (const { input, label } of batch) accumulateGradient(mlp, input, label, hiddenGrad, outputGrad, batch.length)
      step++
      stepHidden(hiddenGrad, step)
      stepOutput(outputGrad, step)
    }
  }
  return mlp
}
