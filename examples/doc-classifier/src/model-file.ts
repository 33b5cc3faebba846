/**
 * model/model.json: the trained classifier as one file (labels, vocabulary with idf and weights,
 * biases, and how it was trained). Written with a fixed layout and rounded numbers so that
 * training twice gives the same bytes, and one vocabulary entry per line so that a retrained
 * model reads well in a diff.
 */
import type { LinearModel, TrainingOptions } from './linear-model.js'
import type { Vocabulary } from './tfidf.js'

export const MODEL_FORMAT = 'ferry-doc-classifier/1'

export interface ModelFile {
  format: typeof MODEL_FORMAT
  labels: string[]
  training: TrainingOptions & { documents: number; minDocumentFrequency: number }
  bias: number[]
  /** `[term, idf, weights per label]`, sorted by term. */
  vocabulary: Array<[string, number, number[]]>
}

/** Six decimals: far below what changes a prediction, and it hides last-bit float noise. */
function round(value: number): number {
  const rounded = Math.round(value * 1e6) / 1e6
  return rounded === 0 ? 0 : rounded
}

/** Puts a trained model and its vocabulary into the file's shape. */
export function toModelFile(model: LinearModel, vocabulary: Vocabulary, training: ModelFile['training']): ModelFile {
  return {
    format: MODEL_FORMAT,
    labels: model.labels,
    training,
    bias: model.bias.map(round),
    vocabulary: vocabulary.terms.map((term, i) => [term, round(vocabulary.idf[i]!), model.weights[i]!.map(round)]),
  }
}

/**
 * The file's text: the same model always gives the same bytes.
 * @example
 * await writeFile('model/model.json', formatModelFile(toModelFile(model, vocabulary, training)))
 */
export function formatModelFile(file: ModelFile): string {
  const head = (['format', 'labels', 'training', 'bias'] as const).map((key) => `  ${JSON.stringify(key)}: ${JSON.stringify(file[key])},`)
  const entries = file.vocabulary.map((entry) => `    ${JSON.stringify(entry)}`)
  return `{\n${head.join('\n')}\n  "vocabulary": [\n${entries.join(',\n')}\n  ]\n}\n`
}

/** Reads the file's text, checking that it is this format and that its shapes agree. */
export function parseModelFile(text: string): ModelFile {
  const file = JSON.parse(text) as ModelFile
  if (file.format !== MODEL_FORMAT) throw new Error(`model file: format is ${JSON.stringify(file.format)}, expected ${MODEL_FORMAT}`)
  const width = file.labels.length
  if (width < 2 || file.bias.length !== width) throw new Error('model file: needs at least two labels and one bias per label')
  const bad = file.vocabulary.find(([term, idf, weights]) => typeof term !== 'string' || typeof idf !== 'number' || weights.length !== width)
  if (bad) throw new Error(`model file: vocabulary entry ${JSON.stringify(bad[0])} is malformed`)
  return file
}
