/**
 * examples/markings end to end, without a pipeline: a real `ferry serve` deploys examples/ocr
 * (tesseract.js) and examples/orders-lookup; each sample photo of a stamped marking is recognised
 * by the OCR model, its text looked up in the orders table, and the first match must be the order
 * samples/expected.json names. The photos are rotated, noisy and low in contrast, so OCR makes its
 * usual mistakes (Z read as 2 or 7, S as 5): the test prints what it read.
 * Needs the examples built (`npm run build`).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { startFerryServe } from './_serve-helpers.js'

const SAMPLES = ferryPath('examples', 'markings', 'samples')
const EXPECTED = JSON.parse(readFileSync(join(SAMPLES, 'expected.json'), 'utf8')) as Array<{ file: string; order: string; marking: string }>

interface Lookup { matches: Array<{ order: string; score: number; row: Record<string, string>; matchedOn: Array<{ field: string; found: string }> }> }

test('markings: each sample photo → OCR → orders-lookup finds its expected order first', { timeout: 300_000 }, async (t) => {
  assert.ok(EXPECTED.length >= 5, 'at least five samples')
  const ferry = await startFerryServe(t)
  await ferry.deployFolder(ferryPath('examples', 'orders-lookup'))
  await ferry.deployFolder(ferryPath('examples', 'ocr'))

  const report: string[] = []
  for (const { file, order, marking } of EXPECTED) {
    const photo = readFileSync(join(SAMPLES, file))
    const ocr = await fetch(`${ferry.url}/models/ocr/recognize`, { method: 'POST', body: photo, headers: { 'content-type': file.endsWith('.png') ? 'image/png' : 'image/jpeg' } })
    assert.equal(ocr.status, 200, file)
    const { text } = (await ocr.json()) as { text: string }
    assert.ok(text.trim() !== '', `${file}: OCR read something`)
    const res = await fetch(`${ferry.url}/models/orders-lookup/lookup`, { method: 'POST', body: JSON.stringify({ text }), headers: { 'content-type': 'application/json' } })
    assert.equal(res.status, 200, file)
    const { matches } = (await res.json()) as Lookup
    report.push(`${file}: stamped ${JSON.stringify(marking)}, read ${JSON.stringify(text)} → ${matches.slice(0, 3).map((m) => `${m.order} ${m.score}`).join(', ')}`)
    assert.equal(matches[0]?.order, order, report.at(-1))
    if (matches[1]) assert.ok(matches[0]!.score > matches[1].score, `${file}: the expected order is ahead of the next, not tied\n${report.at(-1)}`)
    assert.ok(matches[0]!.matchedOn.some((m) => m.field === 'serial'), `${file}: matched on its serial`)
  }
  t.diagnostic(report.join('\n'))
  assert.equal(await ferry.stop(), 0)
})
