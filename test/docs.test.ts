/**
 * GET /docs: the Swagger UI page and its assets, all served locally. The page refers only to
 * /docs/assets/... and /docs/openapi.json (the merged document with each endpoint once); every asset it names is served; no served script or
 * stylesheet would load anything from the internet; and only allow-listed files are served.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createDocsRoutes } from '../gateway/docs-routes.js'

const docs = createDocsRoutes()

/** The URLs in the page's src= and href= attributes. */
function referencedUrls(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1]!)
}

test('GET /docs is an HTML page that points only at local assets and /docs/openapi.json', async () => {
  const res = await docs.request('/docs')
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/html\b/)
  const csp = res.headers.get('content-security-policy') ?? ''
  assert.match(csp, /default-src 'self'/)
  assert.match(csp, /connect-src 'self'/)
  assert.doesNotMatch(csp, /https?:|unsafe-eval/)
  const html = await res.text()
  assert.doesNotMatch(html, /https?:/i, 'no absolute http(s) URL')
  assert.doesNotMatch(html, /["'(=\s]\/\/[^\s"']/, 'no protocol-relative URL')
  assert.ok(html.includes('<div id="swagger-ui">'))
  const urls = referencedUrls(html)
  assert.ok(urls.length >= 3)
  for (const url of urls) assert.match(url, /^\/docs\/assets\/[\w.-]+$/, url)
  assert.ok(urls.includes('/docs/assets/swagger-ui-bundle.js') && urls.includes('/docs/assets/swagger-ui.css'))

  const init = await (await docs.request('/docs/assets/ferry-docs.js')).text()
  assert.match(init, /url: '\/docs\/openapi\.json'/, 'the document with each endpoint once')
  assert.match(init, /prefers-color-scheme: dark/, 'the page follows the dark scheme')
  assert.match(init, /validatorUrl: null/, 'the validator badge would load from validator.swagger.io')
  assert.doesNotMatch(init, /https?:|\/\/[a-z]/i)
  assert.equal((await docs.request('/docs/')).status, 200)
})

test('every asset the page names is served, cached, with its content type, and fetches nothing from the internet', async () => {
  const html = await (await docs.request('/docs')).text()
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!)
  const styles = [...html.matchAll(/<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]!)
  const icons = [...html.matchAll(/<link\b[^>]*rel="icon"[^>]*href="([^"]+)"/g)].map((m) => m[1]!)
  assert.equal(scripts.length + styles.length + icons.length, referencedUrls(html).length, 'every reference is a script, stylesheet or icon')
  const expected = [...scripts.map((u) => [u, /^text\/javascript\b/] as const), ...styles.map((u) => [u, /^text\/css\b/] as const), ...icons.map((u) => [u, /^image\/png$/] as const)]
  for (const [url, type] of expected) {
    const res = await docs.request(url)
    assert.equal(res.status, 200, url)
    assert.match(res.headers.get('content-type') ?? '', type, url)
    assert.equal(res.headers.get('cache-control'), 'public, max-age=3600', url)
    const body = Buffer.from(await res.arrayBuffer())
    assert.ok(body.length > 0, url)
    if (type.source.includes('image')) continue
    const text = body.toString('utf8')
    // An absolute or protocol-relative URL used where the browser would load it by itself.
    const loads = /(?:\bfetch\(\s*|\bsrc\s*=\s*|@import\s+(?:url\(\s*)?|\burl\(\s*|sourceMappingURL=)["'`]?(?:https?:)?\/\/[^\s"'`)]+/gi
    assert.deepEqual(text.match(loads) ?? [], [], `${url} loads nothing from the internet`)
    assert.doesNotMatch(text, /@font-face/, `${url} declares no web font`)
    // Every absolute URL left is inert (reviewed for swagger-ui-dist 5.35; a new one fails here for review):
    // - www.w3.org: XML namespaces (SVG, XHTML, MathML), also in the CSS's inline data: SVG icons
    // - json-schema.org, spec.openapis.org: JSON Schema / OpenAPI dialect identifiers, compared, never fetched
    // - swagger.io, "https://base…", vladimirgorej.com: dummy bases for `new URL()` parsing relative references
    // - validator.swagger.io: the validator badge's default, disabled by validatorUrl: null in ferry-docs.js
    // - datatracker.ietf.org, www.rfc-editor.org: RFC references in grammar comments and error messages
    // - twitter, instagram, soundcloud, tiktok, facebook: link targets for @mentions / #hashtags the
    //   Markdown linkifier may render in descriptions (followed only if the user clicks)
    // - spdx.org: the license link shown for an SPDX license identifier (a link, followed only if clicked)
    // - example.com: sample values generated for `format: uri` schemas
    // - github.com, reactjs.org, redux.js.org, fb.me: license and error/deprecation messages
    const INERT = new Set(['www.w3.org', 'json-schema.org', 'spec.openapis.org', 'swagger.io', 'base', 'vladimirgorej.com',
      'validator.swagger.io', 'datatracker.ietf.org', 'www.rfc-editor.org', 'twitter.com', 'instagram.com', 'soundcloud.com',
      'www.tiktok.com', 'www.facebook.com', 'spdx.org', 'example.com', 'github.com', 'reactjs.org', 'redux.js.org', 'fb.me'])
    const hosts = new Set([...text.matchAll(/https?:\/\/([a-z0-9.-]+)/gi)].map((m) => m[1]!.toLowerCase()))
    assert.deepEqual([...hosts].filter((h) => !INERT.has(h)), [], `${url}: absolute URLs not reviewed as inert`)
  }
})

test('only allow-listed files are served: traversal and other package files are a 404 JSON', async () => {
  for (const path of ['/docs/assets/..%2fpackage.json', '/docs/assets/package.json', '/docs/assets/..%2F..%2Fpackage.json',
    '/docs/assets/%2e%2e%2fpackage.json', '/docs/assets/swagger-initializer.js', '/docs/assets/index.html', '/docs/assets/swagger-ui-bundle.js.map',
    '/docs/assets/constructor', '/docs/assets/__proto__', '/docs/assets/a/b.js', '/docs/assets/..%5cpackage.json', '/docs/assets/']) {
    const res = await docs.request(path)
    assert.equal(res.status, 404, path)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json\b/, path)
    const body = await res.json() as { error: { code: string } }
    assert.equal(body.error.code, 'E_ROUTE_NOT_FOUND', path)
  }
})
