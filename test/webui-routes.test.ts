/**
 * How the gateway serves the console (gateway/console-routes.ts), in process: the page and its
 * files with their content types and a same-origin CSP, and nothing else: no traversal, no dot
 * files, no unknown extensions, no directories.
 */
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { createConsoleRoutes, CONSOLE_CSP, resolveInside } from '../gateway/console-routes.js'
import { makeTempDir } from './_helpers.js'

async function makeConsole(t: Parameters<typeof makeTempDir>[0]) {
  const dir = await makeTempDir(t, 'ferry-console-')
  const publicDir = join(dir, 'public')
  const appDir = join(dir, 'app')
  await mkdir(join(appDir, 'pages'), { recursive: true })
  await mkdir(publicDir, { recursive: true })
  await writeFile(join(publicDir, 'index.html'), '<!DOCTYPE html><title>Ferry</title>')
  await writeFile(join(publicDir, 'styles.css'), 'body{}')
  await writeFile(join(publicDir, '.secret.css'), 'secret')
  await writeFile(join(dir, 'outside.css'), 'outside')
  await writeFile(join(appDir, 'main.js'), 'export {}')
  await writeFile(join(appDir, 'pages', 'overview.js'), 'export {}')
  await writeFile(join(appDir, 'notes.txt'), 'not served')
  await mkdir(join(appDir, 'folder.js'))
  return createConsoleRoutes({ publicDir, appDir })
}

test('GET / is the console page with a same-origin Content-Security-Policy', async (t) => {
  const routes = await makeConsole(t)
  const res = await routes.request('/')
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
  assert.equal(res.headers.get('content-security-policy'), CONSOLE_CSP)
  assert.match(CONSOLE_CSP, /default-src 'none'/)
  assert.match(CONSOLE_CSP, /script-src 'self'(;|$)/)
  assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval|https?:/)
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
  assert.match(await res.text(), /<title>Ferry<\/title>/)
})

test('the console files are served with their content types, modules from the app folder', async (t) => {
  const routes = await makeConsole(t)
  const css = await routes.request('/console/styles.css')
  assert.equal(css.status, 200)
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8')
  const main = await routes.request('/console/app/main.js')
  assert.equal(main.headers.get('content-type'), 'text/javascript; charset=utf-8')
  assert.equal(await main.text(), 'export {}')
  assert.equal((await routes.request('/console/app/pages/overview.js')).status, 200)
})

test('paths that leave the folder, hidden files, unknown types and folders are 404', async (t) => {
  const routes = await makeConsole(t)
  for (const path of [
    '/console/../outside.css', '/console/%2e%2e/outside.css', '/console/app/%2e%2e/%2e%2e/outside.css', '/console/app/..%2f..%2foutside.css',
    '/console/.secret.css', '/console/app/notes.txt', '/console/app/folder.js', '/console/app/', '/console/', '/console/missing.css',
    '/console/app/pages//overview.js', '/console/index.html', '/console/app%5cmain.js',
  ]) {
    const res = await routes.request(path)
    assert.equal(res.status, 404, path)
    assert.ok(!['outside', 'secret', 'not served'].includes(await res.text()), `${path} must not serve the file`)
  }
})

test('resolveInside keeps every accepted path inside its root', () => {
  assert.equal(resolveInside('/srv/app', 'main.js'), '/srv/app/main.js')
  assert.equal(resolveInside('/srv/app', 'pages/model.js'), '/srv/app/pages/model.js')
  for (const bad of ['../x.js', 'a/../../x.js', '/etc/passwd.js', '.hidden.js', 'a\\b.js', 'x.exe', '', 'a//b.js']) assert.equal(resolveInside('/srv/app', bad), undefined, bad)
})

test('the real console is served from webui/public and dist/webui', async () => {
  const routes = createConsoleRoutes()
  const page = await (await routes.request('/')).text()
  assert.match(page, /<script type="module" src="\/console\/app\/main\.js">/)
  assert.doesNotMatch(page, /https?:\/\//, 'the page refers to nothing outside the gateway')
  assert.equal((await routes.request('/console/styles.css')).status, 200)
  assert.equal((await routes.request('/console/ferry.svg')).headers.get('content-type'), 'image/svg+xml')
})
