/**
 * /api/runs (tracked runs) and /api/requests (prediction history). Instances record their own runs
 * with their tracking token (the `trackingScope` app.ts sets); the admin token reads everything
 * and may record a run for any model@version named in the body.
 */
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { Hono, type Context } from 'hono'
import { createGatewayError } from './errors.js'
import { readRunInput } from './_run-input.js'
import { queryInteger, queryString, queryTime } from './_query.js'
import { STATUS_FILTER, type RequestHistory } from './request-history.js'
import type { RunStore } from './run-store.js'
import type { TrackingScope } from './tracking-token.js'

export type TrackingEnv = { Variables: { trackingScope: TrackingScope | undefined } }

/** Artifacts above this size are refused with 413. */
export const MAX_ARTIFACT_BYTES = 20 * 1024 * 1024

function runId(c: Context): number {
  const id = Number(c.req.param('id'))
  if (!Number.isSafeInteger(id) || id < 1) throw createGatewayError('E_RUN_NOT_FOUND', `no run "${c.req.param('id')}"`, { details: { id: c.req.param('id') } })
  return id
}

const LIMIT = { min: 1, max: 1000, fallback: 100 }

/** Mounted at /api. */
/** `captured`: which of these request ids had their bodies kept (gateway/capture/), to mark them in the history. */
export function createRunsRoutes(runs: RunStore, requests: RequestHistory, captured?: (requestIds: string[]) => Set<string>): Hono<TrackingEnv> {
  const api = new Hono<TrackingEnv>()

  api.post('/runs', async (c) => {
    const input = await readRunInput(c, 'create')
    const scope = c.get('trackingScope')
    if (scope) {
      if ((input.model && input.model !== scope.model) || (input.version && input.version !== scope.version)) {
        throw createGatewayError('E_FORBIDDEN', `this token records runs of ${scope.model}@${scope.version} only`, { details: { ...scope } })
      }
      return c.json(runs.create(scope, input), 201)
    }
    if (!input.model || !input.version) throw createGatewayError('E_BODY_INVALID', 'with the admin token, "model" and "version" are required', { path: input.model ? '/version' : '/model' })
    return c.json(runs.create({ model: input.model, version: input.version }, input), 201)
  })
  api.patch('/runs/:id', async (c) => {
    const input = await readRunInput(c, 'patch')
    return c.json(runs.update(runId(c), input, c.get('trackingScope')))
  })
  api.put('/runs/:id/artifacts/:name', async (c) => {
    const declared = Number(c.req.header('content-length') ?? NaN)
    if (declared > MAX_ARTIFACT_BYTES) throw createGatewayError('E_PAYLOAD_TOO_LARGE', `the artifact is ${declared} bytes; the limit is ${MAX_ARTIFACT_BYTES}`, { details: { limit: MAX_ARTIFACT_BYTES } })
    const body = c.req.raw.body ? Readable.fromWeb(c.req.raw.body as never) : Readable.from([])
    const contentType = c.req.header('content-type') || 'application/octet-stream'
    const artifact = await runs.putArtifact(runId(c), c.req.param('name'), contentType, body, MAX_ARTIFACT_BYTES, c.get('trackingScope'))
    return c.json(artifact, 201)
  })

  api.get('/runs', (c) => {
    return c.json({ runs: runs.list({ model: queryString(c, 'model'), version: queryString(c, 'version'), since: queryTime(c, 'since')?.toISOString(), q: queryString(c, 'q'), limit: queryInteger(c, 'limit', LIMIT) }) })
  })
  api.get('/runs/:id', (c) => c.json(runs.get(runId(c))))
  api.get('/runs/:id/artifacts/:name', (c) => {
    const { info, path } = runs.artifact(runId(c), c.req.param('name'))
    const stream = Readable.toWeb(createReadStream(path)) as ReadableStream
    return c.body(stream, 200, {
      'content-type': info.contentType,
      'content-length': String(info.size),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
      'content-disposition': `inline; filename="${info.name}"`,
    })
  })

  api.get('/requests', (c) => {
    const status = queryString(c, 'status')?.split(',')
    const wrong = status?.find((s) => !STATUS_FILTER.test(s))
    if (wrong !== undefined) throw createGatewayError('E_QUERY_INVALID', `status must be a list of 2xx…5xx, error or codes such as 404, not "${wrong}"`, { details: { parameter: 'status' } })
    const ms = { min: 0, max: 86_400_000 }
    const page = requests.page({
      model: queryString(c, 'model'), version: queryString(c, 'version'),
      since: queryTime(c, 'since')?.toISOString(), until: queryTime(c, 'until')?.toISOString(),
      ...(status ? { status } : {}), minMs: queryInteger(c, 'minMs', ms), maxMs: queryInteger(c, 'maxMs', ms),
      before: queryInteger(c, 'before', { min: 1, max: Number.MAX_SAFE_INTEGER }), limit: queryInteger(c, 'limit', LIMIT),
    })
    const kept = captured?.(page.requests.flatMap((r) => (r.requestId ? [r.requestId] : [])))
    return c.json(kept?.size ? { ...page, requests: page.requests.map((r) => (r.requestId && kept.has(r.requestId) ? { ...r, captured: true } : r)) } : page)
  })
  return api
}
