/**
 * GET /api/requests filters and pages (issue 15, defect 4): by status class, code or "error", by
 * time taken, by time, newest first in pages that join up without gaps or repeats, with the
 * total that matches; a bad filter is E_QUERY_INVALID naming it. On a real history database.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { openTrackingDatabase } from '../gateway/tracking-db.js'
import { RequestHistory } from '../gateway/request-history.js'
import { createRunsRoutes } from '../gateway/runs-routes.js'
import { isFerryError } from '../packager/ferry-error.js'
import { makeTempDir } from './_helpers.js'
import type { ProxyRecord } from '../gateway/proxy/model-proxy.js'

const record = (status: number, durationMs: number, path = '/predict'): ProxyRecord =>
  ({ model: 'm', version: '1.0.0', status, durationMs, requestBytes: 10, responseBytes: 20, requestId: `r-${status}-${durationMs}`, method: 'POST', path, role: 'stable' }) as ProxyRecord

test('the prediction history filters by status, latency and time, and pages', async (t) => {
  const dir = await makeTempDir(t, 'ferry-history-')
  const db = openTrackingDatabase(join(dir), 'history')
  t.after(() => db.close())
  const history = new RequestHistory(db, { retain: 10_000 })
  const start = Date.parse('2026-12-02T10:00:00Z')
  // 60 requests a minute apart: every fifth a 500, every seventh a 404, slow ones every third.
  for (let i = 0; i < 60; i++) history.record(record(i % 5 === 0 ? 500 : i % 7 === 0 ? 404 : 200, i % 3 === 0 ? 900 : 12), new Date(start + i * 60_000))
  const all = history.page({ limit: 1000 })
  assert.equal(all.total, 60)

  const errors = history.page({ status: ['error'], limit: 1000 })
  assert.ok(errors.requests.length > 0 && errors.requests.every((r) => r.status >= 400))
  assert.equal(errors.total, all.requests.filter((r) => r.status >= 400).length)
  assert.deepEqual(new Set(history.page({ status: ['4xx'], limit: 1000 }).requests.map((r) => r.status)), new Set([404]))
  assert.deepEqual(new Set(history.page({ status: ['500', '404'], limit: 1000 }).requests.map((r) => r.status)), new Set([500, 404]))
  const slow = history.page({ minMs: 500, limit: 1000 })
  assert.equal(slow.total, 20)
  assert.ok(slow.requests.every((r) => r.durationMs >= 500))
  assert.equal(history.page({ maxMs: 100, limit: 1000 }).total, 40)
  const window = history.page({ since: new Date(start + 10 * 60_000).toISOString(), until: new Date(start + 20 * 60_000).toISOString(), limit: 1000 })
  assert.equal(window.total, 10)

  // Pages of 25: newest first, joined without gaps or repeats, the last one says there is no more.
  const seen: number[] = []
  let before: number | undefined
  let pages = 0
  for (;;) {
    const page = history.page({ limit: 25, ...(before ? { before } : {}) })
    pages++
    assert.equal(page.total, 60, 'the total is of every match, not of the page')
    seen.push(...page.requests.map((r) => r.id))
    if (page.next === null) break
    before = page.next
  }
  assert.equal(pages, 3)
  assert.deepEqual(seen, all.requests.map((r) => r.id), 'every row once, newest first')

  // Through the route: the same filters as query parameters, bad ones refused by name.
  const routes = createRunsRoutes({} as never, history)
  routes.onError((error, c) => (isFerryError(error) ? c.json(error.toJSON(), error.status as 400) : c.text(String(error), 500)))
  const answer = await routes.request('/requests?status=5xx&minMs=500&limit=5')
  assert.equal(answer.status, 200)
  const body = (await answer.json()) as { requests: Array<{ status: number; durationMs: number }>; next: number | null; total: number }
  assert.ok(body.requests.length <= 5 && body.requests.every((r) => r.status >= 500 && r.durationMs >= 500))
  assert.equal(body.total, all.requests.filter((r) => r.status >= 500 && r.durationMs >= 500).length)
  for (const [query, parameter] of [['status=teapot', 'status'], ['minMs=-1', 'minMs'], ['until=never', 'until'], ['before=0', 'before']]) {
    const refused = await routes.request(`/requests?${query}`)
    assert.equal(refused.status, 400, query)
    const { error } = (await refused.json()) as { error: { code: string; details: { parameter: string } } }
    assert.deepEqual([error.code, error.details.parameter], ['E_QUERY_INVALID', parameter], query)
  }
})
