/**
 * GET /docs: Swagger UI over the merged /openapi.json, served entirely from this machine. The UI's
 * JS and CSS come from the swagger-ui-dist package in node_modules (a fixed allow-list of its
 * files, read once and kept in memory); the page and its small start-up script are generated here.
 * Nothing is fetched from the internet: no CDN, no web fonts, no analytics, no spec validator
 * badge (validatorUrl: null), and a Content-Security-Policy on the page holds the browser to the
 * gateway's own origin for scripts, styles, images and requests.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Hono, type Context } from 'hono'
import { viewForDocs } from './_docs-view.js'
import { createGatewayError } from './errors.js'
import type { OpenApiDocument } from './openapi.js'

/** Where the UI's files are served from; the page refers to them by these absolute paths. */
export const DOCS_ASSETS_PREFIX = '/docs/assets/'

/** The document the page shows: /openapi.json with each endpoint once (gateway/_docs-view.ts). */
export const DOCS_DOCUMENT = '/docs/openapi.json'

/** The start-up script: generated here (not the package's swagger-initializer.js, which points at petstore.swagger.io). */
const INIT_FILE = 'ferry-docs.js'

/** The files of swagger-ui-dist that may be served; any other name is a 404. */
const PACKAGE_FILES: Readonly<Record<string, string>> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
}

/** Swagger UI (5.x) draws its dark theme under html.dark-mode: follow the system's scheme, live. */
const INIT_SCRIPT = `(function () {
  var dark = window.matchMedia('(prefers-color-scheme: dark)')
  var follow = function () { document.documentElement.classList.toggle('dark-mode', dark.matches) }
  follow()
  dark.addEventListener('change', follow)
})()
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '${DOCS_DOCUMENT}',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null,
    queryConfigEnabled: false
  })
})
`

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <meta name="color-scheme" content="light dark">
    <title>Ferry API</title>
    <link rel="stylesheet" href="${DOCS_ASSETS_PREFIX}swagger-ui.css">
    <link rel="stylesheet" href="${DOCS_ASSETS_PREFIX}index.css">
    <link rel="icon" type="image/png" href="${DOCS_ASSETS_PREFIX}favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="${DOCS_ASSETS_PREFIX}favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_ASSETS_PREFIX}swagger-ui-bundle.js" charset="utf-8"></script>
    <script src="${DOCS_ASSETS_PREFIX}${INIT_FILE}" charset="utf-8"></script>
  </body>
</html>
`

/**
 * The page's policy: everything from the gateway itself. Inline styles are allowed (Swagger UI sets
 * some; they fetch nothing), `data:` images are the CSS's inline SVG icons; no inline or eval'd script.
 */
const PAGE_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "font-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'self'",
].join('; ')

const ASSET_HEADERS = { 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' }

interface Asset { body: Uint8Array; type: string }

/**
 * Routes for GET /docs, GET /docs/assets/:file and, given the merged document, GET /docs/openapi.json; mount at the root with `app.route('/', createDocsRoutes())`.
 * @example
 * const res = await createDocsRoutes().request('/docs')
 */
export function createDocsRoutes(openApi?: () => Promise<OpenApiDocument>): Hono {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
  const cache = new Map<string, Asset>([[INIT_FILE, { body: new TextEncoder().encode(INIT_SCRIPT), type: 'text/javascript; charset=utf-8' }]])
  const asset = (file: string): Asset | undefined => {
    let found = cache.get(file)
    const type = Object.hasOwn(PACKAGE_FILES, file) ? PACKAGE_FILES[file] : undefined
    if (!found && type) {
      found = { body: new Uint8Array(readFileSync(join(dir, file))), type }
      cache.set(file, found)
    }
    return found
  }
  const notFound = (c: Context) => c.json(createGatewayError('E_ROUTE_NOT_FOUND', `no route ${c.req.method} ${c.req.path}`).toJSON(), 404)

  const docs = new Hono()
  const page = (c: Context) => c.html(PAGE, 200, { 'content-security-policy': PAGE_CSP, 'x-content-type-options': 'nosniff' })
  docs.get('/docs', page)
  docs.get('/docs/', page)
  // The docs' view of a document, as JSON bytes made once per document (the merged one is kept until a change rebuilds it).
  const views = new WeakMap<OpenApiDocument, Uint8Array<ArrayBuffer>>()
  const viewBytes = (document: OpenApiDocument): Uint8Array<ArrayBuffer> => {
    let found = views.get(document)
    if (!found) views.set(document, (found = Buffer.from(JSON.stringify(viewForDocs(document)))))
    return found
  }
  docs.get(DOCS_DOCUMENT, async (c) => (openApi ? c.body(viewBytes(await openApi()), 200, { 'content-type': 'application/json' }) : c.redirect('/openapi.json')))
  docs.get(`${DOCS_ASSETS_PREFIX}:file`, (c) => {
    const found = asset(c.req.param('file'))
    if (!found) return notFound(c)
    return c.body(found.body as Uint8Array<ArrayBuffer>, 200, { ...ASSET_HEADERS, 'content-type': found.type })
  })
  // Nested or odd paths under the assets folder answer like any unknown route, mounted or not.
  docs.all(`${DOCS_ASSETS_PREFIX}*`, notFound)
  return docs
}
