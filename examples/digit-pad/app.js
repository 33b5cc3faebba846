// The digit pad: the handwritten-digit test page the platform grew from, as a Gradio app. Draw a
// digit on the pad; the page reduces the drawing to the 8x8 ink counts the classifier reads
// (a 32x32 bitmap in 4x4 blocks, 0-16 each) and shows the predicted digit with every score. The
// same function is the app's API: /predict takes the 64 counts and answers a Label.
import { readFileSync } from 'node:fs'
import { serveGradioApp } from './gradio-server.js'
import { loadClassifier } from './mlp.js'

const here = (path) => new URL(path, import.meta.url)
const classify = loadClassifier(here('model/weights.json'))

function predict([pixels]) {
  if (!Array.isArray(pixels) || pixels.length !== 64 || !pixels.every((p) => typeof p === 'number' && p >= 0 && p <= 16)) {
    throw new Error('pixels must be 64 numbers from 0 to 16 (an 8x8 image, row by row)')
  }
  const scores = classify(pixels)
  const confidences = scores.map((confidence, digit) => ({ label: String(digit), confidence: Number(confidence.toFixed(6)) })).sort((a, b) => b.confidence - a.confidence)
  return [{ label: confidences[0].label, confidences }]
}

const pixelsType = { type: 'array', minItems: 64, maxItems: 64, items: { type: 'number', minimum: 0, maximum: 16 }, description: '8x8 ink counts, row by row' }
const config = {
  version: '5.0.0',
  mode: 'blocks',
  title: 'Digit pad',
  protocol: 'sse_v3',
  api_prefix: '/gradio_api',
  enable_queue: true,
  components: [
    { id: 1, type: 'json', props: { label: 'pixels', name: 'json' } },
    { id: 2, type: 'label', props: { label: 'digit', name: 'label', num_top_classes: 3 } },
    { id: 3, type: 'button', props: { value: 'Predict', name: 'button' } },
  ],
  dependencies: [{ id: 0, api_name: 'predict', inputs: [1], outputs: [2], targets: [[3, 'click']], queue: true, backend_fn: true, js: null, types: { generator: false, cancel: false } }],
}
const info = {
  named_endpoints: {
    '/predict': {
      parameters: [{ label: 'pixels', parameter_name: 'pixels', parameter_has_default: false, parameter_default: null, type: pixelsType, python_type: { type: 'List[float]', description: '8x8 ink counts, row by row' }, component: 'JSON' }],
      returns: [{ label: 'digit', type: { type: 'object', properties: { label: { type: 'string' }, confidences: { type: 'array' } } }, python_type: { type: 'Dict(label: str, confidences: List[Dict(label: str, confidence: float)])', description: '' }, component: 'Label' }],
    },
  },
  unnamed_endpoints: {},
}

serveGradioApp({ config, info, functions: { 0: predict }, page: readFileSync(here('pad.html'), 'utf8') })
process.on('SIGTERM', () => process.exit(0))
