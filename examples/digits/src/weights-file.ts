/**
 * model/weights.json: the trained network and how it was made. Written by the training script
 * (floats rounded to keep the file small), read and shape-checked by the server at start-up.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { CLASS_COUNT, INPUT_SIZE, type DenseLayer, type Mlp } from './mlp.js'

export const WEIGHTS_FORMAT = 'ferry-digits-mlp/1'
/** Decimal places kept; 4 is well below what changes a prediction. */
const DECIMALS = 4

export interface TrainingRecord {
  dataset: string
  seed: number
  epochs: number
  hiddenUnits: number
  trainRows: number
  heldOutRows: number
  trainAccuracy: number
  heldOutAccuracy: number
}

export interface WeightsFile {
  format: typeof WEIGHTS_FORMAT
  network: Mlp
  training: TrainingRecord
}

/** The network with every number rounded as it will be stored (so it can be evaluated as shipped). */
export function roundMlp(mlp: Mlp): Mlp {
  const round = (x: number): number => Number(x.toFixed(DECIMALS)) + 0 // + 0 turns -0 into 0
  const roundLayer = (layer: DenseLayer): DenseLayer => ({ weights: layer.weights.map((row) => row.map(round)), bias: layer.bias.map(round) })
  return { hidden: roundLayer(mlp.hidden), output: roundLayer(mlp.output) }
}

/** Writes the file: one line per weight row, so diffs between trainings stay readable. */
export function writeWeightsFile(path: string, file: WeightsFile): void {
  const layer = (l: DenseLayer): string => `{\n      "weights": [\n${l.weights.map((row) => `        ${JSON.stringify(row)}`).join(',\n')}\n      ],\n      "bias": ${JSON.stringify(l.bias)}\n    }`
  const text = `{\n  "format": ${JSON.stringify(file.format)},\n  "network": {\n    "hidden": ${layer(file.network.hidden)},\n    "output": ${layer(file.network.output)}\n  },\n  "training": ${JSON.stringify(file.training)}\n}\n`
  writeFileSync(path, text)
}

function isMatrix(value: unknown, rows: number, columns: number): value is number[][] {
  return Array.isArray(value) && value.length === rows && value.every((row) => Array.isArray(row) && row.length === columns && row.every(Number.isFinite))
}

function isLayer(value: unknown, units: number, inputs: number): value is DenseLayer {
  const layer = value as Partial<DenseLayer> | null
  return typeof layer === 'object' && layer !== null && isMatrix(layer.weights, units, inputs) && isMatrix([layer.bias], 1, units)
}

/**
 * Reads and checks the file; throws a message naming the file when it is not a network of the
 * expected shape (64 inputs, any hidden size, 10 outputs).
 */
export function readWeightsFile(path: string): WeightsFile {
  const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<WeightsFile>
  const hiddenUnits = file.network?.hidden?.bias?.length ?? 0
  if (file.format !== WEIGHTS_FORMAT || hiddenUnits === 0 || !isLayer(file.network?.hidden, hiddenUnits, INPUT_SIZE) || !isLayer(file.network?.output, CLASS_COUNT, hiddenUnits)) {
    throw new Error(`${path} is not a ${WEIGHTS_FORMAT} file with a ${INPUT_SIZE}-input, ${CLASS_COUNT}-output network`)
  }
  return file as WeightsFile
}
