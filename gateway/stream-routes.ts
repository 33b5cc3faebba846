/**
 * The streaming part of the management API, as server-sent events: state changes
 * (`GET /api/events`, replayed from `Last-Event-ID` or `?after=` so a client that reconnects
 * misses nothing), a version's log (`GET /api/instances/:ref/logs?follow=1`), and every log merged
 * by time (`GET /api/logs`, filterable by model, version, stream and since).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Hono, type Context } from 'hono'
import { streamSSE, type SSEStreamingApi } from 'hono/streaming'
import type { Deployer, LogEntry, LogStream } from '../deployer/index.js'
import { parseRef } from '../deployer/index.js'
import { createGatewayError } from './errors.js'
import { queryFlag, queryInteger, queryList, queryString, queryTime } from './_query.js'

const HEARTBEAT_MS = 15_000
const STREAMS: readonly LogStream[] = ['stdout', 'stderr', 'setup', 'system', 'access']

/** Sends what `subscribe` delivers until the client goes, with a comment line as heartbeat. */
function relay<T>(c: Context, backlog: T[], subscribe: (send: (item: T) => void) => () => void, toMessage: (item: T) => { event: string; data: string; id?: string }): Response {
  return streamSSE(c, async (stream: SSEStreamingApi) => {
    let chain = Promise.resolve()
    const send = (item: T) => { chain = chain.then(() => stream.writeSSE(toMessage(item))).catch(() => undefined) }
    for (const item of backlog) send(item)
    const unsubscribe = subscribe(send)
    // The heartbeat's pause ends with the stream: a pending timer would keep a closing server alive for it.
    const ended = new AbortController()
    stream.onAbort(() => { unsubscribe(); ended.abort() })
    while (!stream.aborted) {
      await sleep(HEARTBEAT_MS, undefined, { signal: ended.signal }).catch(() => undefined)
      if (!stream.aborted) chain = chain.then(() => stream.write(': ping\n\n')).then(() => undefined, () => undefined)
    }
    unsubscribe()
  })
}

const logMessage = (entry: LogEntry) => ({ event: 'log', id: String(entry.seq), data: JSON.stringify(entry) })

/** The streaming routes for `deployer`, mounted at /api next to api-routes.ts. */
export function createStreamRoutes(deployer: Deployer): Hono {
  const routes = new Hono()

  routes.get('/events', (c) => {
    const header = c.req.header('last-event-id')
    const after = header !== undefined && /^\d+$/.test(header) ? Number(header) : queryInteger(c, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER })
    const backlog = after !== undefined ? deployer.state.listEvents({ afterId: after, limit: 10_000 }) : []
    return relay(c, backlog, (send) => deployer.onEvent(send), (e) => ({ event: e.type, id: String(e.id), data: JSON.stringify(e) }))
  })

  routes.get('/instances/:ref/logs', async (c) => {
    const ref = c.req.param('ref')
    const tail = queryInteger(c, 'tail', { min: 0, max: 10_000, fallback: 100 })
    const follow = queryFlag(c, 'follow')
    const entries = tail === 0 ? [] : await deployer.tailLogs(ref, tail)
    if (!follow) return c.json(entries)
    return relay(c, entries, (send) => deployer.followLogs(ref, send), logMessage)
  })

  routes.get('/logs', async (c) => {
    const model = queryString(c, 'model')
    const version = queryString(c, 'version')
    if (version !== undefined && model === undefined) throw createGatewayError('E_QUERY_INVALID', 'version needs model', { details: { parameter: 'version' } })
    const all = await deployer.logs.sources()
    const sources = model === undefined ? undefined : version !== undefined ? [`${parseRef(`${model}@${version}`).name}@${version}`] : all.filter((s) => s.startsWith(`${parseRef(model).name}@`))
    const streams = queryList(c, 'stream', STREAMS)
    const since = queryTime(c, 'since')
    const limit = queryInteger(c, 'limit', { min: 1, max: 100_000, fallback: 1000 })
    const follow = queryFlag(c, 'follow')
    const entries = await deployer.logs.query({ ...(sources ? { sources } : {}), ...(streams ? { streams } : {}), ...(since ? { since } : {}), limit })
    if (!follow) return c.json(entries)
    const wanted = (e: LogEntry) => (!sources || sources.includes(e.source)) && (!streams || streams.includes(e.stream))
    return relay(c, entries, (send) => deployer.logs.follow('*', (e) => { if (wanted(e)) send(e) }), logMessage)
  })
  return routes
}
