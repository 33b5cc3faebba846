/**
 * Splits an inference URL, `/models/<name>[@<selector>]/<rest>?<query>`, into the model, the
 * selector (a version or an alias, `latest` when absent) and the path the instance receives.
 * Refuses any path that could leave the model's prefix once something downstream decodes or
 * normalises it: dot segments, encoded slashes and backslashes, backslashes and NUL.
 */

export const MODELS_PREFIX = '/models/'

export interface ModelPath {
  name: string
  /** A version (`1.0.0`) or an alias (`latest`, `stable`); resolve() decides which. */
  selector: string
  /** `/models/<name>@<selector>` as the client wrote it, for X-Forwarded-Prefix. */
  prefix: string
  /** What the instance receives: the rest of the path, still encoded, plus the query string. */
  upstreamPath: string
}

export type ModelPathResult = { ok: true; value: ModelPath } | { ok: false; reason: string }

// Encoded "/" and "\" would become separators for any server that decodes before routing.
const ENCODED_SEPARATOR = /%(2f|5c)/i

/**
 * Parses a request URL under /models/; `undefined` when the URL is not under /models/.
 * @example parseModelPath('/models/echo@1.0.0/predict?x=1')
 * // { ok: true, value: { name: 'echo', selector: '1.0.0', prefix: '/models/echo@1.0.0', upstreamPath: '/predict?x=1' } }
 */
export function parseModelPath(url: string): ModelPathResult | undefined {
  if (!url.startsWith(MODELS_PREFIX)) return undefined
  const queryAt = url.indexOf('?')
  const path = queryAt === -1 ? url : url.slice(0, queryAt)
  const query = queryAt === -1 ? '' : url.slice(queryAt)
  const problem = checkPath(path)
  if (problem) return { ok: false, reason: problem }
  const afterPrefix = path.slice(MODELS_PREFIX.length)
  const slashAt = afterPrefix.indexOf('/')
  const target = decodeURIComponent(slashAt === -1 ? afterPrefix : afterPrefix.slice(0, slashAt))
  const rest = slashAt === -1 ? '/' : afterPrefix.slice(slashAt)
  const atAt = target.indexOf('@')
  const name = atAt === -1 ? target : target.slice(0, atAt)
  const selector = atAt === -1 ? 'latest' : target.slice(atAt + 1)
  if (!name) return { ok: false, reason: 'no model name after /models/' }
  if (!selector) return { ok: false, reason: `no version or alias after "${name}@"` }
  if (selector.includes('@')) return { ok: false, reason: `"${target}" holds more than one "@"` }
  return { ok: true, value: { name, selector, prefix: MODELS_PREFIX + (slashAt === -1 ? afterPrefix : afterPrefix.slice(0, slashAt)), upstreamPath: rest + query } }
}

/** Why `path` (without its query) is refused, or `undefined` when it is safe. Decodes once. */
function checkPath(path: string): string | undefined {
  if (path.includes('\\')) return 'the path holds a backslash'
  if (ENCODED_SEPARATOR.test(path)) return 'the path holds an encoded "/" or "\\" (%2F, %5C)'
  for (const segment of path.split('/')) {
    let decoded: string
    try {
      decoded = decodeURIComponent(segment)
    } catch {
      return `the path segment "${segment}" is not valid percent-encoding`
    }
    if (decoded === '.' || decoded === '..') return 'the path holds a "." or ".." segment'
    if (decoded.includes('\0')) return 'the path holds a NUL character'
    if (decoded.includes('\\')) return 'the path holds a backslash'
  }
  return undefined
}
