/**
 * Query parameters that carry secrets (`?token=…`, `?api_key=…`, `?password=…`) are recorded as
 * `REDACTED` in the access log and prediction history: a credential in a URL is still a credential.
 * The name is matched, not the value, so nothing secret-looking is guessed at.
 */

/** Names that are (or contain) a well-known secret's name: token, access_token, api-key, client_secret, … */
const SECRET_NAME = /token|secret|passw(or)?d|^pwd$|api[-_]?key|^key$|^auth$|authori[sz]ation|credential|signature|^sig$|session|cookie/i

export const REDACTED = 'REDACTED'

/**
 * The URL path with the values of secret query parameters replaced.
 * @example redactUrl('/models/echo/predict?token=abc&x=1') // '/models/echo/predict?token=REDACTED&x=1'
 */
export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?')
  if (queryAt === -1) return url
  let changed = false
  const pairs = url.slice(queryAt + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=')
    const rawName = eq === -1 ? pair : pair.slice(0, eq)
    let name = rawName
    try { name = decodeURIComponent(rawName.replace(/\+/g, ' ')) } catch { /* recorded as sent */ }
    if (eq === -1 || !SECRET_NAME.test(name)) return pair
    changed = true
    return `${rawName}=${REDACTED}`
  })
  return changed ? `${url.slice(0, queryAt)}?${pairs.join('&')}` : url
}
