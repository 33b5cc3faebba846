/**
 * A strict JSON parser that says where a document is wrong (line and column, 1-based) and refuses
 * duplicate keys, which JSON.parse silently resolves to the last one.
 */

export interface JsonParseFailure {
  code: 'E_JSON_INVALID' | 'E_JSON_DUPLICATE_KEY'
  message: string
  line: number
  column: number
  /** JSON pointer of the duplicated key (duplicates only). */
  pointer?: string
}

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; failure: JsonParseFailure }

class Failure extends Error {
  constructor(readonly code: JsonParseFailure['code'], message: string, readonly offset: number, readonly pointer?: string) {
    super(message)
  }
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1')
}

/** Parses `text`, e.g. `parseJson('{"a":1}')` → `{ ok: true, value: { a: 1 } }`. */
export function parseJson(text: string): JsonParseResult {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++ }
  const describe = () => (i >= text.length ? 'end of input' : `${JSON.stringify(text[i])}`)
  const fail = (what: string): never => { throw new Failure('E_JSON_INVALID', `expected ${what}, found ${describe()}`, i) }

  function value(pointer: string): unknown {
    ws()
    const c = text[i]
    if (c === '{') return object(pointer)
    if (c === '[') return array(pointer)
    if (c === '"') return string()
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number()
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) { i += word.length; return v }
    }
    return fail('a value')
  }

  function object(pointer: string): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    const seen = new Set<string>()
    i++
    ws()
    if (text[i] === '}') { i++; return out }
    for (;;) {
      ws()
      if (text[i] !== '"') fail('a property name in double quotes')
      const keyAt = i
      const key = string()
      if (seen.has(key)) throw new Failure('E_JSON_DUPLICATE_KEY', `duplicate key ${JSON.stringify(key)}`, keyAt, `${pointer}/${escapePointer(key)}`)
      seen.add(key)
      ws()
      if (text[i] !== ':') fail('":" after the property name')
      i++
      Object.defineProperty(out, key, { value: value(`${pointer}/${escapePointer(key)}`), enumerable: true, writable: true, configurable: true })
      ws()
      if (text[i] === ',') { i++; continue }
      if (text[i] === '}') { i++; return out }
      fail('"," or "}" after the property value')
    }
  }

  function array(pointer: string): unknown[] {
    const out: unknown[] = []
    i++
    ws()
    if (text[i] === ']') { i++; return out }
    for (;;) {
      out.push(value(`${pointer}/${out.length}`))
      ws()
      if (text[i] === ',') { i++; continue }
      if (text[i] === ']') { i++; return out }
      fail('"," or "]" after the array item')
    }
  }

  function string(): string {
    const start = i
    i++
    for (;;) {
      const c = text[i]
      if (c === undefined) { i = start; throw new Failure('E_JSON_INVALID', 'unterminated string', start) }
      if (c === '"') break
      if (c === '\\') {
        const e = text[i + 1]
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2
        else { i++; fail('a valid escape sequence') }
      } else if (c < ' ') fail('no control character inside a string (escape it)')
      else i++
    }
    i++
    return JSON.parse(text.slice(start, i)) as string
  }

  function number(): number {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (!match) return fail('a number')
    i += match[0].length
    return Number(match[0])
  }

  try {
    const v = value('')
    ws()
    if (i < text.length) fail('end of input after the value')
    return { ok: true, value: v }
  } catch (error) {
    if (!(error instanceof Failure)) throw error
    const before = text.slice(0, error.offset)
    const line = before.split('\n').length
    const column = error.offset - before.lastIndexOf('\n')
    const failure: JsonParseFailure = { code: error.code, message: `${error.message} at line ${line}, column ${column}`, line, column }
    if (error.pointer !== undefined) failure.pointer = error.pointer
    return { ok: false, failure }
  }
}
