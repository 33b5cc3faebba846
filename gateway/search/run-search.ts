/**
 * Full-text search over tracked runs (SQLite FTS5, built into better-sqlite3): the values of their
 * params and tags and the text they recorded, ranked by BM25, each hit with the snippet that
 * matched. A user's query is words, not FTS syntax: each word (letters and digits) must appear,
 * (the last one also as the start of a word), so `invoice 229` finds "Invoice 2291"; quotes, operators and
 * column filters are never interpreted, so no query can be a syntax error.
 */
import { createGatewayError } from '../errors.js'

/** Words of a query beyond this are refused: a search, not a document. */
export const MAX_QUERY_WORDS = 16
const WORD = /[\p{L}\p{N}]+/gu
/** One piece of a snippet: matched text or the text around it. */
export interface SnippetPart { text: string; match?: true }

/**
 * The FTS5 MATCH expression for a user's query.
 * @example toMatchExpression('Invoice #229') // '"invoice" "229"*'
 */
export function toMatchExpression(query: string): string {
  const words = queryWords(query)
  if (words.length === 0) throw createGatewayError('E_QUERY_INVALID', `q holds no word to search for ("${query.slice(0, 80)}")`, { details: { parameter: 'q' } })
  if (words.length > MAX_QUERY_WORDS) throw createGatewayError('E_QUERY_INVALID', `q holds ${words.length} words; search for at most ${MAX_QUERY_WORDS}`, { details: { parameter: 'q' } })
  // The last word may be unfinished (`invoice 229`): it matches as a prefix; the others are words.
  // A prefix merges the index of every word it starts, so only one is cheap on common words.
  return words.map((w, i) => (i === words.length - 1 ? `"${w}"*` : `"${w}"`)).join(' ')
}

/** Words shown around the first match. */
const CONTEXT_WORDS = 6

/** Lowercase without diacritics, as FTS5's unicode61 tokenizer (remove_diacritics 2) compares. */
const fold = (word: string) => word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()

/** The words of a query, folded, as `toMatchExpression` searches them (each a word or its start). */
export function queryWords(query: string): string[] {
  return [...query.matchAll(WORD)].map((m) => fold(m[0]))
}

/**
 * Where the words matched: the first field (in order) holding one, about a dozen words around it,
 * every matching word marked. Built here from the run's own text rather than by FTS5's snippet(),
 * which reads a common word's whole index for every row (~10 ms a row over 100,000 runs).
 * @example makeSnippet(['Invoice 2291, due in 30 days'], ['due']) // [{ text: 'Invoice 2291, ' }, { text: 'due', match: true }, { text: ' in 30 days' }]
 */
export function makeSnippet(fields: string[], words: string[]): SnippetPart[] {
  const matches = (token: string) => { const folded = fold(token); return words.some((w, i) => (i === words.length - 1 ? folded.startsWith(w) : folded === w)) }
  for (const field of fields) {
    const pieces = field.split(/([\p{L}\p{N}]+)/u) // odd indexes are words
    const first = pieces.findIndex((piece, i) => i % 2 === 1 && matches(piece))
    if (first === -1) continue
    const start = Math.max(0, first - CONTEXT_WORDS * 2)
    const end = Math.min(pieces.length, first + CONTEXT_WORDS * 2 + 1)
    const parts: SnippetPart[] = start > 0 ? [{ text: '…' }] : []
    for (let i = start; i < end; i++) {
      const text = pieces[i]!.replace(/\s+/g, ' ')
      if (!text) continue
      const last = parts.at(-1)
      if (i % 2 === 1 && matches(text)) parts.push({ text, match: true })
      else if (last && !last.match) last.text += text
      else parts.push({ text })
    }
    if (end < pieces.length) {
      const last = parts.at(-1)
      if (last && !last.match) last.text += '…'
      else parts.push({ text: '…' })
    }
    return parts
  }
  return []
}
