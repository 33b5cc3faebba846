/**
 * Shadow traffic for a pipeline: during a shadow rollout of `latest`, the rollout's share of calls
 * is run again through the candidate's graph once the caller has the stable version's answer, with
 * the request as the stable run read it (files included), so a copy can never slow or fail the
 * caller. The two answers are compared at the rollout's JSON pointer, as the proxy compares a
 * model's mirrored copy (gateway/proxy/_mirror.ts), and the result goes to the traffic ledger the
 * rollout's checks read (two failures agree when they name the same code and step), and the copy
 * is counted in ferry_requests_total with role `shadow`; it is in no prediction history, no tracked
 * run and no step figures of the candidate (its steps' models count the calls they answer).
 * Copies beyond MAX_IN_FLIGHT at once, or of bodies over 1 MiB, are skipped, not queued.
 */
import { performance } from 'node:perf_hooks'
import { FerryError } from '../../packager/ferry-error.js'
import type { Metrics } from '../metrics.js'
import { answersAgree } from '../proxy/_mirror.js'
import { runGraph } from './graph-runner.js'
import type { PipelineSpec } from './pipeline-spec.js'
import type { StepCaller } from './step-caller.js'

const MAX_IN_FLIGHT = 16

const isError = (status: number) => status < 200 || status > 299

/** Two error answers agree when they name the same code and step: their messages name each version's own ref. */
function sameError(a: unknown, b: unknown): boolean {
  const of = (body: unknown) => {
    const error = (body as { error?: { code?: unknown; details?: { step?: unknown } } } | null)?.error
    return `${String(error?.code)} ${String(error?.details?.step)}`
  }
  return of(a) === of(b)
}

/** The candidate a call is copied to. */
export interface ShadowTarget { version: string; ref: string; spec: PipelineSpec; compare: string }

/** What the stable version answered: its status and JSON body (the output, or the error). */
export interface StableAnswer { status: number; body: unknown }

export interface PipelineShadowOptions {
  caller: StepCaller
  metrics: Pick<Metrics, 'recordRequest'>
  ledger: { recordShadow(ref: string, ok: boolean, durationMs: number, agreed: boolean | null): void }
  logError(message: string): void
}

export interface ShadowCopy {
  pipeline: string
  target: ShadowTarget
  request: Record<string, unknown>
  requestId: string
  authorization: string | undefined
  stable: StableAnswer
}

/**
 * @example
 * const shadows = createPipelineShadows({ caller, metrics, ledger: traffic, logError })
 * shadows.copy({ pipeline: 'docflow', target, request, requestId, authorization, stable: { status: 200, body: output } })
 */
export function createPipelineShadows(options: PipelineShadowOptions): { copy(copy: ShadowCopy): void } {
  let inFlight = 0

  async function run(copy: ShadowCopy): Promise<void> {
    const { pipeline, target } = copy
    const started = performance.now()
    let status: number
    let body: unknown
    try {
      const result = await runGraph({
        spec: target.spec, ref: target.ref, request: copy.request, requestId: copy.requestId, authorization: copy.authorization, caller: options.caller,
      })
      status = 200
      body = result.output ?? null
    } catch (error) {
      if (!(error instanceof FerryError)) options.logError(`pipeline ${target.ref} (shadow copy): ${(error as Error).stack ?? String(error)}`)
      status = error instanceof FerryError ? error.status : 500
      body = error instanceof FerryError ? error.toJSON() : null
    }
    const durationMs = performance.now() - started
    const agreed = status === copy.stable.status && (isError(status) ? sameError(copy.stable.body, body) : answersAgree(Buffer.from(JSON.stringify(copy.stable.body)), Buffer.from(JSON.stringify(body)), target.compare))
    options.ledger.recordShadow(target.ref, status > 0 && status < 500, durationMs, agreed)
    options.metrics.recordRequest({ model: pipeline, version: target.version, code: status, durationSeconds: durationMs / 1000, role: 'shadow' })
  }

  return {
    copy(copy) {
      if (inFlight >= MAX_IN_FLIGHT) return
      inFlight += 1
      void run(copy).catch((error: Error) => options.logError(`pipeline ${copy.target.ref} (shadow copy): ${error.message}`)).finally(() => { inFlight -= 1 })
    },
  }
}
