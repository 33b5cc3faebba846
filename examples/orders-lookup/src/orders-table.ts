/**
 * The orders table: a CSV file with a header row (RFC 4180 quoting: "…", "" for a quote), read
 * once at start-up. It must have the columns `order`, `partNumber` and `serial`; any other columns
 * (customer, dueDate, …) are carried along in each row as they are.
 */
import { readFileSync } from 'node:fs'

export type OrderRow = Readonly<Record<string, string>>

export const REQUIRED_COLUMNS = ['order', 'partNumber', 'serial'] as const

/** Splits CSV text into records of fields. */
function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') { field += '"'; i++ }
      else if (char === '"') quoted = false
      else field += char
    } else if (char === '"' && field === '') quoted = true
    else if (char === ',') { record.push(field); field = '' }
    else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++
      record.push(field)
      field = ''
      if (record.some((value) => value !== '')) records.push(record)
      record = []
    } else field += char
  }
  record.push(field)
  if (record.some((value) => value !== '')) records.push(record)
  return records
}

/**
 * Parses an orders CSV; throws an Error naming the line at fault.
 * @example
 * parseOrders('order,partNumber,serial\nWO-1,4471-A2,0093\n')[0] // { order: 'WO-1', partNumber: '4471-A2', serial: '0093' }
 */
export function parseOrders(text: string, source = 'orders.csv'): OrderRow[] {
  const [header, ...records] = parseCsv(text.replace(/^\uFEFF/, ''))
  if (!header) throw new Error(`${source} is empty: it needs a header row with ${REQUIRED_COLUMNS.join(', ')}`)
  const columns = header.map((name) => name.trim())
  const missing = REQUIRED_COLUMNS.filter((name) => !columns.includes(name))
  if (missing.length > 0) throw new Error(`${source}: the header has no column ${missing.join(', ')} (it has ${columns.join(', ')})`)
  const seen = new Set<string>()
  return records.map((record, index) => {
    const line = index + 2
    if (record.length !== columns.length) throw new Error(`${source} line ${line}: ${record.length} fields, the header has ${columns.length}`)
    const row = Object.freeze(Object.fromEntries(columns.map((name, i) => [name, record[i]!.trim()])))
    if (row['order'] === '') throw new Error(`${source} line ${line}: the order is empty`)
    if (seen.has(row['order']!)) throw new Error(`${source} line ${line}: order ${row['order']} appears twice`)
    seen.add(row['order']!)
    return row
  })
}

/** Reads and parses the orders CSV at `path`. */
export function loadOrders(path: string): OrderRow[] {
  return parseOrders(readFileSync(path, 'utf8'), path)
}
