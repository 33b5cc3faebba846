/**
 * Runs a pipeline's graph for one call: call steps through the step caller, sequence in order,
 * switch by a value, ensemble in parallel. Every step's output is kept at /steps/<id>/output for
 * the steps after it; each call step is handed to onStep as a trace entry (model, version,
 * status, time) whether it answered or failed. A failure stops the run and names its step.
 */
import { FerryError } from '../../packager/ferry-error.js'
import { createGatewayError } from '../errors.js'
import { evaluateTemplate, MissingValueError } from './_template-eval.js'
import type { PipelineSpec, Step } from './pipeline-spec.js'
import type { StepCaller } from './step-caller.js'

export interface TraceEntry { step: string; model: string; version: string | null; status: number; durationMs: number; code?: string }

export interface RunContext {
  request: Record<string, unknown>
  steps: Record<string, { output: unknown }>
}

export interface GraphRun {
  spec: PipelineSpec
  /** `name@version` of the pipeline, for messages. */
  ref: string
  request: Record<string, unknown>
  requestId: string
  authorization: string | undefined
  caller: StepCaller
  /** Called after each call step, answered or failed. */
  onStep?(entry: TraceEntry): void
  /** Where the steps' outputs are kept (so a caller still has them when a later step fails). */
  context?: RunContext
}

export interface GraphResult { output: unknown; context: RunContext }

/** Evaluates a template for `step`; a pointer that finds nothing fails the call, naming the step. */
function evaluateFor(template: unknown, context: RunContext, step: string, ref: string): unknown {
  try {
    return evaluateTemplate(template, context)
  } catch (error) {
    if (!(error instanceof MissingValueError)) throw error
    if (error.pointer.startsWith('/request/')) {
      throw createGatewayError('E_PIPELINE_INPUT_MISSING', `${step === 'output' ? 'the answer' : `step "${step}"`} of ${ref} reads ${error.pointer}, which the request does not have`, { details: { step, pointer: error.pointer } })
    }
    const source = /^\/steps\/([^/]+)\//.exec(error.pointer)?.[1]
    throw createGatewayError('E_PIPELINE_VALUE_MISSING', `${step === 'output' ? 'the answer' : `step "${step}"`} of ${ref} reads ${error.pointer}, which is not there${source ? ` (step "${source}" answered without it)` : ''}`, { details: { step, pointer: error.pointer, ...(source ? { source } : {}) } })
  }
}

/**
 * @example
 * const trace: TraceEntry[] = []
 * const { output } = await runGraph({ spec, ref: 'docflow@1.0.0', request, requestId, authorization, caller, onStep: (entry) => trace.push(entry) })
 */
export async function runGraph(run: GraphRun): Promise<GraphResult> {
  const context: RunContext = run.context ?? { request: run.request, steps: {} }

  const runStep = async (id: string): Promise<unknown> => {
    const step = run.spec.steps.get(id) as Step
    let output: unknown
    switch (step.kind) {
      case 'call': {
        const body = step.input === undefined ? undefined : evaluateFor(step.input, context, id, run.ref)
        const query = step.query === undefined ? undefined : (evaluateFor(step.query, context, id, run.ref) as Record<string, unknown>)
        const started = performance.now()
        const entry: TraceEntry = { step: id, model: `${step.model}@${step.selector}`, version: null, status: 0, durationMs: 0 }
        try {
          const answer = await run.caller.call({ step, body, query, requestId: run.requestId, authorization: run.authorization, pipeline: run.ref })
          Object.assign(entry, { version: answer.ref, status: answer.status })
          output = answer.output
        } catch (error) {
          const details = error instanceof FerryError ? error.details : undefined
          Object.assign(entry, { version: (details?.['version'] as string | undefined) ?? null, status: (details?.['status'] as number | undefined) ?? (error instanceof FerryError ? error.status : 500), code: error instanceof FerryError ? error.code : 'E_INTERNAL' })
          throw error
        } finally {
          entry.durationMs = Math.round((performance.now() - started) * 10) / 10
          run.onStep?.(entry)
        }
        break
      }
      case 'sequence': {
        for (const child of step.steps) output = await runStep(child)
        break
      }
      case 'ensemble': {
        const outputs = await Promise.all(step.steps.map(async (child) => [child, await runStep(child)] as const))
        output = Object.fromEntries(outputs)
        break
      }
      case 'switch': {
        const value = evaluateFor({ from: step.on }, context, id, run.ref)
        const key = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value)
        const next = Object.hasOwn(step.cases, key) ? step.cases[key] : step.default
        if (next === undefined) {
          throw createGatewayError('E_PIPELINE_NO_CASE', `step "${id}" of ${run.ref}: ${step.on} is ${JSON.stringify(value)}, which no case names, and there is no default`, { details: { step: id, value, cases: Object.keys(step.cases) } })
        }
        output = await runStep(next)
        break
      }
    }
    context.steps[id] = { output }
    return output
  }

  const last = await runStep(run.spec.start)
  const output = run.spec.output === undefined ? last : evaluateFor(run.spec.output, context, 'output', run.ref)
  return { output, context }
}
