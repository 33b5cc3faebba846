/**
 * Full-text search over tracked runs (issue 14): the values of params and tags and the text a run
 * recorded, ranked best first with the snippet that matched; words, not query syntax; kept in step
 * with updates; and a tracking.db from before search gets its old runs indexed when it opens.
 */
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { openSqliteDatabase } from '../deployer/index.js'
import { startGateway, type RunningGateway } from '../gateway/server.js'
import { makeSnippet, queryWords, toMatchExpression } from '../gateway/search/run-search.js'
import { TRACKING_MIGRATIONS } from '../gateway/tracking-db.js'
import { api, errorCode } from './_api.js'
import { FAST } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'

interface Found { id: number; model: string; score: number; snippet: Array<{ text: string; match?: true }> }

async function openGateway(t: TestContext, dataDir?: string): Promise<RunningGateway> {
  const gateway = await startGateway({ port: 0, dataDir: dataDir ?? join(await makeTempDir(t, 'ferry-search-'), 'data'), env: {}, deployer: FAST })
  t.after(() => gateway.close())
  return gateway
}

async function record(gateway: RunningGateway, body: Record<string, unknown>): Promise<number> {
  const response = await api(gateway, '/runs', { method: 'POST', json: { model: 'ocr', version: '1.0.0', status: 'finished', ...body } })
  assert.equal(response.status, 201, await response.clone().text())
  return ((await response.json()) as { id: number }).id
}

async function search(gateway: RunningGateway, query: string): Promise<Found[]> {
  const response = await api(gateway, `/runs?${query}`)
  assert.equal(response.status, 200, await response.clone().text())
  return ((await response.json()) as { runs: Found[] }).runs
}

test('a query is words, never FTS syntax; a snippet splits into marked parts', () => {
  assert.equal(toMatchExpression('Invoice #229'), '"invoice" "229"*', 'the last word may be unfinished')
  assert.equal(toMatchExpression('"a" OR b* NEAR(c) col:d -e'), '"a" "or" "b" "near" "c" "col" "d" "e"*')
  assert.equal(toMatchExpression('Größe naïve'), '"große" "naive"*', 'folded as the index folds: case and diacritics')
  assert.deepEqual(makeSnippet(['nothing here', 'Invoice 2291, due in 30 days'], queryWords('DUE')), [{ text: 'Invoice 2291, ' }, { text: 'due', match: true }, { text: ' in 30 days' }])
  assert.deepEqual(makeSnippet([`${'word '.repeat(20)}Größe ${'word '.repeat(20)}`], queryWords('grosse gro')), [{ text: '…word word word word word word ' }, { text: 'Größe', match: true }, { text: ' word word word word word word…' }])
})

test('runs are found by any word of their recorded text, params or tags, best match first, with the snippet', async (t) => {
  const gateway = await openGateway(t)
  const invoice = await record(gateway, { text: 'INVOICE 2291\nAcme Corporation, due in 30 days. Total: 1,250.00 EUR', params: { label: 'invoice' } })
  const letter = await record(gateway, { text: 'Dear Sir, thank you for the invoice you sent last week.', params: { label: 'letter' } })
  const part = await record(gateway, { text: 'PN-4471-B SERIAL 0042', tags: { line: 'stamping-press-3' } })
  await record(gateway, { text: 'nothing relevant here', params: { label: 'report' } })

  const byWords = await search(gateway, 'q=acme%20invoice')
  assert.deepEqual(byWords.map((r) => r.id), [invoice], 'every word must appear')
  assert.ok(byWords[0]!.snippet.some((p) => p.match && /acme/i.test(p.text)))

  const ranked = await search(gateway, 'q=invoice')
  assert.deepEqual(ranked.map((r) => r.id).sort(), [invoice, letter].sort())
  assert.equal(ranked[0]!.id, invoice, 'the run where "invoice" weighs most comes first')
  assert.ok(ranked[0]!.score <= ranked[1]!.score)

  assert.deepEqual((await search(gateway, 'q=stamping')).map((r) => r.id), [part], 'tag values are searched')
  assert.deepEqual((await search(gateway, 'q=4471')).map((r) => r.id), [part], 'numbers inside a marking')
  assert.deepEqual((await search(gateway, 'q=229')).map((r) => r.id), [invoice], 'the start of a word matches')
  assert.deepEqual((await search(gateway, 'q=invoice&model=other')).map((r) => r.id), [], 'filters combine with the search')
  assert.deepEqual(await search(gateway, 'q=%22unbalanced%20OR'), [], 'quotes and operators are words, never a syntax error')

  await api(gateway, `/runs/${letter}`, { method: 'PATCH', json: { text: 'a letter about the weather' } })
  assert.deepEqual((await search(gateway, 'q=invoice')).map((r) => r.id), [invoice], 'an update re-indexes the run')
  assert.deepEqual((await search(gateway, 'q=weather')).map((r) => r.id), [letter])
  const detail = (await (await api(gateway, `/runs/${invoice}`)).json()) as { text: string }
  assert.match(detail.text, /^INVOICE 2291/, 'one run carries its text')

  for (const q of ['%20%20', '!!!', Array.from({ length: 17 }, (_, i) => `w${i}`).join('%20')]) {
    const refused = await api(gateway, `/runs?q=${q}`)
    assert.equal(refused.status, 400, q)
    assert.equal(await errorCode(refused), 'E_QUERY_INVALID')
  }
})

test('a tracking.db from before search has its runs indexed when it opens, and search survives a restart', async (t) => {
  const dataDir = join(await makeTempDir(t, 'ferry-search-'), 'data')
  await mkdir(dataDir, { recursive: true })
  const old = openSqliteDatabase(join(dataDir, 'tracking.db'), TRACKING_MIGRATIONS.slice(0, 1))
  old.prepare("INSERT INTO runs (model, version, status, started_at, params, metrics, tags) VALUES ('ocr', '1.0.0', 'finished', '2026-01-01T00:00:00.000Z', '{\"words\":\"purchase order 7781\"}', '{}', '{}')").run()
  old.close()
  const gateway = await openGateway(t, dataDir)
  assert.equal((await search(gateway, 'q=purchase%20order')).length, 1, 'the old run is found')
  await gateway.close()
  const db = new Database(join(dataDir, 'tracking.db'), { readonly: true })
  assert.equal(db.pragma('user_version', { simple: true }), TRACKING_MIGRATIONS.length)
  db.close()
  const again = await openGateway(t, dataDir)
  assert.equal((await search(again, 'q=7781')).length, 1)
})
