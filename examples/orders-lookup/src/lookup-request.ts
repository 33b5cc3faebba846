/**
 * Checking a POST /lookup body: `{"text": "…", "limit"?: 1-50, "minScore"?: 0-1}`, nothing else.
 * Each refusal is a LookupError whose `details.field` names the field at fault.
 */
import { LookupError } from './errors.js'
import { DEFAULT_LIMIT, DEFAULT_MIN_SCORE } from './matcher.js'

export interface LookupRequest {
  text: string
  limit: number
  minScore: number
}

/** The longest text looked up: a marking is a few lines; this is a page of OCR output. */
export const MAX_TEXT_CHARS = 20_000
export const MAX_LIMIT = 50
const FIELDS = new Set(['text', 'limit', 'minScore'])

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value)

/**
 * Validates a parsed body.
 * @example
 * readLookupRequest({ text: 'PN 4471-A2' }) // { text: 'PN 4471-A2', limit: 5, minScore: 0.6 }
 */
export function readLookupRequest(body: unknown): LookupRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new LookupError('E_INVALID_BODY', `The body is ${describe(body)}; send a JSON object {"text": "…"}.`, { field: '' })
  }
  const unknown = Object.keys(body).find((key) => !FIELDS.has(key))
  if (unknown !== undefined) throw new LookupError('E_INVALID_BODY', `Unknown field "${unknown}": the body has text, limit and minScore.`, { field: unknown })
  const { text, limit = DEFAULT_LIMIT, minScore = DEFAULT_MIN_SCORE } = body as Record<string, unknown>
  if (text === undefined) throw new LookupError('E_INVALID_TEXT', '"text" is required.', { field: 'text' })
  if (typeof text !== 'string') throw new LookupError('E_INVALID_TEXT', `"text" must be a string, not ${describe(text)}.`, { field: 'text' })
  if (text.trim() === '') throw new LookupError('E_INVALID_TEXT', '"text" is empty.', { field: 'text' })
  if (text.length > MAX_TEXT_CHARS) throw new LookupError('E_TEXT_TOO_LARGE', `"text" has ${text.length} characters; at most ${MAX_TEXT_CHARS} are accepted.`, { field: 'text' })
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new LookupError('E_INVALID_LIMIT', `"limit" must be a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(limit)}.`, { field: 'limit' })
  }
  if (typeof minScore !== 'number' || !Number.isFinite(minScore) || minScore < 0 || minScore > 1) {
    throw new LookupError('E_INVALID_MIN_SCORE', `"minScore" must be a number from 0 to 1, got ${JSON.stringify(minScore)}.`, { field: 'minScore' })
  }
  return { text, limit, minScore }
}
