// The digits example's classifier, forward pass only: 64 ink counts (0-16) → 32 tanh units →
// 10-way softmax. model/weights.json is a copy of examples/digits/model/weights.json (its test
// checks that the two are the same file).
import { readFileSync } from 'node:fs'

const dense = (layer, input) => layer.weights.map((row, unit) => row.reduce((sum, w, i) => sum + w * input[i], layer.bias[unit]))

export function loadClassifier(path) {
  const { network } = JSON.parse(readFileSync(path, 'utf8'))
  return (pixels) => {
    const hidden = dense(network.hidden, pixels.map((p) => p / 16)).map(Math.tanh)
    const logits = dense(network.output, hidden)
    const top = Math.max(...logits)
    const exps = logits.map((z) => Math.exp(z - top))
    const total = exps.reduce((a, b) => a + b, 0)
    return exps.map((e) => e / total)
  }
}
