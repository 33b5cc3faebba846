/**
 * How a pipeline calls one step's model: first a look in the routing table the Node data plane
 * reads (a model that is not deployed, or has no ready replica, fails the step at once with 503,
 * naming it), then the call itself through the gateway's own /models/ proxy over loopback, so a
 * step is routed, counted, recorded and authorised like any request (rollout weights, inference
 * tokens, metrics, the prediction history). The request id and the client's Authorization go along.
 */
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici'
import { readAnswerBody } from '../_answer-body.js'
import { createGatewayError } from '../errors.js'
import { lookupRoute, type RoutingTable } from '../routing/index.js'
import { FileValue } from './_template-eval.js'
import type { CallStep } from './pipeline-spec.js'

export interface StepAnswer { status: number; ref: string | null; output: unknown }

export interface StepCall {
  step: CallStep
  /** The body: a file is sent as its bytes with its content type; anything else as JSON; undefined: none. */
  body: unknown
  query: Record<string, unknown> | undefined
  requestId: string
  authorization: string | undefined
  pipeline: string
}

export interface StepCaller {
  call(call: StepCall): Promise<StepAnswer>
  /** Whether `model@selector` (a step's, or a pipeline version itself) has a ready version now, by the rule calls are routed by. */
  readiness(target: Pick<CallStep, 'model' | 'selector'>): { ready: boolean; reason: string | null; ref: string | null }
  close(): Promise<void>
}

function encodeBody(body: unknown): { bytes: Buffer | null; contentType: string | undefined } {
  if (body === undefined) return { bytes: null, contentType: undefined }
  if (body instanceof FileValue) return { bytes: body.bytes, contentType: body.contentType }
  if (typeof body === 'string') return { bytes: Buffer.from(body), contentType: 'text/plain; charset=utf-8' }
  return { bytes: Buffer.from(JSON.stringify(body)), contentType: 'application/json' }
}

function encodeQuery(query: Record<string, unknown> | undefined): string {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : typeof v === 'object' ? JSON.stringify(v) : String(v))
  const text = params.toString()
  return text ? `?${text}` : ''
}

function decodeAnswer(bytes: Buffer, contentType: string): unknown {
  if (/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    try { return JSON.parse(bytes.toString('utf8')) } catch { return bytes.toString('utf8') }
  }
  if (/^text\//i.test(contentType)) return bytes.toString('utf8')
  return new FileValue(bytes, contentType || 'application/octet-stream', null)
}

/**
 * @example
 * const caller = createStepCaller({ gatewayUrl: nodeUrl, table: () => routing.current(), timeoutMs: 60_000 })
 */
export function createStepCaller(options: { gatewayUrl: string; table: () => RoutingTable; timeoutMs: number }): StepCaller {
  // The gateway is ourselves on loopback: under TLS its certificate is our own (as for jobs).
  const https = options.gatewayUrl.startsWith('https:')
  const pool = new Pool(options.gatewayUrl, { connections: 64, keepAliveTimeout: 10_000, headersTimeout: 0, bodyTimeout: 0, ...(https ? { connect: { rejectUnauthorized: false } } : {}) })

  const readiness: StepCaller['readiness'] = (step) => {
    const found = lookupRoute(options.table(), step.model, step.selector)
    if (!found.ok) return { ready: false, reason: found.message, ref: null }
    const { model, version } = found
    const ready = model.servedBy === 'gateway' ? version.gatewayPaths.length > 0 : version.endpoints.length > 0
    return { ready, reason: ready ? null : `${version.ref} has no ready replica`, ref: version.ref }
  }

  return {
    readiness,
    async call({ step, body, query, requestId, authorization, pipeline }) {
      const ready = readiness(step)
      if (!ready.ready) {
        throw createGatewayError('E_PIPELINE_STEP_UNAVAILABLE', `step "${step.id}" of ${pipeline} cannot run: ${ready.reason}`, { details: { step: step.id, model: `${step.model}@${step.selector}`, reason: ready.reason } })
      }
      const { bytes, contentType } = encodeBody(body)
      const headers: Record<string, string> = { 'x-request-id': requestId, accept: 'application/json, */*' }
      if (contentType) headers['content-type'] = contentType
      if (bytes) headers['content-length'] = String(bytes.length)
      if (authorization) headers['authorization'] = authorization
      const timeoutMs = step.timeoutMs ?? options.timeoutMs + 1000
      const signal = AbortSignal.timeout(timeoutMs)
      const where = { step: step.id, model: `${step.model}@${step.selector}` }
      let answer: Dispatcher.ResponseData
      let answered: Buffer
      try {
        answer = await pool.request({ method: step.method as Dispatcher.HttpMethod, path: `/models/${encodeURIComponent(step.model)}@${encodeURIComponent(step.selector)}${step.path}${encodeQuery(query)}`, headers, body: bytes, signal })
        answered = await readAnswerBody(answer.body)
      } catch (error) {
        if (signal.aborted || error instanceof undiciErrors.RequestAbortedError) {
          throw createGatewayError('E_PIPELINE_STEP_TIMEOUT', `step "${step.id}" (${where.model}) did not answer within ${timeoutMs} ms`, { details: { ...where, timeoutMs } })
        }
        throw createGatewayError('E_PIPELINE_STEP_FAILED', `step "${step.id}" (${where.model}) failed: ${(error as Error).message}`, { details: { ...where, reason: (error as Error).message } })
      }
      const ref = [answer.headers['x-ferry-version']].flat()[0] ?? null
      const type = [answer.headers['content-type']].flat()[0] ?? ''
      const output = decodeAnswer(answered, type)
      const status = answer.statusCode
      if (status < 400) return { status, ref, output }
      const error = typeof output === 'object' && output !== null && !(output instanceof FileValue) ? (output as { error?: unknown }).error ?? output : String(output).slice(0, 500)
      const details = { ...where, version: ref, status, error }
      if (status === 504) throw createGatewayError('E_PIPELINE_STEP_TIMEOUT', `step "${step.id}" (${ref ?? where.model}) timed out (504)`, { details })
      if (status === 503) throw createGatewayError('E_PIPELINE_STEP_UNAVAILABLE', `step "${step.id}" (${ref ?? where.model}) is unavailable (503)`, { details })
      if (status >= 500) throw createGatewayError('E_PIPELINE_STEP_FAILED', `step "${step.id}" (${ref ?? where.model}) failed with ${status}`, { details })
      throw createGatewayError('E_PIPELINE_STEP_REJECTED', `step "${step.id}" (${ref ?? where.model}) refused its input with ${status}`, { details })
    },
    async close() {
      await pool.destroy()
    },
  }
}
