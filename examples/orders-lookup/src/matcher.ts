/**
 * Ranking the orders against a recognised marking. Each of a row's fields `partNumber`, `serial`
 * and `order` is looked for in the text as an approximate substring, after folding both sides
 * (canonical.ts: case, separators and OCR's confusions do not count). A field's score is
 * 1 − edits / length on the folded forms, with a fifth of it from the literal forms so that, of two
 * rows that differ only by a confusable character (2051-SZ, 2051-S2), the one written as read
 * ranks first. A row's score is the mean of its part number's and serial's scores, or its order
 * id's score when that is higher (a label that names the order).
 */
import { findApproximate } from './approximate-match.js'
import { fold, type Folded } from './canonical.js'
import type { OrderRow } from './orders-table.js'

export const MATCHED_FIELDS = ['partNumber', 'serial', 'order'] as const
export type MatchedField = (typeof MATCHED_FIELDS)[number]

export interface FieldMatch {
  field: MatchedField
  /** The field's value in the row. */
  value: string
  /** The stretch of the query text it matched, as written there. */
  found: string
  score: number
}

export interface OrderMatch {
  order: string
  score: number
  row: OrderRow
  /** The fields that matched well (score ≥ FIELD_MATCH_SCORE), best first. */
  matchedOn: FieldMatch[]
}

export interface MatchOptions {
  /** At most this many matches (default 5). */
  limit?: number
  /** Only rows scoring at least this (default 0.6). */
  minScore?: number
}

export const DEFAULT_LIMIT = 5
export const DEFAULT_MIN_SCORE = 0.6
/** A field counts as matched, in `matchedOn`, from this score up. */
export const FIELD_MATCH_SCORE = 0.75
const LITERAL_WEIGHT = 0.2

const round3 = (value: number): number => Math.round(value * 1000) / 1000

interface Query { original: string; folded: Folded; literal: Folded }

function similarity(pattern: string, text: string): { score: number; start: number; end: number } {
  const match = findApproximate(pattern, text)
  return { score: Math.max(0, 1 - match.distance / pattern.length), start: match.start, end: match.end }
}

function scoreField(query: Query, field: MatchedField, value: string): FieldMatch | null {
  const pattern = fold(value).text
  if (pattern === '') return null
  const folded = similarity(pattern, query.folded.text)
  const literal = similarity(fold(value, false).text, query.literal.text)
  const { origin } = query.folded
  const found = folded.end > folded.start ? query.original.slice(origin[folded.start]!, origin[folded.end - 1]! + 1) : ''
  return { field, value, found, score: round3((1 - LITERAL_WEIGHT) * folded.score + LITERAL_WEIGHT * literal.score) }
}

function scoreRow(query: Query, row: OrderRow): OrderMatch {
  const fields = MATCHED_FIELDS.map((field) => scoreField(query, field, row[field] ?? '')).filter((match) => match !== null)
  const of = (field: MatchedField): number => fields.find((match) => match.field === field)?.score ?? 0
  const score = round3(Math.max((of('partNumber') + of('serial')) / 2, of('order')))
  const matchedOn = fields.filter((match) => match.score >= FIELD_MATCH_SCORE).sort((a, b) => b.score - a.score)
  return { order: row['order']!, score, row, matchedOn }
}

/**
 * The rows that best match `text`, best first (ties in order-id order).
 * @example
 * matchOrders('PN 4471-AZ\n5N OO93', rows)[0] // { order: 'WO-24002', score: 0.967, … }
 */
export function matchOrders(text: string, rows: readonly OrderRow[], options: MatchOptions = {}): OrderMatch[] {
  const limit = options.limit ?? DEFAULT_LIMIT
  const minScore = options.minScore ?? DEFAULT_MIN_SCORE
  const query: Query = { original: text, folded: fold(text), literal: fold(text, false) }
  if (query.folded.text === '') return []
  return rows
    .map((row) => scoreRow(query, row))
    .filter((match) => match.score >= minScore)
    .sort((a, b) => b.score - a.score || a.order.localeCompare(b.order))
    .slice(0, limit)
}
