/**
 * The pack-time checks of a pipeline descriptor, in process (validateDescriptor): each fault of
 * the graph gives its code at its JSON path, and nothing else. The folders in
 * descriptors/examples/invalid/pipeline-* cover four more through `ferry validate`.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { validateDescriptor } from '../packager/validate-descriptor.js'

const contents = { files: new Set<string>(), readText: () => undefined }
const call = (model: string, input: unknown = { from: '/request/body' }) => ({ kind: 'call', model, endpoint: 'POST /predict', input })

function problemsOf(runtime: Record<string, unknown>, api: Record<string, unknown> = { health: '/health', endpoints: [{ method: 'POST', path: '/run' }] }) {
  const { errors, warnings } = validateDescriptor({ name: 'flow', version: '1.0.0', description: 'a pipeline', runtime: { type: 'pipeline', ...runtime }, api }, contents)
  return [...errors, ...warnings].map((p) => `${p.code} ${p.path}`).sort()
}

test('a well-formed graph of every kind has no problem', () => {
  assert.deepEqual(problemsOf({
    start: 'all',
    steps: {
      all: { kind: 'sequence', steps: ['a', 'pick', 'both'] },
      a: call('echo'),
      pick: { kind: 'switch', on: '/steps/a/output/label', cases: { x: 'b' }, default: 'c' },
      b: call('echo@1.0.0', { text: { from: '/steps/a/output/text' } }),
      c: call('echo@stable', { const: { text: 'fixed' } }),
      both: { kind: 'ensemble', steps: ['d', 'e'] },
      d: call('echo', { v: { from: '/steps/pick/output' } }),
      e: call('echo', { pages: { each: '/steps/a/output/pages', to: { t: { from: '/item/text' } } } }),
    },
    output: { a: { from: '/steps/a/output' }, n: { count: '/steps/both/output/d/items' } },
    track: { params: { label: { from: '/output/a/label' } }, text: { join: '/output/pages/*/text' } },
  }), [])
})

test('each fault of a graph is reported once, at its JSON path', () => {
  assert.deepEqual(problemsOf({
    start: 'all',
    steps: {
      all: { kind: 'sequence', steps: ['a', 'a', 'pick', 'both'] },
      a: call('echo'),
      pick: { kind: 'switch', on: '/steps/a/output/label', cases: { x: 'b' }, default: 'c' },
      b: call('flow'),
      c: call('Echo'),
      both: { kind: 'ensemble', steps: ['d', 'e'] },
      d: call('echo', { v: { from: '/steps/e/output' } }),
      e: call('echo', { w: { from: '/steps/b/output' }, x: { from: '/item/text' }, y: { from: '/request/cookies' } }),
      'bad id': call('echo'),
      spare: call('echo'),
    },
  }), [
    'E_PIPELINE_MODEL_REF_INVALID /runtime/steps/b/model',
    'E_PIPELINE_MODEL_REF_INVALID /runtime/steps/c/model',
    'E_PIPELINE_POINTER_UNRESOLVED /runtime/steps/d/input/v/from',
    'E_PIPELINE_POINTER_UNRESOLVED /runtime/steps/e/input/w/from',
    'E_PIPELINE_POINTER_UNRESOLVED /runtime/steps/e/input/x/from',
    'E_PIPELINE_POINTER_UNRESOLVED /runtime/steps/e/input/y/from',
    'E_PIPELINE_STEP_ID_INVALID /runtime/steps/bad id',
    'E_PIPELINE_STEP_REUSED /runtime/steps/all/steps/1',
    'W_PIPELINE_STEP_UNUSED /runtime/steps/bad id',
    'W_PIPELINE_STEP_UNUSED /runtime/steps/spare',
  ])
})

test('the schema asks each kind for its fields, a pipeline for start and steps, a process for its entry', () => {
  assert.deepEqual(problemsOf({ start: 'a', steps: { a: { kind: 'call', model: 'echo' }, b: { kind: 'switch', on: '/request/path' } } }), [
    'E_SCHEMA_REQUIRED /runtime/steps/a/endpoint',
    'E_SCHEMA_REQUIRED /runtime/steps/b/cases',
    'W_PIPELINE_STEP_UNUSED /runtime/steps/b',
  ])
  assert.deepEqual(problemsOf({}), ['E_SCHEMA_REQUIRED /runtime/start', 'E_SCHEMA_REQUIRED /runtime/steps'])
  assert.deepEqual(problemsOf({ start: 'a', steps: { a: call('echo') } }, { health: '/health', openapi: '/openapi.json' }), ['E_PIPELINE_ENDPOINTS_MISSING /api/endpoints'])
  const process = validateDescriptor({ name: 'm', version: '1.0.0', description: 'd', runtime: { type: 'node' }, api: { health: '/health', openapi: '/o' } }, contents)
  assert.deepEqual(process.errors.map((p) => `${p.code} ${p.path}`), ['E_SCHEMA_REQUIRED /runtime/entry'])
})
