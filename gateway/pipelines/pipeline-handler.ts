/**
 * The pipelines' data plane: a request under /models/<name>[@selector]/ whose model the routing
 * table says the gateway serves itself (`servedBy: 'gateway'`) is answered here, before the model
 * proxy. Its health path reports each step's model; an endpoint the pipeline lists runs the graph.
 * The answer carries X-Request-Id (sent to every step), X-Ferry-Version, X-Ferry-Run-Id when the
 * call is tracked, and with ?trace=1 a `trace` of every step. Each step is counted in the metrics;
 * the call itself goes to the prediction history like a proxied request. A deploy's acceptance
 * examples (X-Ferry-Acceptance carrying this process's acceptance key) run the graph of the version
 * they name past its token, and are not recorded: like a model's, they are no user's traffic.
 * During a shadow rollout of `latest`, its share of calls is copied to the candidate's graph once
 * answered (pipeline-shadow.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Descriptor } from '../../descriptors/descriptor.js'
import { FerryError } from '../../packager/ferry-error.js'
import { createGatewayError } from '../errors.js'
import type { Metrics } from '../metrics.js'
import type { ProxyRecord } from '../proxy/model-proxy.js'
import { parseModelPath } from '../proxy/_path.js'
import { MAX_MIRROR_BYTES } from '../proxy/_mirror.js'
import { pickRequestId } from '../proxy/_headers.js'
import { isPipeline } from '../../deployer/index.js'
import { checkInferenceToken, lookupRoute, type RoutingTable } from '../routing/index.js'
import type { RunStore } from '../run-store.js'
import { readPipelineRequest } from './_request-input.js'
import { runGraph, type RunContext, type TraceEntry } from './graph-runner.js'
import { readPipelineSpec, type CallStep, type PipelineSpec } from './pipeline-spec.js'
import type { StepCaller } from './step-caller.js'
import { recordPipelineRun } from './run-recorder.js'
import { createPipelineShadows, type PipelineShadowOptions, type ShadowTarget } from './pipeline-shadow.js'
import { stepReport, type StepReport } from './step-report.js'

export interface PipelineHandlerOptions {
  table(): RoutingTable
  /** The descriptor of a pipeline version (read once per version and table revision). */
  descriptorOf(name: string, version: string): Descriptor | undefined
  caller: StepCaller
  metrics: Pick<Metrics, 'recordPipelineStep' | 'recordRequest' | 'pipelineStepFigures'>
  runs: RunStore
  /** The rollout seam's traffic figures (a canary's checks, a drain's wait, a shadow's agreement), as the proxy feeds them. */
  traffic?: { begin(ref: string): void; end(ref: string, ok: boolean, durationMs: number, stream: boolean): void } & PipelineShadowOptions['ledger']
  /** The prediction history and request metrics (the proxy's request sink). */
  onResponse(record: ProxyRecord): void
  logError(message: string): void
  /** The secret a deploy's acceptance examples carry in X-Ferry-Acceptance (made per process; see attachPipelineAcceptance). */
  acceptanceKey?: string
}

export interface PipelineHandler {
  /** Answers the request and returns true when it is a pipeline's; false leaves it to the proxy. */
  handle(req: IncomingMessage, res: ServerResponse): boolean
  /** The steps of `name@version` with what each reaches now and has done (undefined: not a pipeline). */
  report(name: string, version: string): StepReport | undefined
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): number {
  const text = JSON.stringify(body)
  if (!res.headersSent) res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) })
  res.end(text)
  return Buffer.byteLength(text)
}

/** Every call step of the graph (for the health report). */
function callSteps(spec: PipelineSpec): CallStep[] {
  return [...spec.steps.values()].filter((s): s is CallStep => s.kind === 'call')
}

/**
 * @example
 * const pipelines = createPipelineHandler({ table: () => routing.current(), descriptorOf, caller, metrics, runs, onResponse, logError })
 * handle = (req, res) => { if (!pipelines.handle(req, res) && !proxy.handle(req, res)) listener(req, res) }
 */
export function createPipelineHandler(options: PipelineHandlerOptions): PipelineHandler {
  let revision = -1
  const specs = new Map<string, PipelineSpec | undefined>()
  const specOf = (table: RoutingTable, name: string, version: string): PipelineSpec | undefined => {
    if (table.revision !== revision) { revision = table.revision; specs.clear() }
    const key = `${name}@${version}`
    if (!specs.has(key)) {
      const descriptor = options.descriptorOf(name, version)
      specs.set(key, descriptor && isPipeline(descriptor) ? readPipelineSpec(descriptor) : undefined)
    }
    return specs.get(key)
  }

  // Digests of equal length whatever the header holds (Node reads it as latin1: any byte, any length).
  const digest = (text: string) => createHash('sha256').update(Buffer.from(text, 'latin1')).digest()
  const key = options.acceptanceKey ? digest(options.acceptanceKey) : undefined
  /** True for a deploy's acceptance example: its header is this process's key. */
  const isAcceptance = (header: string | string[] | undefined): boolean => key !== undefined && typeof header === 'string' && timingSafeEqual(digest(header), key)

  const shadows = options.traffic ? createPipelineShadows({ caller: options.caller, metrics: options.metrics, ledger: options.traffic, logError: options.logError }) : undefined

  /** `recorded`: false for acceptance examples (no history, metrics, traffic or tracked run); `shadow`: the candidate this call is copied to. */
  async function serve(req: IncomingMessage, res: ServerResponse, name: string, version: string, spec: PipelineSpec, path: string, search: string, recorded: boolean, shadow: ShadowTarget | undefined): Promise<void> {
    const started = performance.now()
    const requestId = pickRequestId(req.headers)
    const ref = `${name}@${version}`
    const headers: Record<string, string> = { 'x-request-id': requestId, 'x-ferry-version': ref }
    const wantsTrace = /^(1|true|yes)$/i.test(new URLSearchParams(search).get('trace') ?? '')
    const method = req.method ?? 'GET'
    let status = 500
    let bytesOut = 0
    const trace: TraceEntry[] = []
    if (recorded) options.traffic?.begin(ref)
    try {
      if (method === 'GET' && path === spec.health) {
        const steps = callSteps(spec).map((s) => ({ step: s.id, model: `${s.model}@${s.selector}`, ...options.caller.readiness(s) }))
        const ready = steps.every((s) => s.ready)
        status = ready ? 200 : 503
        bytesOut = send(res, status, { status: ready ? 'ok' : 'unavailable', pipeline: ref, steps }, headers)
        return
      }
      if (!spec.endpoints.has(`${method} ${path}`)) {
        throw createGatewayError('E_PIPELINE_ENDPOINT_NOT_FOUND', `${ref} has no endpoint ${method} ${path}; it answers ${[...spec.endpoints].join(', ')}`, { details: { endpoint: `${method} ${path}`, endpoints: [...spec.endpoints] } })
      }
      const { request, bytes: requestBytes } = await readPipelineRequest(req, path, search)
      const startedAt = new Date().toISOString()
      // The steps that answered before a failure are still recorded with the run.
      const context: RunContext = { request, steps: {} }
      let output: unknown
      let failure: FerryError | undefined
      try {
        const result = await runGraph({
          spec, ref, request, requestId, authorization: req.headers.authorization, caller: options.caller, context,
          onStep: (entry) => {
            trace.push(entry)
            // A step whose model could not be called took no time worth a latency figure: it is counted, not timed.
            if (recorded) options.metrics.recordPipelineStep({ pipeline: name, version, step: entry.step, model: entry.model, status: entry.status, durationSeconds: entry.code === 'E_PIPELINE_STEP_UNAVAILABLE' ? null : entry.durationMs / 1000 })
          },
        })
        output = result.output
      } catch (error) {
        if (!(error instanceof FerryError)) throw error
        failure = error
      }
      if (spec.track && recorded) {
        const runId = await recordPipelineRun(options.runs, {
          pipeline: name, version, requestId, track: spec.track, startedAt,
          context: { ...context, ...(failure ? {} : { output }) },
          ...(failure ? { failure: { code: failure.code, step: failure.details?.['step'] as string | undefined } } : {}),
        }).catch((error: Error) => { options.logError(`pipeline ${ref}: the run could not be recorded: ${error.message}`); undefined })
        if (runId !== undefined) headers['x-ferry-run-id'] = String(runId)
      }
      // The copy starts once this call is answered (send is synchronous), on the request as read
      // here; a body over MAX_MIRROR_BYTES is not copied (it would be held until the copy ends), as for a model.
      if (shadow && requestBytes <= MAX_MIRROR_BYTES) setImmediate(() => shadows?.copy({ pipeline: name, target: shadow, request, requestId, authorization: req.headers.authorization, stable: failure ? { status: failure.status, body: failure.toJSON() } : { status: 200, body: output ?? null } }))
      if (failure) throw failure
      const body = wantsTrace ? (typeof output === 'object' && output !== null && !Array.isArray(output) ? { ...output, trace } : { output, trace }) : output
      status = 200
      bytesOut = send(res, status, body ?? null, headers)
    } catch (error) {
      const known = error instanceof FerryError ? error : undefined
      if (!known) options.logError(`pipeline ${ref}: ${(error as Error).stack ?? String(error)}`)
      const answer = known ?? createGatewayError('E_INTERNAL', 'internal error')
      status = answer.status
      bytesOut = send(res, status, wantsTrace ? { ...answer.toJSON(), trace } : answer.toJSON(), headers)
    } finally {
      if (recorded) {
        options.traffic?.end(ref, status < 500, performance.now() - started, false)
        options.onResponse({ model: name, version, status, durationMs: performance.now() - started, requestBytes: Number(req.headers['content-length'] ?? 0), responseBytes: bytesOut, requestId, method, path: path + search, role: 'stable' })
      }
    }
  }

  // Most calls are not to a pipeline: the names served here are kept per table revision, so any
  // other request costs a set lookup (and not even its path's parse while no pipeline is deployed).
  let servedRevision = -1
  let served = new Set<string>()
  const servedHere = (table: RoutingTable): Set<string> => {
    if (table.revision !== servedRevision) {
      servedRevision = table.revision
      served = new Set(Object.values(table.models).filter((m) => m.servedBy === 'gateway').map((m) => m.name))
    }
    return served
  }

  return {
    report(name, version) {
      const table = options.table()
      const spec = specOf(table, name, version)
      if (!spec) return undefined
      const ref = `${name}@${version}`
      const served = options.caller.readiness({ model: name, selector: version }).ready ? { ready: true, ref, reason: null } : { ready: false, ref, reason: `${ref} is not ready (stopped, failed or starting): calls to it answer 503` }
      return stepReport(spec, ref, served, (step) => options.caller.readiness(step), options.metrics.pipelineStepFigures(name, version))
    },
    handle(req, res) {
      const table = options.table()
      const names = servedHere(table)
      if (names.size === 0) return false
      const parsed = parseModelPath(req.url ?? '/')
      if (!parsed?.ok || !names.has(parsed.value.name)) return false
      const { name, selector, upstreamPath } = parsed.value
      const found = lookupRoute(table, name, selector)
      if (!found.ok || found.model.servedBy !== 'gateway') return false
      const queryAt = upstreamPath.indexOf('?')
      const path = queryAt === -1 ? upstreamPath : upstreamPath.slice(0, queryAt)
      const search = queryAt === -1 ? '' : upstreamPath.slice(queryAt)
      const headers = { 'x-request-id': pickRequestId(req.headers), 'x-ferry-version': found.version.ref }
      const acceptance = isAcceptance(req.headers['x-ferry-acceptance'])
      if (!acceptance && !checkInferenceToken(found.model, req.headers.authorization)) {
        send(res, 401, createGatewayError('E_MODEL_TOKEN_REQUIRED', `inference on ${name} requires its token`, { details: { name } }).toJSON(), headers)
        return true
      }
      // During a canary of `latest`, the candidate takes its weight of the calls (not sticky: a pipeline keeps no session).
      const split = found.rollout?.split
      const candidate = split && !acceptance && Math.random() * 100 < split.weight ? found.model.versions[split.version] : undefined
      const version = candidate && candidate.gatewayPaths.length > 0 ? candidate : found.version
      const spec = version.gatewayPaths.length > 0 ? specOf(table, name, version.version) : undefined
      // During a shadow rollout of latest, its share of the calls the stable version answers is copied to the candidate.
      const mirror = acceptance || candidate ? undefined : found.rollout?.mirror
      const mirrored = mirror && mirror.version !== version.version && Math.random() * 100 < mirror.percent ? found.model.versions[mirror.version] : undefined
      const shadowSpec = mirrored && mirrored.gatewayPaths.length > 0 ? specOf(table, name, mirrored.version) : undefined
      const shadow = mirrored && shadowSpec ? { version: mirrored.version, ref: mirrored.ref, spec: shadowSpec, compare: mirror!.compare } : undefined
      if (!spec) {
        send(res, 503, createGatewayError('E_NO_READY_INSTANCE', `${version.ref} is not ready`, { details: { ref: version.ref } }).toJSON(), { ...headers, 'retry-after': '1' })
        return true
      }
      void serve(req, res, name, version.version, spec, path, search, !acceptance, shadow).catch((error: Error) => { options.logError(`pipeline ${version.ref}: ${error.message}`); res.destroy() })
      return true
    },
  }
}
