/**
 * `ferry serve` in one process: the deployer (supervising every instance), the Hono app and the
 * model proxy (/models/*, ahead of Hono for speed) on one node:http server. Closing stops taking connections, lets in-flight requests
 * finish, then stops the instances (their desired state is kept, so the next start brings them
 * back) and flushes state.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import { getRequestListener } from '@hono/node-server'
import { Agent } from 'undici'
import { Deployer, secureDataDir, type DeployerOptions } from '../deployer/index.js'
import { loadAdminToken } from './admin-token.js'
import { createGatewayError } from './errors.js'
import { createGatewayApp } from './app.js'
import { loadTlsPair, openAuth, type TlsPair } from './auth/index.js'
import { createModelProxy } from './proxy/model-proxy.js'
import { createRequestSink } from './proxy/request-sink.js'
import { createTableResolver } from './proxy/table-resolver.js'
import { RoutingPublisher } from './routing/index.js'
import { findNginx } from './nginx/nginx-binary.js'
import { startNginxPlane, type NginxPlane } from './nginx/nginx-plane.js'
import { getFreePort } from '../deployer/port-pool.js'
import { TrafficLedger } from './proxy/traffic-ledger.js'
import { createObservability } from './observability.js'
import { createProtocols } from './protocols/index.js'
import { readFerryVersion } from '../packager/repo-root.js'
import { resolveGatewayOptions, type GatewayOptions, type ResolvedGatewayOptions } from './options.js'
import { RequestHistory } from './request-history.js'
import { CaptureStore } from './capture/capture-store.js'
import { redactUrl } from './_redact.js'
import { RunStore } from './run-store.js'
import { openTrackingDatabase } from './tracking-db.js'
import { loadTrackingTokens } from './tracking-token.js'
import { openTrustedKeys } from './trust/trusted-keys.js'
import { openJobs, type JobOptions } from './jobs/index.js'
import { openTimeseries } from './timeseries/index.js'
import { createPipelineHandler, createStepCaller } from './pipelines/index.js'
import type { Descriptor } from '../descriptors/descriptor.js'
import type { SigningPolicy } from './trust/upload-signature.js'

export interface RunningGateway {
  url: string
  port: number
  token: string
  /** Where the token is kept ("FERRY_TOKEN" when it came from the environment). */
  tokenSource: string
  dataDir: string
  deployer: Deployer
  /** Every route of the management API (method and pattern), e.g. for a test of each role against each. */
  apiRoutes: Array<{ method: string; path: string }>
  /** The trusted keys and whether uploads must be signed. */
  signing: SigningPolicy
  /** The routing table the data plane reads (published on every change). */
  routing: RoutingPublisher
  /** `node`, or `nginx` (then `url` is nginx's and `nodeUrl` the gateway's own listener behind it). */
  dataPlane: 'node' | 'nginx'
  nodeUrl: string
  /** The nginx plane when it serves (its process, reload count). */
  nginx: NginxPlane | undefined
  /** Resolves once the data plane serves the newest routing table (at once for the Node plane, after nginx's reload for nginx). */
  routingSettled(): Promise<void>
  close(): Promise<void>
}

/** How long in-flight requests may take to finish when the server closes. */
const DRAIN_MS = 10_000
/** While draining, how often connections that went idle are closed. */
const IDLE_SWEEP_MS = 100

/**
 * Starts the gateway and the deployer.
 * @example
 * const gateway = await startGateway({ port: 0, dataDir: '/tmp/ferry' })
 * await fetch(`${gateway.url}/health`)
 */
export async function startGateway(options: GatewayOptions & { deployer?: DeployerOptions; jobs?: JobOptions } = {}): Promise<RunningGateway> {
  const resolved = resolveGatewayOptions(options)
  // A bad TLS pair is refused before anything listens or starts.
  const tls = resolved.tls ? await loadTlsPair(resolved.tls.cert, resolved.tls.key) : undefined
  // The nginx data plane is refused before anything starts when nginx cannot carry it.
  const nginx = resolved.dataPlane === 'nginx' ? findNginx('nginx', options.env ?? process.env) : undefined
  if (nginx && tls) throw createGatewayError('E_NGINX_UNSUPPORTED', 'the nginx data plane serves plain HTTP: TLS options are not supported with it', { details: { dataPlane: 'nginx' } })
  // With nginx in front, Node listens on loopback, on a port of its own, behind it.
  const listenAt = nginx ? { port: 0, host: '127.0.0.1' } : { port: resolved.port, host: resolved.host }
  // Listen first: instances are told the gateway's URL (for tracking) when they start, and with
  // --port 0 it is known only now. Until everything is open, requests get 503.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = answerStarting
  let handleUpgrade = (_req: IncomingMessage, socket: Duplex, _head: Buffer) => { socket.destroy() }
  const server: Server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => handle(req, res))
    : createServer((req, res) => handle(req, res))
  server.on('upgrade', (req, socket, head) => handleUpgrade(req, socket, head))
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(listenAt.port, listenAt.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host = listenAt.host.includes(':') ? `[${listenAt.host}]` : listenAt.host
  const nodeUrl = `${tls ? 'https' : 'http'}://${host}:${port}`

  let opened: Awaited<ReturnType<typeof openParts>>
  try {
    opened = await openParts(resolved, options, nodeUrl, tls)
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    throw error
  }
  const { deployer, token, source, observability, tracking, auth, proxy, listener, protocols, apiRoutes, signing, routing, unsubscribe, traffic, jobs, pipelines, closing: shuttingDown } = opened
  let plane: NginxPlane | undefined
  if (nginx) {
    try {
      const nginxPort = resolved.port === 0 ? await getFreePort(resolved.host) : resolved.port
      // nginx's own JSON log (<data>/nginx/access.jsonl) is the access log of what it carries: its lines go to the history and metrics only.
      const carried = createRequestSink({ metrics: observability.metrics, history: tracking.requests })
      plane = await startNginxPlane({ nginx, dataDir: resolved.dataDir, listen: { host: resolved.host, port: nginxPort }, nodePort: port, upstreamTimeoutMs: resolved.upstreamTimeoutMs, routing, requests: carried, history: tracking.requests, metrics: observability.metrics, traffic })
    } catch (error) {
      await closeParts(opened)
      await new Promise<void>((resolve) => server.close(() => resolve()))
      throw error
    }
  }
  const url = plane?.url ?? nodeUrl
  const internal = plane
  // A Gradio app's /models/<name>/api/<api_name> is the gateway's (it calls the app with @gradio/client).
  const dispatch: (req: IncomingMessage, res: ServerResponse) => void = internal
    ? (req, res) => { if (!internal.handleInternal(req, res) && !pipelines.handle(req, res) && (protocols.claims(req.url ?? '/') || !proxy.handle(req, res))) void listener(req, res) }
    : (req, res) => { if (!pipelines.handle(req, res) && (protocols.claims(req.url ?? '/') || !proxy.handle(req, res))) void listener(req, res) }
  // A request that makes a handler throw is that request's 500, never the whole server's end.
  handle = (req, res) => {
    try {
      dispatch(req, res)
    } catch (error) {
      process.stderr.write(`ferry: request ${req.method} ${redactUrl(req.url ?? '/')}: ${(error as Error).stack ?? String(error)}\n`)
      if (res.headersSent) res.destroy()
      else res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(createGatewayError('E_INTERNAL', 'internal error').toJSON()))
    }
  }
  handleUpgrade = (req, socket, head) => { if (!proxy.handleUpgrade(req, socket, head)) socket.destroy() }
  // Jobs call models through /models/ on this very server: resumed only now that it answers them.
  jobs.start(url, resolved.upstreamTimeoutMs)

  let closing: Promise<void> | undefined
  return {
    routingSettled: () => plane?.settled() ?? Promise.resolve(),
    url, port: plane ? Number(new URL(url).port) : port, nodeUrl, dataPlane: resolved.dataPlane, nginx: plane, token, tokenSource: source, dataDir: resolved.dataDir, deployer, apiRoutes, signing, routing,
    close() {
      closing ??= (async () => {
        // nginx first: it stops taking connections and finishes those it has (its last lines are read back).
        await plane?.close()
        const drained = new Promise<void>((resolve) => server.close(() => resolve()))
        // The console's event streams end now: they are not requests in flight, and would hold the drain.
        shuttingDown.abort()
        // A keep-alive connection is closed as soon as its answer is done, not when the client's idle timer ends.
        server.closeIdleConnections()
        const idle = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS)
        // Upgraded connections (WebSocket tunnels) are not closed by closeAllConnections: the proxy closes them.
        const timer = setTimeout(() => { server.closeAllConnections(); proxy.close() }, DRAIN_MS)
        // The jobs' calls in flight are aborted and not kept: the next start sends those inputs again.
        await jobs.stop()
        await drained
        clearTimeout(timer)
        clearInterval(idle)
        await closeParts(opened)
      })()
      return closing
    },
  }
}

/** Closes what openParts opened, in order: the proxy and its records, then the deployer and the databases. */
async function closeParts(parts: Awaited<ReturnType<typeof openParts>>): Promise<void> {
  parts.proxy.close()
  await parts.stepCaller.close()
  await parts.toSelf?.close()
  parts.requests.flush()
  // After the flush, so the last requests are in the last sample; before the deployer, whose state the sample reads.
  parts.timeseries.close()
  for (const stop of parts.unsubscribe) stop()
  await parts.protocols.close()
  await parts.deployer.close()
  parts.observability.close()
  parts.jobs.close()
  parts.tracking.requests.close()
  parts.tracking.db.close()
  parts.tracking.historyDb.close()
  parts.capture.close()
  parts.auth.db.close()
}

function answerStarting(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
  res.end(JSON.stringify(createGatewayError('E_STARTING', 'the server is starting').toJSON()))
}

/** The deployer, the tracking database, the Hono app and the model proxy, for the gateway at `url`. */
async function openParts(resolved: ResolvedGatewayOptions, options: GatewayOptions & { deployer?: DeployerOptions; jobs?: JobOptions }, url: string, tls: TlsPair | undefined) {
  // What can fail on a bad data directory is opened before the deployer, whose recovery starts
  // the instances: a start that fails leaves nothing running.
  for (const line of await secureDataDir(resolved.dataDir)) process.stderr.write(`ferry: ${line}\n`)
  const tokens = await loadTrackingTokens(resolved.dataDir)
  const { token, source } = await loadAdminToken(resolved.dataDir, resolved.token)
  const auth = openAuth(resolved.dataDir, { sessionTtlMs: resolved.sessionTtlMs })
  const logError = (message: string) => process.stderr.write(`ferry: ${message}\n`)
  // Each part opened is closed again, newest first, when a later one fails to open.
  const undo: Array<() => unknown> = [() => auth.db.close()]
  const open = async <T>(make: () => T | Promise<T>, close: (part: T) => unknown): Promise<T> => {
    try {
      const part = await make()
      undo.unshift(() => close(part))
      return part
    } catch (error) {
      for (const step of undo) await step()
      throw error
    }
  }
  const db = await open(() => openTrackingDatabase(resolved.dataDir), (d) => d.close())
  const historyDb = await open(() => openTrackingDatabase(resolved.dataDir, 'history'), (d) => d.close())
  const trackingUrl = `${url}/api/runs`
  const deployer = await open(() => Deployer.open({
    ...options.deployer,
    dataDir: resolved.dataDir,
    ...(options.env ? { env: options.env } : {}),
    ...(options.sandbox !== undefined ? { sandbox: options.sandbox } : {}),
    // Under TLS, Node models trust the server's certificate for their tracking calls.
    instanceEnv: ({ name, version }) => ({ FERRY_TRACKING_URL: trackingUrl, FERRY_TRACKING_TOKEN: tokens.issue({ model: name, version }), ...(resolved.tls ? { NODE_EXTRA_CA_CERTS: resolved.tls.cert } : {}) }),
  }), (d) => d.close())
  const jobs = await open(() => openJobs({
    dataDir: resolved.dataDir, deployer, ...(options.jobs ? { options: options.jobs } : {}), ...(options.env ? { env: options.env } : {}),
    guarded: (name) => deployer.inferenceTokenHash(name) !== undefined || auth.tokens.guardsModel(name),
    logError,
  }), (j) => j.close())
  const timeseries = await open(() => openTimeseries({ dataDir: resolved.dataDir, sampleMs: resolved.timeseriesSampleMs, logError }), (t) => t.close())
  const tracking = { db, historyDb, tokens, runs: new RunStore(db, join(resolved.dataDir, 'runs')), requests: new RequestHistory(historyDb, { retain: resolved.requestHistory }) }
  const capture = new CaptureStore(resolved.dataDir)
  const observability = createObservability(deployer, readFerryVersion())
  const protocols = createProtocols({ deployer, gatewayUrl: url, upstreamTimeoutMs: resolved.upstreamTimeoutMs, serverVersion: readFerryVersion() })
  const signing: SigningPolicy = { requireSigned: resolved.requireSigned, keys: openTrustedKeys(resolved.dataDir) }
  // The routing table: rebuilt on every change the control plane makes, read by the data plane on each request.
  const routing = new RoutingPublisher({ deployer, inferenceTokenHashes: (model) => auth.tokens.inferenceTokenHashes(model) })
  const timeseriesRoutes = timeseries.start({ metrics: observability.metrics, routing: () => routing.current(), deployer })
  const closing = new AbortController()
  const app = createGatewayApp({ closing: closing.signal, timeseries: { routes: timeseriesRoutes }, deployer, token, maxUploadBytes: resolved.maxUploadBytes, observability, tracking, protocols, auth, secure: tls !== undefined, signing, routing: { current: () => routing.current(), dataPlane: resolved.dataPlane }, jobs, capture,
    // The pipeline handler is made below, after the app: asked only once requests come.
    pipelines: { steps: (name, version) => pipelines.report(name, version) } })
  const listener = getRequestListener(app.fetch)
  // Inference bypasses Hono: /models/* is proxied at the socket level, streaming both ways.
  const traffic = new TrafficLedger({ metricMean: (model, version, metric, fromMs, toMs) => tracking.runs.metricMean(model, version, metric, fromMs, toMs) })
  deployer.attachTraffic(traffic)
  const unsubscribe = [deployer.onRoutingChange(() => routing.invalidate()), auth.tokens.onChange(() => routing.invalidate())]
  const requests = createRequestSink({
    metrics: observability.metrics,
    history: tracking.requests,
    accessLog: (lines, time) => deployer.logs.appendMany('gateway', { stream: 'access', lines, time }),
  })
  const proxy = createModelProxy({
    upstreamTimeoutMs: resolved.upstreamTimeoutMs,
    traffic,
    onMirror(record) {
      if (record.version) observability.metrics.recordRequest({ model: record.model, version: record.version, code: record.status, durationSeconds: record.durationMs / 1000, role: 'shadow' })
    },
    resolve: createTableResolver(() => routing.current()),
    onResponse: (record) => requests.record(record),
    captureLimit: (model) => capture.limitFor(model),
    onCapture: (record, bodies) => capture.save({
      // Redacted as the request sink redacts the history's and access log's path: secret query parameters are never kept.
      requestId: record.requestId, time: new Date().toISOString(), model: record.model, version: record.version, method: record.method, path: record.path.includes('?') ? redactUrl(record.path) : record.path, status: bodies.status,
      request: { contentType: bodies.request.contentType, body: bodies.request.sample.body(), bytes: bodies.request.sample.bytes },
      response: { contentType: bodies.response.contentType, body: bodies.response.sample.body(), bytes: bodies.response.sample.bytes },
    }),
  })
  // Pipelines run in the gateway: each step through this server's own /models/ proxy. A deploy's
  // acceptance examples for a pipeline come here too, to the version they check, with a key only
  // this process knows (so they pass its token and stay out of the records, as a model's do).
  const stepCaller = createStepCaller({ gatewayUrl: url, table: () => routing.current(), timeoutMs: resolved.upstreamTimeoutMs })
  const acceptanceKey = randomBytes(24).toString('hex')
  const toSelf = tls ? new Agent({ connect: { rejectUnauthorized: false } }) : undefined
  deployer.attachPipelineAcceptance((name, version) => ({ baseUrl: `${url}/models/${encodeURIComponent(name)}@${encodeURIComponent(version)}`, headers: { 'x-ferry-acceptance': acceptanceKey }, ...(toSelf ? { dispatcher: toSelf } : {}) }))
  const pipelines = createPipelineHandler({
    acceptanceKey,
    table: () => routing.current(), caller: stepCaller, metrics: observability.metrics, runs: tracking.runs, traffic,
    descriptorOf: (name, version) => { const record = deployer.state.getVersion(name, version); return record ? deployer.state.getPackage(record.digest)?.descriptor as Descriptor | undefined : undefined },
    onResponse: (record) => requests.record(record),
    logError,
  })
  const apiRoutes = app.routes.filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/')).map(({ method, path }) => ({ method, path }))
  return { deployer, token, source, observability, tracking, auth, proxy, listener, protocols, apiRoutes, signing, routing, requests, unsubscribe, traffic, jobs, timeseries, pipelines, stepCaller, toSelf, capture, closing }
}

