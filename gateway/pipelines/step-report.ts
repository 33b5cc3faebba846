/**
 * A pipeline version's steps as an operator reads them (GET /api/instances/:ref/steps, `ferry
 * steps`, the console's Pipeline section): the graph from its start, each node's children in the
 * order they run (a sequence's), side by side (an ensemble's) or by the value that picks them (a
 * switch's cases, then its default); each call step with the version the routing table reaches now
 * and whether it can be called (the step caller's own rule, so a step shown unavailable is one a
 * call answers 503 for), and its calls, failures and p95 since the server started. The graph has no
 * cycle (the packager refuses one), but a step may be reached from two places: it is given in full
 * the first time and as a reference after. Steps no path reaches are listed apart.
 */
import type { PipelineStepFigures } from '../metrics.js'
import type { CallStep, PipelineSpec, Step } from './pipeline-spec.js'

export interface StepTarget { ready: boolean; ref: string | null; reason: string | null }

export interface StepNode {
  id: string
  /** `unknown`: the id names no step (the packager refuses that; reported, not thrown). */
  kind: Step['kind'] | 'unknown'
  /** Why this child runs: a switch's case value, or `default`. */
  branch?: string
  /** Given in full earlier in the tree. */
  repeat?: true
  description?: string
  /** call: `name@selector` and `METHOD /path`. */
  model?: string
  endpoint?: string
  timeoutSeconds?: number
  target?: StepTarget
  figures?: PipelineStepFigures
  /** switch: the pointer whose value picks the case; `default` marks whether it has one. */
  on?: string
  hasDefault?: boolean
  children: StepNode[]
}

export interface StepReport {
  ref: string
  /** Whether the gateway answers calls to this version now (a stopped or failed one answers 503 whatever its steps). */
  served: StepTarget
  start: string
  /** Call steps in the whole graph, and how many of them cannot be called now. */
  callSteps: number
  unavailable: number
  tree: StepNode
  unreached: string[]
}

const NO_CALLS: PipelineStepFigures = { calls: 0, failed: 0, p95Ms: null }

function childrenOf(step: Step): Array<{ id: string; branch?: string }> {
  if (step.kind === 'switch') return [...Object.entries(step.cases).map(([value, id]) => ({ id, branch: value })), ...(step.default ? [{ id: step.default, branch: 'default' }] : [])]
  if (step.kind === 'call') return []
  return step.steps.map((id) => ({ id }))
}

/**
 * @example stepReport(spec, 'docflow@1.0.0', served, (s) => caller.readiness(s), metrics.pipelineStepFigures('docflow', '1.0.0')).tree.children.map((c) => c.id) // ['ocr', 'classify']
 */
export function stepReport(spec: PipelineSpec, ref: string, served: StepTarget, readiness: (step: CallStep) => StepTarget, figures: ReadonlyMap<string, PipelineStepFigures>): StepReport {
  const drawn = new Set<string>()
  const targets = new Map<string, StepTarget>()
  const targetOf = (step: CallStep) => {
    let found = targets.get(step.id)
    if (!found) targets.set(step.id, (found = readiness(step)))
    return found
  }
  const build = (id: string, branch: string | undefined): StepNode => {
    const step = spec.steps.get(id)
    const node: StepNode = { id, kind: step?.kind ?? 'unknown', ...(branch === undefined ? {} : { branch }), children: [] }
    if (drawn.has(id)) return { ...node, repeat: true }
    drawn.add(id)
    if (!step) return node
    if (step.description) node.description = step.description
    if (step.kind === 'call') {
      Object.assign(node, { model: `${step.model}@${step.selector}`, endpoint: `${step.method} ${step.path}`, target: targetOf(step), figures: figures.get(id) ?? NO_CALLS })
      if (step.timeoutMs !== undefined) node.timeoutSeconds = step.timeoutMs / 1000
    }
    if (step.kind === 'switch') Object.assign(node, { on: step.on, hasDefault: step.default !== undefined })
    node.children = childrenOf(step).map((c) => build(c.id, c.branch))
    return node
  }
  const tree = build(spec.start, undefined)
  const calls = [...spec.steps.values()].filter((s): s is CallStep => s.kind === 'call')
  return {
    ref, served, start: spec.start, tree,
    callSteps: calls.length,
    unavailable: calls.filter((s) => !targetOf(s).ready).length,
    unreached: [...spec.steps.keys()].filter((id) => !drawn.has(id)).sort(),
  }
}
