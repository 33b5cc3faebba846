/**
 * The classifier the server uses: a model file turned into a function from text to a label, its
 * probability and the probability of every label.
 */
import { readFile } from 'node:fs/promises'
import { predictProbabilities, type LinearModel } from './linear-model.js'
import { parseModelFile, type ModelFile } from './model-file.js'
import { vectorize } from './tfidf.js'
import { extractTerms } from './tokenize.js'

export interface Classification {
  label: string
  /** The probability of `label`, the highest of `scores`. */
  confidence: number
  /** Every label's probability; they add up to 1 (give or take rounding). */
  scores: Record<string, number>
}

export type Classify = (text: string) => Classification

const round4 = (p: number) => Math.round(p * 1e4) / 1e4

/**
 * A classify function over a parsed model file.
 * @example
 * const classify = createClassifier(parseModelFile(text))
 * classify('Dear Sir, …') // { label: 'letter', confidence: 0.83, scores: { invoice: 0.02, … } }
 */
export function createClassifier(file: ModelFile): Classify {
  const index = new Map(file.vocabulary.map(([term], i) => [term, i]))
  const idf = file.vocabulary.map(([, value]) => value)
  const model: LinearModel = { labels: file.labels, weights: file.vocabulary.map(([, , weights]) => weights), bias: file.bias }
  return (text) => {
    const probabilities = predictProbabilities(model, vectorize(extractTerms(text), index, idf))
    let best = 0
    for (let j = 1; j < probabilities.length; j++) if (probabilities[j]! > probabilities[best]!) best = j
    return {
      label: file.labels[best]!,
      confidence: round4(probabilities[best]!),
      scores: Object.fromEntries(file.labels.map((label, j) => [label, round4(probabilities[j]!)])),
    }
  }
}

/** Reads model/model.json (or another model file) and returns its classify function. */
export async function loadClassifier(path: string | URL): Promise<Classify> {
  return createClassifier(parseModelFile(await readFile(path, 'utf8')))
}
