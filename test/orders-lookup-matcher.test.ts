/**
 * examples/orders-lookup's matcher, in process: the folding of OCR's confusions, the approximate
 * substring search, the CSV parser's refusals, and the ranking of the shipped orders.csv against
 * clean, confused and damaged markings. Needs examples/orders-lookup built (`npm run build`).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { ferryPath } from '../packager/repo-root.js'

type Row = Readonly<Record<string, string>>
interface FieldMatch { field: string; value: string; found: string; score: number }
interface OrderMatch { order: string; score: number; row: Row; matchedOn: FieldMatch[] }

const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(ferryPath('examples', 'orders-lookup', 'build', file)).href)) as T
const { fold } = await load<{ fold(text: string, confusions?: boolean): { text: string; origin: number[] } }>('canonical.js')
const { findApproximate } = await load<{ findApproximate(pattern: string, text: string): { distance: number; start: number; end: number } }>('approximate-match.js')
const { parseOrders } = await load<{ parseOrders(text: string, source?: string): Row[] }>('orders-table.js')
const { matchOrders } = await load<{ matchOrders(text: string, rows: readonly Row[], options?: { limit?: number; minScore?: number }): OrderMatch[] }>('matcher.js')
const ROWS = parseOrders(readFileSync(ferryPath('examples', 'orders-lookup', 'data', 'orders.csv'), 'utf8'))

test('folding: case, separators and the OCR confusion classes disappear; origins point into the text', () => {
  assert.equal(fold('PN 4471-A2').text, 'PN4471A2')
  assert.equal(fold('pn 44 71a2').text, 'PN4471A2', 'a missing dash and an extra space cost nothing')
  for (const [a, b] of [['O', '0'], ['o', '0'], ['I', '1'], ['l', '1'], ['|', '1'], ['S', '5'], ['s', '5'], ['B', '8'], ['Z', '2'], ['G', '6']]) {
    assert.equal(fold(a!).text, fold(b!).text, `${a} and ${b} fold together`)
  }
  assert.equal(fold('sn OO93').text, '5N0093')
  assert.equal(fold('S/N 0093', false).text, 'SN0093', 'the literal form keeps letters')
  const folded = fold('P/N 77-30')
  assert.deepEqual(folded.origin, [0, 2, 4, 5, 7, 8])
})

test('approximate substring: exact, one substitution, one deletion, nothing in common', () => {
  assert.deepEqual(findApproximate('4471A2', 'PN4471A2SN0093'), { distance: 0, start: 2, end: 8 })
  assert.equal(findApproximate('4471A2', 'PN4471X2SN0093').distance, 1)
  assert.equal(findApproximate('4471A2', 'PN441A2SN').distance, 1)
  assert.equal(findApproximate('0093', 'HELLO').distance, 4, 'nothing in common: every character is an edit')
  assert.equal(findApproximate('', 'ANY').distance, 0)
})

test('CSV: quoting, and a clear refusal naming the line for a bad table', () => {
  const rows = parseOrders('order,partNumber,serial,customer\r\nWO-1,4471-A2,0093,"Halden, ""Pumps"""\r\n')
  assert.deepEqual(rows, [{ order: 'WO-1', partNumber: '4471-A2', serial: '0093', customer: 'Halden, "Pumps"' }])
  assert.throws(() => parseOrders('order,serial\nWO-1,1\n', 'x.csv'), /x\.csv: the header has no column partNumber/)
  assert.throws(() => parseOrders('order,partNumber,serial\nWO-1,1\n', 'x.csv'), /x\.csv line 2: 2 fields, the header has 3/)
  assert.throws(() => parseOrders('order,partNumber,serial\nWO-1,1,2\nWO-1,3,4\n', 'x.csv'), /line 3: order WO-1 appears twice/)
  assert.throws(() => parseOrders('', 'x.csv'), /x\.csv is empty/)
})

test('the shipped table: about 50 orders, each with a part number and a serial', () => {
  assert.ok(ROWS.length >= 45 && ROWS.length <= 60, `${ROWS.length} rows`)
  for (const row of ROWS) assert.ok(row['partNumber'] && row['serial'] && row['customer'] && row['dueDate'], JSON.stringify(row))
})

test('ranking: the right order first for clean, confused and damaged markings, its decoys below', () => {
  const cases: Array<[string, string]> = [
    ['PN 4471-A2\nSN 0093', 'WO-24002'],
    ['pn 4471a2 sn oo93', 'WO-24002'], // lower case, O for 0, no dash
    ['P/N 773O-88\n5N 1I50', 'WO-24038'], // O/0, 8/B, 5/S, I/1
    ['PN 2051-SZ SN 0417', 'WO-24058'], // 2051-S2 (another order) folds the same: the literal form breaks the tie
    ['PN 2051-S2 SN 0471', 'WO-24064'],
    ['PNGO2BCL\nsN22100', 'WO-24079'], // what tesseract made of a noisy 6028-C1 / 2210
    ['PN 3305-25 SN 0871', 'WO-24102'], // Z read as 2: the serial tells it from 3305-25 / 0817
    ['Label for WO-24145', 'WO-24145'], // the order id alone
  ]
  for (const [text, order] of cases) {
    const matches = matchOrders(text, ROWS)
    assert.equal(matches[0]?.order, order, `${JSON.stringify(text)} → ${matches.map((m) => `${m.order} ${m.score}`).join(', ')}`)
    assert.ok(matches.every((m, i) => i === 0 || m.score <= matches[i - 1]!.score), 'best first')
    if (matches[1]) assert.ok(matches[0]!.score > matches[1].score, `${JSON.stringify(text)}: no tie at the top`)
  }
  const [top] = matchOrders('P/N 773O-88\n5N 1I50', ROWS)
  assert.deepEqual(top!.row, ROWS.find((row) => row['order'] === 'WO-24038'))
  assert.deepEqual(top!.matchedOn.map((m) => [m.field, m.found]).sort(), [['partNumber', '773O-88'], ['serial', '1I50']], 'matchedOn shows the stretch of text each field matched')
})

test('options and nothing to find', () => {
  assert.deepEqual(matchOrders('the quick brown fox', ROWS), [], 'text without a marking matches nothing')
  assert.deepEqual(matchOrders('---', ROWS), [])
  assert.equal(matchOrders('PN 4471-A2 SN 0093', ROWS, { limit: 2 }).length, 2)
  const all = matchOrders('PN 4471-A2 SN 0093', ROWS, { minScore: 0, limit: 50 })
  assert.equal(all.length, ROWS.length, 'minScore 0 lists every row')
  assert.ok(matchOrders('PN 4471-A2 SN 0093', ROWS, { minScore: 0.99 }).every((m) => m.score >= 0.99))
})
