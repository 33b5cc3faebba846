/**
 * Refuses a request URL whose percent-encoding is malformed (`%ZZ`, a lone `%`, bytes that are not
 * UTF-8) anywhere in its path or query, with 400 E_URL_INVALID naming the part, before any route
 * decodes it: a route never sees a URIError, and so never answers one with a 500.
 */
import { createGatewayError } from './errors.js'

function decodes(part: string): boolean {
  if (!part.includes('%')) return true
  try {
    decodeURIComponent(part)
    return true
  } catch {
    return false
  }
}

/** Throws E_URL_INVALID when a path segment or a query parameter of `url` is not valid percent-encoding. */
export function assertWellEncoded(url: string): void {
  if (!url.includes('%')) return
  const { pathname, search } = new URL(url, 'http://localhost')
  for (const segment of pathname.split('/')) {
    if (!decodes(segment)) throw createGatewayError('E_URL_INVALID', `the path segment "${segment}" is not valid percent-encoding`, { details: { part: 'path', segment } })
  }
  for (const pair of search.slice(1).split('&')) {
    if (!decodes(pair)) throw createGatewayError('E_URL_INVALID', `the query parameter "${pair}" is not valid percent-encoding`, { details: { part: 'query', parameter: pair } })
  }
}

/** The raw (still encoded) path of `url` after `prefix`, decoded once; call after assertWellEncoded. */
export function pathAfter(url: string, prefix: string): string {
  const { pathname } = new URL(url, 'http://localhost')
  const at = pathname.indexOf(prefix)
  return decodeURIComponent(at === -1 ? '' : pathname.slice(at + prefix.length))
}
