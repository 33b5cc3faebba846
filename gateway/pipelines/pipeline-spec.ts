/**
 * A pipeline's graph as the gateway runs it, read once per package from its descriptor (which the
 * packager has already checked: ids resolve, no cycle, each pointer names a step run before).
 */
import type { Descriptor, PipelineStep, PipelineTracking } from '../../descriptors/descriptor.js'

export interface CallStep { kind: 'call'; id: string; description: string | undefined; model: string; selector: string; method: string; path: string; input: unknown; query: Record<string, unknown> | undefined; timeoutMs: number | undefined }
export interface SequenceStep { kind: 'sequence' | 'ensemble'; id: string; description: string | undefined; steps: string[] }
export interface SwitchStep { kind: 'switch'; id: string; description: string | undefined; on: string; cases: Record<string, string>; default: string | undefined }
export type Step = CallStep | SequenceStep | SwitchStep

export interface PipelineSpec {
  name: string
  start: string
  steps: ReadonlyMap<string, Step>
  /** The answer's template; undefined: the start step's output. */
  output: unknown
  track: PipelineTracking | undefined
  /** `METHOD /path` of every endpoint the pipeline answers. */
  endpoints: ReadonlySet<string>
  health: string
}

function readStep(id: string, step: PipelineStep): Step {
  if (step.kind === 'call') {
    const ref = step.model!
    const at = ref.indexOf('@')
    const endpoint = step.endpoint!
    const space = endpoint.indexOf(' ')
    return {
      kind: 'call', id, description: step.description, model: at === -1 ? ref : ref.slice(0, at), selector: at === -1 ? 'latest' : ref.slice(at + 1),
      method: endpoint.slice(0, space), path: endpoint.slice(space + 1), input: step.input, query: step.query,
      timeoutMs: step.timeoutSeconds === undefined ? undefined : step.timeoutSeconds * 1000,
    }
  }
  if (step.kind === 'switch') return { kind: 'switch', id, description: step.description, on: step.on!, cases: step.cases ?? {}, default: step.default }
  return { kind: step.kind, id, description: step.description, steps: step.steps ?? [] }
}

/** The graph of a pipeline descriptor, e.g. `readPipelineSpec(pkg.descriptor).start`. */
export function readPipelineSpec(descriptor: Descriptor): PipelineSpec {
  const runtime = descriptor.runtime
  return {
    name: descriptor.name,
    start: runtime.start!,
    steps: new Map(Object.entries(runtime.steps ?? {}).map(([id, step]) => [id, readStep(id, step)])),
    output: runtime.output,
    track: runtime.track,
    endpoints: new Set((descriptor.api.endpoints ?? []).map((e) => `${e.method} ${e.path}`)),
    health: descriptor.api.health,
  }
}
