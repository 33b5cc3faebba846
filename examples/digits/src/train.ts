/**
 * The training script: `node examples/digits/build/train.js [--out FILE] [--held-out FILE]`.
 * Reads data/digits.csv.gz, holds out a fixed stratified 20 % of it, trains the MLP on the rest,
 * and writes the network to model/weights.json (or --out). Prints the accuracy on the held-out
 * rows as one JSON object on stdout; --held-out also writes those rows ({pixels, label, index}).
 * Deterministic: the same data and settings give byte-identical weights.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { classify, type Mlp } from './mlp.js'
import { readDigits, splitDigits, type DigitRow } from './training/dataset.js'
import { trainMlp, type TrainOptions } from './training/train-mlp.js'
import { WEIGHTS_FORMAT, roundMlp, writeWeightsFile } from './weights-file.js'

const TRAIN_OPTIONS: TrainOptions = { hiddenUnits: 32, epochs: 40, batchSize: 32, learningRate: 0.01, weightDecay: 1e-4, seed: 42 }

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

function measureAccuracy(mlp: Mlp, rows: DigitRow[]): number {
  const correct = rows.filter((row) => classify(mlp, row.pixels).digit === row.label).length
  return Number((correct / rows.length).toFixed(4))
}

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string' }, 'held-out': { type: 'string' } } })
  const out = values.out ?? here('../model/weights.json')
  const started = performance.now()
  const { train, heldOut } = splitDigits(readDigits(here('../data/digits.csv.gz')))
  // Accuracy is measured on the rounded network: the one that ships.
  const mlp = roundMlp(trainMlp(train, TRAIN_OPTIONS))
  const training = {
    dataset: 'UCI optical recognition of handwritten digits (scikit-learn digits.csv.gz)',
    seed: TRAIN_OPTIONS.seed,
    epochs: TRAIN_OPTIONS.epochs,
    hiddenUnits: TRAIN_OPTIONS.hiddenUnits,
    trainRows: train.length,
    heldOutRows: heldOut.length,
    trainAccuracy: measureAccuracy(mlp, train),
    heldOutAccuracy: measureAccuracy(mlp, heldOut),
  }
  writeWeightsFile(out, { format: WEIGHTS_FORMAT, network: mlp, training })
  if (values['held-out']) writeFileSync(values['held-out'], JSON.stringify(heldOut))
  console.log(JSON.stringify({ ...training, weights: out }))
  console.error(`trained in ${((performance.now() - started) / 1000).toFixed(1)} s: held-out accuracy ${training.heldOutAccuracy} on ${heldOut.length} rows`)
}

main()
