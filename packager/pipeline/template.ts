/**
 * A pipeline's templates: JSON in which a few one-key objects are replaced by what they name.
 * Shared by the packager (which checks every pointer at pack time) and the gateway (which
 * evaluates them on each call), so both read the same language:
 *
 *   {"from": "/steps/ocr/output/text"}          the value at a JSON pointer (RFC 6901)
 *   {"from": "/steps/ocr/output/pages", "else": …} …or the `else` template when nothing is there
 *   {"const": {"from": "literally"}}            a value taken as it is
 *   {"count": "/output/pages"}                  the number of items (0 when absent)
 *   {"mean": "/output/pages/*\/meanConfidence"} the mean of the numbers (0 when none)
 *   {"join": "/output/pages/*\/text", "with": "\n"}  strings joined
 *   {"each": "/steps/ocr/output/pages", "to": {"text": {"from": "/item/text"}}}  one `to` per item
 *
 * A `*` segment maps over an array. Pointers start at `/request/…`, `/steps/<id>/output…`, or (in
 * `track` only) `/output…`.
 */

export type TemplateOp =
  | { op: 'from'; pointer: unknown; else?: unknown; hasElse: boolean }
  | { op: 'const'; value: unknown }
  | { op: 'count' | 'mean'; pointer: unknown }
  | { op: 'join'; pointer: unknown; with: unknown }
  | { op: 'each'; pointer: unknown; to: unknown }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const sameKeys = (v: Record<string, unknown>, ...keys: string[]) => Object.keys(v).length === keys.length && keys.every((k) => Object.hasOwn(v, k))

/** The operator an object of a template is, or undefined for a plain object (whose values are templates). */
export function readTemplateOp(value: unknown): TemplateOp | undefined {
  if (!isObject(value)) return undefined
  if (sameKeys(value, 'from')) return { op: 'from', pointer: value['from'], hasElse: false }
  if (sameKeys(value, 'from', 'else')) return { op: 'from', pointer: value['from'], else: value['else'], hasElse: true }
  if (sameKeys(value, 'const')) return { op: 'const', value: value['const'] }
  if (sameKeys(value, 'count')) return { op: 'count', pointer: value['count'] }
  if (sameKeys(value, 'mean')) return { op: 'mean', pointer: value['mean'] }
  if (sameKeys(value, 'each', 'to')) return { op: 'each', pointer: value['each'], to: value['to'] }
  if (sameKeys(value, 'join') || sameKeys(value, 'join', 'with')) return { op: 'join', pointer: value['join'], with: value['with'] ?? '\n' }
  return undefined
}

/** A pointer's segments, unescaped (`~1` → `/`, `~0` → `~`); undefined when it is not a pointer. */
export function parsePointer(pointer: unknown): string[] | undefined {
  if (typeof pointer !== 'string' || !pointer.startsWith('/')) return undefined
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** Escapes one segment for a JSON pointer. */
export function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1')
}

/**
 * Every pointer a template reads, with the JSON pointer (inside the descriptor) of where it is
 * written; `inItem` when it is inside an `each`'s `to`, where `/item` is the current element.
 */
export function listTemplatePointers(template: unknown, at: string): Array<{ pointer: unknown; at: string; inItem: boolean }> {
  const found: Array<{ pointer: unknown; at: string; inItem: boolean }> = []
  const walk = (value: unknown, where: string, inItem: boolean): void => {
    const op = readTemplateOp(value)
    if (op) {
      if (op.op === 'const') return
      found.push({ pointer: op.pointer, at: `${where}/${op.op}`, inItem })
      if (op.op === 'from' && op.hasElse) walk(op.else, `${where}/else`, inItem)
      if (op.op === 'each') walk(op.to, `${where}/to`, true)
      return
    }
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}/${i}`, inItem))
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(v, `${where}/${escapeSegment(k)}`, inItem)
  }
  walk(template, at, false)
  return found
}

/** The request fields a pointer may start with, and whether they go deeper. */
export const REQUEST_FIELDS: Record<string, 'leaf' | 'deep'> = { body: 'deep', file: 'deep', query: 'deep', headers: 'deep', method: 'leaf', path: 'leaf' }
