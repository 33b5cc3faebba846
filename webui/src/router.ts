/**
 * Hash routing: `#/models/ocr/try?version=1.0.0` → the page for `/models/:name/try` with
 * `{ name: 'ocr' }` and the query. Hash routes keep the server to one page. Each page renders
 * into the main element and returns a cleanup (streams closed, timers stopped) run on leaving.
 */

export interface Route {
  path: string
  params: Record<string, string>
  query: URLSearchParams
}

export type Cleanup = () => void
export type Page = (main: HTMLElement, route: Route) => Cleanup | void | Promise<Cleanup | void>

interface Entry { pattern: string[]; page: Page; title: string }

const entries: Entry[] = []

export function addRoute(pattern: string, title: string, page: Page): void {
  entries.push({ pattern: pattern.split('/').filter(Boolean), page, title })
}

export function parseHash(hash: string): { path: string; query: URLSearchParams } {
  const raw = hash.replace(/^#/, '') || '/'
  const [path, query] = raw.split('?', 2) as [string, string | undefined]
  return { path: path.startsWith('/') ? path : `/${path}`, query: new URLSearchParams(query ?? '') }
}

/** The page and route for a hash; undefined when nothing matches. */
export function matchRoute(hash: string): { entry: Entry; route: Route } | undefined {
  const { path, query } = parseHash(hash)
  const parts = path.split('/').filter(Boolean).map((p) => { try { return decodeURIComponent(p) } catch { return p } })
  for (const entry of entries) {
    if (entry.pattern.length !== parts.length) continue
    const params: Record<string, string> = {}
    const ok = entry.pattern.every((segment, i) => {
      if (segment.startsWith(':')) {
        params[segment.slice(1)] = parts[i]!
        return true
      }
      return segment === parts[i]
    })
    if (ok) return { entry, route: { path, params, query } }
  }
  return undefined
}

/** `href('/models', name, 'try')` → `#/models/ocr/try`, each segment encoded. */
export function href(...segments: string[]): string {
  return `#/${segments.map((s) => s.replace(/^\//, '')).filter(Boolean).map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/')}`
}

export function navigate(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'))
  else location.hash = hash
}
