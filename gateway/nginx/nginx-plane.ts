/**
 * The nginx data plane (`ferry serve --data-plane nginx`): nginx listens on the gateway's address
 * and carries inference straight to the instances; the Node gateway listens on 127.0.0.1 behind
 * it and keeps the management API, console, docs, metrics and every case nginx hands over (see
 * render-config.ts). Each new routing table is rendered, checked and applied with a graceful
 * reload; nginx's JSON access log is read back into the same request sink (history, metrics,
 * access log) and traffic ledger (rollout checks) the Node plane feeds.
 *
 * Model tokens: nginx asks Node (`auth_request` → GET /_ferry/auth/<name>, answered on the
 * internal listener from the routing table's sha256 hashes), so no token, plaintext or hashed, is
 * in nginx's configuration; a sha256 in nginx would need a scripting module stock nginx lacks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'
import { join } from 'node:path'
import type { RoutingPublisher, RoutingTable } from '../routing/index.js'
import { checkInferenceToken } from '../routing/index.js'
import type { Metrics } from '../metrics.js'
import type { RequestSink } from '../proxy/request-sink.js'
import type { TrafficLedger } from '../proxy/traffic-ledger.js'
import { AccessLogReader, toProxyRecord, type NginxLogLine } from './access-log-reader.js'
import type { NginxBinary } from './nginx-binary.js'
import { NginxProcess } from './nginx-process.js'
import { renderNginxConfig } from './render-config.js'

export interface NginxPlaneOptions {
  nginx: NginxBinary
  dataDir: string
  listen: { host: string; port: number }
  nodePort: number
  upstreamTimeoutMs: number
  routing: RoutingPublisher
  requests: RequestSink
  /** Written at the end of each chunk of log read (see AccessLogReader's onBatch). */
  history: { flush(): void }
  metrics: Pick<Metrics, 'recordRequest'>
  traffic: TrafficLedger
  /** nginx worker processes (default 1: the same one-core budget as the Node plane's event loop). */
  workers?: number
}

export interface NginxPlane {
  url: string
  /** Answers nginx's internal calls (the token check); false for any other request. */
  handleInternal(req: IncomingMessage, res: ServerResponse): boolean
  /** Graceful reloads applied since start. */
  readonly reloads: number
  /** The table revision nginx answers with (checked on a new connection after each reload). */
  readonly appliedRevision: number
  /** Resolves once nginx serves the newest table (every change so far applied). */
  settled(): Promise<void>
  readonly process: NginxProcess
  close(): Promise<void>
}

const AUTH_PATH = '/_ferry/auth/'
/** After nginx answers the new revision, old workers may still hold the listening socket a moment. */
const OLD_WORKERS_MS = 150
/** How long answers close their connections before a reload (a busy connection takes an answer in far less). */
const DRAIN_BEFORE_RELOAD_MS = 150

/** Whether two rendered configurations differ only in the revision they name. */
function sameRoutes(a: string, b: string): boolean {
  const strip = (text: string) => text.replace(/^ {2}# Routing table revision .*$/m, '').replace(/return 200 "\d+"; \}$/m, '')
  return strip(a) === strip(b)
}

/** Waits until nginx answers `revision` on a new connection (a reload is applied by new workers). */
async function confirm(url: string, revision: number): Promise<void> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    try {
      const answer = await request(`${url}/_ferry/revision`, { reset: true })
      const text = await answer.body.text()
      if (Number(text) >= revision) return void (await sleep(OLD_WORKERS_MS))
    } catch {
      // nginx is between workers
    }
    await sleep(20)
  }
}

/** Starts nginx with the current table; resolves once it accepts connections. */
export async function startNginxPlane(options: NginxPlaneOptions): Promise<NginxPlane> {
  const prefix = join(options.dataDir, 'nginx')
  for (const dir of ['', 'client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, dir), { recursive: true, mode: 0o700 })
  const accessLog = join(prefix, 'access.jsonl')
  const render = (table: RoutingTable) => renderNginxConfig(table, { listen: options.listen, nodePort: options.nodePort, prefix, accessLog, upstreamTimeoutMs: options.upstreamTimeoutMs, workers: options.workers ?? 1 })
  const nginx = new NginxProcess({ binary: options.nginx.path, prefix, listen: options.listen })
  const reader = new AccessLogReader(accessLog, (line) => record(line), () => nginx.reopenLogs(), () => { options.requests.flush(); options.history.flush() })
  const record = (line: NginxLogLine): void => {
    const proxied = toProxyRecord(line)
    if (!proxied.version) return
    const ref = `${proxied.model}@${proxied.version}`
    if (proxied.role === 'shadow') {
      // Answers are not compared here: nginx does not keep bodies (agreement stays unknown).
      options.traffic.recordShadow(ref, proxied.status > 0 && proxied.status < 500, proxied.durationMs, null)
      options.metrics.recordRequest({ model: proxied.model, version: proxied.version, code: proxied.status, durationSeconds: proxied.durationMs / 1000, role: 'shadow' })
      return
    }
    options.traffic.begin(ref)
    options.traffic.end(ref, proxied.status < 500, proxied.durationMs, false)
    options.requests.record(proxied)
  }
  const host = options.listen.host.includes(':') ? `[${options.listen.host}]` : options.listen.host
  const url = `http://${host}:${options.listen.port}`
  let rendered = options.routing.current()
  let current = render(rendered)
  reader.start()
  await nginx.start(current)
  let reloads = 0
  let applied = rendered.revision
  let wanted = rendered.revision
  // Reloads one at a time: flag (answers close their connections), wait for busy connections to
  // take one answer each, reload, confirm nginx serves the new revision, drop the flag.
  const flag = join(prefix, 'reloading')
  let chain = Promise.resolve()
  const apply = async (): Promise<void> => {
    let table = options.routing.current()
    if (table.revision <= rendered.revision) return
    // A change that moves no route (a replica's restart count, an event) needs no reload.
    if (sameRoutes(render(table), current)) { rendered = table; applied = Math.max(applied, table.revision); return }
    writeFileSync(flag, '')
    try {
      await sleep(DRAIN_BEFORE_RELOAD_MS)
      table = options.routing.current() // the newest, rendered right before the reload
      const next = render(table)
      nginx.reload(next)
      current = next
      rendered = table
      reloads += 1
      await confirm(url, table.revision)
      applied = Math.max(applied, table.revision)
    } catch (error) {
      console.error(`nginx data plane: revision ${table.revision} not applied:`, (error as Error).message, JSON.stringify((error as { details?: unknown }).details ?? {}))
    } finally {
      rmSync(flag, { force: true })
    }
  }
  const unsubscribe = options.routing.subscribe((table) => {
    // Each change queues an apply; an apply renders the newest table, so a burst costs one reload.
    wanted = Math.max(wanted, table.revision)
    chain = chain.then(apply)
  })
  return {
    url,
    process: nginx,
    get reloads() { return reloads },
    get appliedRevision() { return applied },
    async settled() {
      await new Promise((resolve) => setImmediate(resolve)) // a change made just now is published on the next turn
      const deadline = Date.now() + 15_000
      while (applied < wanted && Date.now() < deadline) await sleep(25)
      await chain
    },
    handleInternal(req, res) {
      const url = req.url ?? ''
      if (!url.startsWith(AUTH_PATH)) return false
      const name = decodeURIComponent(url.slice(AUTH_PATH.length))
      const table = options.routing.current()
      const model = Object.hasOwn(table.models, name) ? table.models[name] : undefined
      const allowed = model !== undefined && checkInferenceToken(model, req.headers.authorization)
      res.writeHead(allowed ? 204 : 401, { 'content-length': 0 })
      res.end()
      return true
    },
    async close() {
      unsubscribe()
      await chain
      await nginx.stop()
      reader.stop()
    },
  }
}
