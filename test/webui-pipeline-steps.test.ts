/**
 * The console's pipeline section, its parts without a DOM (webui/src/pipeline/, run here from the
 * compiled modules): the tree drawn from a steps graph (a step reached twice, one no path reaches,
 * an id that names no step), the version a call step reaches in a routing table, and each step's
 * figures from a /metrics scrape, kept apart by version.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { ferryPath } from '../packager/repo-root.js'

interface StepNode { id: string; step: unknown; branch?: string; repeat?: true; children: StepNode[] }
type Steps = Record<string, { kind: string; model?: string; steps?: string[]; on?: string; cases?: Record<string, string>; default?: string }>
interface TreeModule { stepTree(start: string, steps: Steps): { root: StepNode; unreached: string[] } }
interface TargetModule { stepTarget(table: unknown, target: string): { ready: boolean; ref: string | null; reason?: string } }
interface FiguresModule { stepFigures(scrape: { at: number; samples: unknown[] }, pipeline: string, version: string): Map<string, { calls: number; failed: number; p95Ms: number | null }> }
interface MetricsModule { parsePrometheus(text: string): unknown[] }

const DIR = ferryPath('dist', 'webui', 'pipeline')
const skip = existsSync(DIR) ? undefined : 'the console is not built (npx tsc -p webui/tsconfig.json)'
const load = <T>(file: string) => import(pathToFileURL(ferryPath('dist', 'webui', file)).href) as Promise<T>

/** The tree as text: id, its branch and whether it is a repeat, children nested. */
const shape = (node: StepNode): unknown => [`${node.branch === undefined ? '' : `${node.branch}:`}${node.id}${node.repeat ? '*' : ''}${node.step ? '' : '?'}`, ...node.children.map(shape)]

test('the tree follows the graph from its start: cases then default, a step reached twice drawn once, the rest listed', { skip }, async () => {
  const { stepTree } = await load<TreeModule>('pipeline/step-tree.js')
  const steps: Steps = {
    start: { kind: 'switch', on: '/request/body/kind', cases: { a: 'left', b: 'both' }, default: 'left' },
    left: { kind: 'call', model: 'm' },
    both: { kind: 'ensemble', steps: ['left', 'gone'] },
    orphan: { kind: 'call', model: 'm' },
    other: { kind: 'sequence', steps: ['orphan'] },
  }
  const { root, unreached } = stepTree('start', steps)
  assert.deepEqual(shape(root), ['start', ['a:left'], ['b:both', ['left*'], ['gone?']], ['default:left*']])
  assert.deepEqual(unreached, ['orphan', 'other'])
  assert.deepEqual(shape(stepTree('__proto__', steps).root), ['__proto__?'], 'an id is looked up as its own key only')
})

test('a call step reaches what the routing table routes: name as latest, a version, an alias; ready by its endpoints', { skip }, async () => {
  const { stepTarget } = await load<TargetModule>('pipeline/step-target.js')
  const version = (ref: string, endpoints: number, gatewayPaths: string[] = []) => ({ ref, endpoints: Array.from({ length: endpoints }, (_, i) => ({ host: '127.0.0.1', port: 40000 + i })), gatewayPaths })
  const table = {
    dataPlane: 'node', revision: 3, builtAt: '', models: {
      ocr: { name: 'ocr', servedBy: 'instances', versions: { '1.0.0': version('ocr@1.0.0', 1), '2.0.0': version('ocr@2.0.0', 0) }, aliases: { latest: '1.0.0', next: '2.0.0' }, rollout: null, auth: { required: false, tokens: 0 } },
      flow: { name: 'flow', servedBy: 'gateway', versions: { '1.0.0': version('flow@1.0.0', 0, ['/run']) }, aliases: { latest: '1.0.0' }, rollout: null, auth: { required: false, tokens: 0 } },
    },
  }
  assert.deepEqual(stepTarget(table, 'ocr'), { ready: true, ref: 'ocr@1.0.0' })
  assert.deepEqual(stepTarget(table, 'ocr@2.0.0'), { ready: false, ref: 'ocr@2.0.0', reason: 'ocr@2.0.0 has no ready replica' })
  assert.deepEqual(stepTarget(table, 'ocr@next'), { ready: false, ref: 'ocr@2.0.0', reason: 'ocr@2.0.0 has no ready replica' })
  assert.deepEqual(stepTarget(table, 'ocr@stable'), { ready: false, ref: null, reason: 'ocr has no version or alias stable' })
  assert.deepEqual(stepTarget(table, 'flow'), { ready: true, ref: 'flow@1.0.0' }, 'a pipeline is ready by its paths')
  assert.deepEqual(stepTarget(table, 'markings'), { ready: false, ref: null, reason: 'markings is not deployed' })
  assert.equal(stepTarget(table, 'constructor').ready, false)
})

test('step figures: calls and failures (no answer, 4xx, 5xx) and p95 of one version, other versions and pipelines left out', { skip }, async () => {
  const { stepFigures } = await load<FiguresModule>('pipeline/step-figures.js')
  const { parsePrometheus } = await load<MetricsModule>('metrics.js')
  const samples = parsePrometheus([
    'ferry_pipeline_steps_total{pipeline="flow",version="1.0.0",step="ocr",model="ocr@latest",status="200"} 8',
    'ferry_pipeline_steps_total{pipeline="flow",version="1.0.0",step="ocr",model="ocr@latest",status="502"} 1',
    'ferry_pipeline_steps_total{pipeline="flow",version="1.0.0",step="ocr",model="ocr@latest",status="0"} 1',
    'ferry_pipeline_steps_total{pipeline="flow",version="1.0.0",step="classify",model="c",status="422"} 2',
    'ferry_pipeline_steps_total{pipeline="flow",version="2.0.0",step="ocr",model="ocr@latest",status="200"} 50',
    'ferry_pipeline_steps_total{pipeline="other",version="1.0.0",step="ocr",model="ocr",status="200"} 70',
    'ferry_pipeline_step_duration_seconds_bucket{pipeline="flow",version="1.0.0",step="ocr",le="0.1"} 5',
    'ferry_pipeline_step_duration_seconds_bucket{pipeline="flow",version="1.0.0",step="ocr",le="0.5"} 10',
    'ferry_pipeline_step_duration_seconds_bucket{pipeline="flow",version="1.0.0",step="ocr",le="+Inf"} 10',
    'ferry_pipeline_step_duration_seconds_bucket{pipeline="flow",version="2.0.0",step="ocr",le="0.1"} 50',
    'ferry_pipeline_step_duration_seconds_bucket{pipeline="flow",version="2.0.0",step="ocr",le="+Inf"} 50',
  ].join('\n'))
  const figures = stepFigures({ at: 0, samples }, 'flow', '1.0.0')
  assert.deepEqual([...figures.keys()].sort(), ['classify', 'ocr'])
  const ocr = figures.get('ocr')!
  assert.deepEqual([ocr.calls, ocr.failed], [10, 2])
  assert.ok(Math.abs(ocr.p95Ms! - 460) < 1e-6, `p95 ${ocr.p95Ms} ms: 0.1 s + 0.4 s × 4.5 / 5`)
  assert.deepEqual(figures.get('classify'), { calls: 2, failed: 2, p95Ms: null })
})
