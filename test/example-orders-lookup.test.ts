/**
 * examples/orders-lookup on a real `ferry serve`: the descriptor's examples find their orders
 * through the gateway, each bad body gets its status, code and the field at fault, the API is
 * documented, and a broken orders table stops start-up with the line at fault.
 * Needs examples/orders-lookup built (`npm run build`).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { makeTempDir } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

const EXAMPLE = ferryPath('examples', 'orders-lookup')
interface Lookup { query: string; matches: Array<{ order: string; score: number; row: Record<string, string>; matchedOn: Array<{ field: string; found: string }> }> }

test('orders-lookup on ferry serve: finds orders through the gateway and refuses bad bodies', { timeout: 120_000 }, async (t) => {
  const ferry = await startFerryServe(t)
  const instance = await ferry.deployFolder(EXAMPLE)
  assert.equal(instance.state, 'ready')
  const lookup = (body: string, contentType = 'application/json') =>
    fetch(`${ferry.url}/models/orders-lookup/lookup`, { method: 'POST', headers: { 'content-type': contentType }, body })

  const descriptor = JSON.parse(await readFile(join(EXAMPLE, 'descriptor.json'), 'utf8')) as { examples: Array<{ name: string; body: { text: string; limit?: number } }> }
  const expected: Record<string, string> = { 'A clean marking': 'WO-24002', 'OCR confusions': 'WO-24038', 'A missing dash': 'WO-24079' }
  for (const example of descriptor.examples) {
    const res = await lookup(JSON.stringify(example.body))
    assert.equal(res.status, 200, example.name)
    const body = (await res.json()) as Lookup
    assert.equal(body.query, example.body.text)
    assert.equal(body.matches[0]?.order, expected[example.name], `${example.name}: ${JSON.stringify(body.matches.map((m) => [m.order, m.score]))}`)
    assert.equal(body.matches[0]!.row['order'], body.matches[0]!.order)
    assert.ok(body.matches.length <= (example.body.limit ?? 5))
    assert.ok(body.matches[0]!.matchedOn.length >= 1)
  }
  const none = (await (await lookup(JSON.stringify({ text: 'Dear Sir, thank you for your letter.' }))).json()) as Lookup
  assert.deepEqual(none.matches, [], 'a text without a marking finds nothing')

  const bad: Array<[string, string | undefined, number, string, string | undefined]> = [
    ['{"text": "PN', undefined, 400, 'E_INVALID_JSON', undefined],
    ['["PN 4471-A2"]', undefined, 400, 'E_INVALID_BODY', ''],
    ['{"text": "PN 4471-A2", "lang": "en"}', undefined, 400, 'E_INVALID_BODY', 'lang'],
    ['{}', undefined, 400, 'E_INVALID_TEXT', 'text'],
    ['{"text": 4471}', undefined, 400, 'E_INVALID_TEXT', 'text'],
    ['{"text": "  "}', undefined, 400, 'E_INVALID_TEXT', 'text'],
    ['{"text": "PN 4471-A2", "limit": 0}', undefined, 400, 'E_INVALID_LIMIT', 'limit'],
    ['{"text": "PN 4471-A2", "limit": 2.5}', undefined, 400, 'E_INVALID_LIMIT', 'limit'],
    ['{"text": "PN 4471-A2", "minScore": 2}', undefined, 400, 'E_INVALID_MIN_SCORE', 'minScore'],
    [JSON.stringify({ text: 'A'.repeat(20_001) }), undefined, 413, 'E_TEXT_TOO_LARGE', 'text'],
    ['PN 4471-A2', 'text/plain', 415, 'E_UNSUPPORTED_MEDIA_TYPE', undefined],
  ]
  for (const [body, contentType, status, code, field] of bad) {
    const res = await lookup(body, contentType)
    const answer = (await res.json()) as { error: { code: string; message: string; details?: { field: string } } }
    assert.equal(res.status, status, `${body.slice(0, 40)} → ${res.status} ${JSON.stringify(answer)}`)
    assert.equal(answer.error.code, code)
    assert.equal(answer.error.details?.field, field, `${code} names the field at fault`)
  }
  assert.equal((await fetch(`${ferry.url}/models/orders-lookup/lookup`)).status, 405)

  const docs = (await (await fetch(`${ferry.url}/openapi.json`)).json()) as { paths: Record<string, { post?: unknown }> }
  assert.ok(docs.paths['/models/orders-lookup/lookup']?.post, 'the gateway documents POST /models/orders-lookup/lookup')
  assert.equal(await ferry.stop(), 0)
})

test('orders-lookup outside Ferry: a broken orders table stops start-up, naming the line', async (t) => {
  const csv = join(await makeTempDir(t, 'orders-'), 'orders.csv')
  await writeFile(csv, 'order,partNumber,serial\nWO-1,4471-A2,0093\nWO-2,4471-A2\n')
  const child = spawn(process.execPath, [join(EXAMPLE, 'build', 'server.js')], { env: { PATH: process.env['PATH'] ?? '', PORT: '0', ORDERS_CSV: csv }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  assert.equal(code, 1)
  assert.match(stderr, /orders\.csv line 3: 2 fields, the header has 3/)
})
