/**
 * The web console (webui/) at `/`: index.html, and under /console/ its stylesheet and icon
 * (webui/public/), its compiled ES modules (/console/app/ → dist/webui/, built by
 * `tsc -p webui/tsconfig.json`) and the charting library (/console/vendor/, _console-vendor.ts). Files are read from disk on request, so a rebuild needs no
 * restart. Paths are checked segment by segment (no `..`, no dot files, no encoded characters)
 * and must resolve inside their folder; only known extensions are served, each with its type.
 * A strict same-origin Content-Security-Policy holds the page to the gateway itself: no inline
 * script, no CDN, no web fonts.
 */
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, extname, resolve, sep } from 'node:path'
import { Hono, type Context } from 'hono'
import { ferryPath } from '../packager/repo-root.js'
import { createGatewayError } from './errors.js'
import { CONSOLE_VENDOR_FILES } from './_console-vendor.js'

export interface ConsoleRoutesOptions {
  /** Static files: index.html, styles.css, ferry.svg (default webui/public). */
  publicDir?: string
  /** The compiled console (default dist/webui). */
  appDir?: string
}

/** Where the page finds its files; index.html refers to them by these absolute paths. */
export const CONSOLE_PREFIX = '/console/'

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
}

/**
 * Everything from the gateway's own origin. `blob:` images and media are the console's own
 * previews (a chosen image, a run's artifact fetched with the token); `data:` images are the
 * highlighted OCR images models answer with.
 */
export const CONSOLE_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "media-src 'self' blob:",
  "connect-src 'self'", "font-src 'self'", "manifest-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ')

const HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
}

/** One safe segment: letters, digits, `_`, `-`, `.`, not starting with a dot. */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/

/** The file for `relative` inside `root`, or undefined when the path is not acceptable. */
export function resolveInside(root: string, relative: string): string | undefined {
  const segments = relative.split('/')
  if (segments.length > 8 || !segments.every((s) => SEGMENT.test(s))) return undefined
  if (!Object.hasOwn(TYPES, extname(relative).toLowerCase())) return undefined
  const base = resolve(root)
  const file = resolve(base, ...segments)
  return file.startsWith(base + sep) ? file : undefined
}

async function readRegularFile(file: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(file)).isFile()) return undefined
    return await readFile(file)
  } catch {
    return undefined
  }
}

/**
 * Routes for `/` and `/console/*`; mount at the root with `app.route('/', createConsoleRoutes())`.
 * @example
 * const res = await createConsoleRoutes().request('/console/styles.css')
 */
export function createConsoleRoutes(options: ConsoleRoutesOptions = {}): Hono {
  const publicDir = options.publicDir ?? ferryPath('webui', 'public')
  const appDir = options.appDir ?? ferryPath('dist', 'webui')
  const notFound = (c: Context) => c.json(createGatewayError('E_ROUTE_NOT_FOUND', `no route ${c.req.method} ${c.req.path}`).toJSON(), 404, { 'x-content-type-options': 'nosniff' })

  async function serve(c: Context, root: string, relative: string): Promise<Response> {
    const file = resolveInside(root, relative)
    const body = file ? await readRegularFile(file) : undefined
    if (!file || !body) return notFound(c)
    return c.body(new Uint8Array(body), 200, { ...HEADERS, 'content-type': TYPES[extname(file).toLowerCase()]! })
  }

  const routes = new Hono()
  routes.get('/', (c) => serve(c, publicDir, 'index.html'))
  // Browsers ask for /favicon.ico whatever the page says (e.g. for /docs and JSON answers): the
  // console's icon, as SVG, which they take under that name too.
  routes.get('/favicon.ico', (c) => serve(c, publicDir, 'ferry.svg'))
  routes.get(`${CONSOLE_PREFIX}*`, (c) => {
    const relative = c.req.path.slice(CONSOLE_PREFIX.length)
    if (relative.startsWith('app/')) return serve(c, appDir, relative.slice('app/'.length))
    if (relative.startsWith('vendor/')) {
      const name = relative.slice('vendor/'.length)
      const file = Object.hasOwn(CONSOLE_VENDOR_FILES, name) ? CONSOLE_VENDOR_FILES[name]! : undefined
      return file ? serve(c, dirname(file), basename(file)) : notFound(c)
    }
    if (relative === 'index.html') return notFound(c)
    return serve(c, publicDir, relative)
  })
  return routes
}
