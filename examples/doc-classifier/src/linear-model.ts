/**
 * The linear model: multinomial logistic regression (softmax over one weight per feature and
 * label, plus a bias per label), trained by full-batch gradient descent with L2 regularisation.
 * Weights start at zero and every pass visits the documents in the same order, so training has no
 * randomness at all: the same data always gives the same weights.
 */
import type { SparseVector } from './tfidf.js'

export interface LinearModel {
  labels: string[]
  /** `weights[feature][label]`. */
  weights: number[][]
  bias: number[]
}

export interface TrainingOptions {
  epochs: number
  learningRate: number
  /** Strength of the L2 penalty on the weights (not on the bias). */
  l2: number
}

/** Softmax of `scores`, shifted by their maximum so that exp never overflows. */
function softmax(scores: number[]): number[] {
  const max = Math.max(...scores)
  const exps = scores.map((s) => Math.exp(s - max))
  const sum = exps.reduce((a, b) => a + b, 0)
  return exps.map((e) => e / sum)
}

/**
 * The probability of each label (in `model.labels` order) for one feature vector.
 * @example
 * predictProbabilities(model, vectorize(extractTerms(text), index, idf)) // [0.91, 0.03, …]
 */
export function predictProbabilities(model: LinearModel, x: SparseVector): number[] {
  const scores = [...model.bias]
  for (let k = 0; k < x.indices.length; k++) {
    const row = model.weights[x.indices[k]!]!
    const value = x.values[k]!
    for (let j = 0; j < scores.length; j++) scores[j]! += row[j]! * value
  }
  return softmax(scores)
}

/**
 * Fits the model to documents `xs` whose labels are `ys` (indices into `labels`) by minimising
 * the mean cross-entropy plus `l2 / 2 · ‖W‖²`.
 * @example
 * const model = trainLinearModel(xs, ys, ['invoice', 'receipt'], vocabulary.terms.length, { epochs: 300, learningRate: 2, l2: 1e-4 })
 */
export function trainLinearModel(xs: readonly SparseVector[], ys: readonly number[], labels: string[], features: number, options: TrainingOptions): LinearModel {
  const model: LinearModel = { labels, weights: Array.from({ length: features }, () => new Array<number>(labels.length).fill(0)), bias: new Array<number>(labels.length).fill(0) }
  const n = xs.length
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const gradient = Array.from({ length: features }, () => new Array<number>(labels.length).fill(0))
    const biasGradient = new Array<number>(labels.length).fill(0)
    for (let i = 0; i < n; i++) {
      const x = xs[i]!
      const p = predictProbabilities(model, x)
      for (let j = 0; j < labels.length; j++) {
        const error = (p[j]! - (ys[i] === j ? 1 : 0)) / n
        biasGradient[j]! += error
        for (let k = 0; k < x.indices.length; k++) gradient[x.indices[k]!]![j]! += error * x.values[k]!
      }
    }
    for (let f = 0; f < features; f++) {
      const row = model.weights[f]!
      for (let j = 0; j < labels.length; j++) row[j]! -= options.learningRate * (gradient[f]![j]! + options.l2 * row[j]!)
    }
    for (let j = 0; j < labels.length; j++) model.bias[j]! -= options.learningRate * biasGradient[j]!
  }
  return model
}
