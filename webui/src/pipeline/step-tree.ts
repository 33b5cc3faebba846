/**
 * A pipeline's steps as the tree the console draws: from the start step down, each node's
 * children in the order they run (a sequence's), side by side (an ensemble's) or by the value
 * that picks them (a switch's cases, then its default). The graph has no cycle (the packager
 * refuses one), but a step may be reached from two places: it is drawn in full the first time and
 * as a reference after that. A step no path reaches is listed at the end, so nothing is hidden.
 */
import type { PipelineStep } from '../types.js'

export interface StepNode {
  id: string
  /** undefined: the id names no step (the packager refuses that; shown, not thrown). */
  step: PipelineStep | undefined
  /** Why this child runs: a switch's case value, "default", or nothing. */
  branch?: string
  /** Drawn in full elsewhere. */
  repeat?: true
  children: StepNode[]
}

export interface StepTree { root: StepNode; unreached: string[] }

function childrenOf(step: PipelineStep): Array<{ id: string; branch?: string }> {
  if (step.kind === 'switch') {
    return [...Object.entries(step.cases ?? {}).map(([value, id]) => ({ id, branch: value })), ...(step.default ? [{ id: step.default, branch: 'default' }] : [])]
  }
  if (step.kind === 'sequence' || step.kind === 'ensemble') return (step.steps ?? []).map((id) => ({ id }))
  return []
}

/** @example stepTree('flow', steps).root.children.map((c) => c.id) // ['ocr', 'classify'] */
export function stepTree(start: string, steps: Record<string, PipelineStep>): StepTree {
  const drawn = new Set<string>()
  const build = (id: string, branch: string | undefined): StepNode => {
    const step = Object.hasOwn(steps, id) ? steps[id] : undefined
    const node: StepNode = { id, step, ...(branch === undefined ? {} : { branch }), children: [] }
    if (drawn.has(id)) return { ...node, repeat: true }
    drawn.add(id)
    if (step) node.children = childrenOf(step).map((c) => build(c.id, c.branch))
    return node
  }
  const root = build(start, undefined)
  return { root, unreached: Object.keys(steps).filter((id) => !drawn.has(id)).sort() }
}
