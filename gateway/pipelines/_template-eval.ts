/**
 * Evaluates a pipeline template (packager/pipeline/template.ts) against what a call has so far:
 * the request, and the outputs of the steps that ran. A file (the uploaded body) stays bytes; read
 * as JSON it is its description {name, contentType, size, sha256}.
 */
import { createHash } from 'node:crypto'
import { parsePointer, readTemplateOp } from '../../packager/pipeline/template.js'

/** An uploaded file, passed to a step as it came. */
export class FileValue {
  readonly size: number
  #sha256: string | undefined
  constructor(readonly bytes: Buffer, readonly contentType: string, readonly name: string | null) {
    this.size = bytes.length
  }

  /** Hashed when first read (a template or a run reads it), not for every file a call passes on. */
  get sha256(): string {
    return (this.#sha256 ??= createHash('sha256').update(this.bytes).digest('hex'))
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, contentType: this.contentType, size: this.size, sha256: this.sha256 }
  }
}

/** A `from` found nothing and has no `else`. */
export class MissingValueError extends Error {
  constructor(readonly pointer: string) {
    super(`nothing at ${pointer}`)
  }
}

const MANY = Symbol('many')
type Many = { [MANY]: unknown[] }
const isMany = (v: unknown): v is Many => typeof v === 'object' && v !== null && MANY in v

function step(value: unknown, segment: string): unknown {
  if (value instanceof FileValue) return (value.toJSON() as Record<string, unknown>)[segment]
  if (Array.isArray(value)) return /^(0|[1-9]\d*)$/.test(segment) ? value[Number(segment)] : undefined
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, segment)) return (value as Record<string, unknown>)[segment]
  return undefined
}

/** The value at `pointer` in `context`; a `*` segment maps over an array (the result is a list). */
export function resolvePointer(context: unknown, pointer: string): unknown {
  const segments = parsePointer(pointer) ?? []
  let current: unknown = context
  let many = false
  for (const segment of segments) {
    if (segment === '*') {
      const items = many ? (current as unknown[]).flatMap((v) => (Array.isArray(v) ? v : [])) : Array.isArray(current) ? current : []
      current = items
      many = true
      continue
    }
    current = many ? (current as unknown[]).map((v) => step(v, segment)).filter((v) => v !== undefined) : step(current, segment)
    if (!many && current === undefined) return undefined
  }
  return many ? ({ [MANY]: current as unknown[] } satisfies Many) : current
}

const asList = (v: unknown): unknown[] => (isMany(v) ? v[MANY] : Array.isArray(v) ? v : v === undefined ? [] : [v])

/**
 * The value of `template` in `context`; throws MissingValueError for a `from` that finds nothing.
 * @example evaluateTemplate({ text: { from: '/steps/ocr/output/text' } }, { steps: { ocr: { output: { text: 'hi' } } } }) // { text: 'hi' }
 */
export function evaluateTemplate(template: unknown, context: unknown): unknown {
  const op = readTemplateOp(template)
  if (op) {
    switch (op.op) {
      case 'const': return op.value
      case 'from': {
        const found = resolvePointer(context, String(op.pointer))
        if (found === undefined) {
          if (op.hasElse) return evaluateTemplate(op.else, context)
          throw new MissingValueError(String(op.pointer))
        }
        return isMany(found) ? found[MANY] : found
      }
      case 'count': return asList(resolvePointer(context, String(op.pointer))).length
      case 'mean': {
        const numbers = asList(resolvePointer(context, String(op.pointer))).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
        return numbers.length === 0 ? 0 : numbers.reduce((a, b) => a + b, 0) / numbers.length
      }
      case 'join': return asList(resolvePointer(context, String(op.pointer))).filter((v) => typeof v === 'string').join(String(op.with))
      case 'each': return asList(resolvePointer(context, String(op.pointer))).map((item) => evaluateTemplate(op.to, { ...(context as object), item }))
    }
  }
  if (Array.isArray(template)) return template.map((t) => evaluateTemplate(t, context))
  if (typeof template === 'object' && template !== null) return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, evaluateTemplate(v, context)]))
  return template
}
