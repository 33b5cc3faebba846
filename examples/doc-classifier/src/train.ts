/**
 * Training, run by the build (`node build/train.js`): learns the vocabulary and the linear model
 * from data/train.jsonl, writes model/model.json, then measures the written model on the held-out
 * data/test.jsonl and prints the result as JSON. Deterministic: running it again on the same data
 * rewrites the same bytes. `--out FILE` writes the model elsewhere (to compare with the committed one).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createClassifier } from './classifier.js'
import { readDataset, type LabelledDocument } from './dataset.js'
import { trainLinearModel, type TrainingOptions } from './linear-model.js'
import { formatModelFile, parseModelFile, toModelFile } from './model-file.js'
import { fitVocabulary, vectorize } from './tfidf.js'
import { extractTerms } from './tokenize.js'

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url))
const MIN_DOCUMENT_FREQUENCY = 2
const TRAINING: TrainingOptions = { epochs: 400, learningRate: 4, l2: 1e-4 }

interface Evaluation {
  accuracy: number
  perLabel: Record<string, { correct: number; total: number }>
  mistakes: Array<{ label: string; predicted: string; text: string }>
}

function evaluate(classify: ReturnType<typeof createClassifier>, documents: LabelledDocument[]): Evaluation {
  const perLabel: Evaluation['perLabel'] = {}
  const mistakes: Evaluation['mistakes'] = []
  for (const { label, text } of documents) {
    const predicted = classify(text).label
    const counts = (perLabel[label] ??= { correct: 0, total: 0 })
    counts.total++
    if (predicted === label) counts.correct++
    else mistakes.push({ label, predicted, text: text.slice(0, 80) })
  }
  const correct = Object.values(perLabel).reduce((sum, c) => sum + c.correct, 0)
  return { accuracy: Math.round((correct / documents.length) * 1e4) / 1e4, perLabel, mistakes }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' } } })
  const out = resolve(values.out ?? resolve(EXAMPLE_DIR, 'model', 'model.json'))
  const train = await readDataset(resolve(EXAMPLE_DIR, 'data', 'train.jsonl'))
  const test = await readDataset(resolve(EXAMPLE_DIR, 'data', 'test.jsonl'))

  const labels = [...new Set(train.map((d) => d.label))].sort()
  const documents = train.map((d) => extractTerms(d.text))
  const vocabulary = fitVocabulary(documents, MIN_DOCUMENT_FREQUENCY)
  const index = new Map(vocabulary.terms.map((term, i) => [term, i]))
  const xs = documents.map((terms) => vectorize(terms, index, vocabulary.idf))
  const ys = train.map((d) => labels.indexOf(d.label))
  const model = trainLinearModel(xs, ys, labels, vocabulary.terms.length, TRAINING)

  const text = formatModelFile(toModelFile(model, vocabulary, { ...TRAINING, documents: train.length, minDocumentFrequency: MIN_DOCUMENT_FREQUENCY }))
  await mkdir(dirname(out), { recursive: true })
  await writeFile(out, text)

  // Measured on the model as written (rounded), which is what the server loads.
  const classify = createClassifier(parseModelFile(text))
  const held = evaluate(classify, test)
  console.log(JSON.stringify({
    model: out,
    bytes: Buffer.byteLength(text),
    labels,
    vocabulary: vocabulary.terms.length,
    trainDocuments: train.length,
    testDocuments: test.length,
    trainAccuracy: evaluate(classify, train).accuracy,
    accuracy: held.accuracy,
    perLabel: held.perLabel,
    mistakes: held.mistakes,
  }, null, 2))
}

await main()
