/**
 * Health checks against in-process HTTP servers on 127.0.0.1 port 0: 2xx or not, timeouts,
 * refused connections, and the start-up wait with its backoff and its early ends (the process
 * exited, the wait was cancelled).
 */
import assert from 'node:assert/strict'
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { checkHealth, waitForHealthy } from '../deployer/health-check.js'
import { getFreePort } from '../deployer/port-pool.js'

/** An HTTP server on a free port, closed (connections too) when the test ends; resolves its base URL. */
async function startServer(t: TestContext, handler: RequestListener): Promise<string> {
  const server = createServer(handler)
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

test('checkHealth: 2xx is healthy, and the body is read', async (t) => {
  const base = await startServer(t, (request, response) => {
    if (request.url === '/empty') response.writeHead(204).end()
    else response.writeHead(200).end('x'.repeat(1024 * 1024))
  })
  const big = await checkHealth(`${base}/health`, 2000)
  assert.deepEqual({ ...big, durationMs: 0 }, { ok: true, status: 200, error: null, durationMs: 0 })
  assert.equal((await checkHealth(`${base}/empty`, 2000)).ok, true)
})

test('checkHealth: any other status is not healthy, and is not an error', async (t) => {
  let status = 503
  const base = await startServer(t, (_request, response) => response.writeHead(status, { location: '/elsewhere' }).end('nope'))
  for (const code of [503, 500, 404, 301, 202]) {
    status = code
    const result = await checkHealth(`${base}/health`, 2000)
    assert.equal(result.status, code)
    assert.equal(result.ok, code >= 200 && code < 300, `HTTP ${code}`)
    assert.equal(result.error, null)
  }
})

test('checkHealth: a server that does not answer in time times out', async (t) => {
  const base = await startServer(t, (request, response) => {
    if (request.url === '/slow-body') response.writeHead(200).write('partial') // never ends
    // anything else: never answers
  })
  const silent = await checkHealth(`${base}/health`, 200)
  assert.equal(silent.ok, false)
  assert.equal(silent.status, null)
  assert.match(silent.error ?? '', /timed out after 200 ms/)
  assert.ok(silent.durationMs >= 190 && silent.durationMs < 1500, `took ${silent.durationMs} ms`)

  const slowBody = await checkHealth(`${base}/slow-body`, 200)
  assert.equal(slowBody.ok, false, 'a 200 whose body never ends is not healthy')
  assert.equal(slowBody.status, 200)
  assert.match(slowBody.error ?? '', /timed out/)
})

test('checkHealth: a refused connection or a bad URL is a result, not a throw', async () => {
  const port = await getFreePort()
  const refused = await checkHealth(`http://127.0.0.1:${port}/health`, 2000)
  assert.equal(refused.ok, false)
  assert.equal(refused.status, null)
  assert.match(refused.error ?? '', /ECONNREFUSED/)

  for (const url of ['not a url', 'ftp://127.0.0.1/health']) {
    const result = await checkHealth(url, 2000)
    assert.equal(result.ok, false, url)
    assert.ok(result.error, url)
  }
})

test('waitForHealthy: polls until the server answers 2xx', async (t) => {
  let requests = 0
  const base = await startServer(t, (_request, response) => response.writeHead(++requests >= 4 ? 200 : 503).end())
  const result = await waitForHealthy(`${base}/health`, { timeoutMs: 10_000 })
  assert.equal(result.ok, true)
  assert.equal(result.status, 200)
  assert.equal(result.reason, 'healthy')
  assert.equal(result.attempts, 4)
})

test('waitForHealthy: gives up after timeoutMs with the last answer', async (t) => {
  const base = await startServer(t, (_request, response) => response.writeHead(503).end())
  const started = Date.now()
  const result = await waitForHealthy(`${base}/health`, { timeoutMs: 600 })
  const elapsed = Date.now() - started
  assert.equal(result.ok, false)
  assert.equal(result.reason, 'timeout')
  assert.equal(result.status, 503)
  assert.ok(elapsed >= 550 && elapsed < 1500, `gave up after ${elapsed} ms`)
})

test('waitForHealthy: backs off between checks, and reports the last error', async () => {
  const port = await getFreePort()
  const result = await waitForHealthy(`http://127.0.0.1:${port}/health`, { timeoutMs: 1500 })
  assert.equal(result.ok, false)
  assert.match(result.error ?? '', /ECONNREFUSED/)
  // 25, 50, 100, 200, 400, 500, 500… ms apart: about 7 checks in 1.5 s, not 60.
  assert.ok(result.attempts >= 4 && result.attempts <= 10, `${result.attempts} attempts`)
})

test('waitForHealthy: stops early when the process exits, even mid-check', async (t) => {
  const base = await startServer(t, () => undefined) // never answers: each check would wait 5 s
  const started = Date.now()
  const result = await waitForHealthy(`${base}/health`, { timeoutMs: 30_000, exited: sleep(150) })
  assert.equal(result.ok, false)
  assert.equal(result.reason, 'exited')
  assert.match(result.error ?? '', /exited/)
  assert.ok(Date.now() - started < 2000)

  const already = await waitForHealthy(`${base}/health`, { timeoutMs: 30_000, exited: Promise.resolve({ code: 1, signal: null }) })
  assert.equal(already.reason, 'exited')
  assert.ok(already.attempts <= 1)
})

test('waitForHealthy: stops when its signal aborts', async () => {
  const port = await getFreePort()
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 150)
  const started = Date.now()
  const result = await waitForHealthy(`http://127.0.0.1:${port}/health`, { timeoutMs: 30_000, signal: controller.signal })
  assert.equal(result.reason, 'aborted')
  assert.equal(result.ok, false)
  assert.match(result.error ?? '', /ECONNREFUSED/, 'the last real check\'s error')
  assert.ok(Date.now() - started < 2000)

  const before = await waitForHealthy(`http://127.0.0.1:${port}/health`, { timeoutMs: 30_000, signal: AbortSignal.abort() })
  assert.deepEqual([before.reason, before.attempts], ['aborted', 0])
})
