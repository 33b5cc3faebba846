/**
 * The inference proxy for real: a node:http server on 127.0.0.1 whose listener calls
 * proxy.handle(), in front of a real Deployer running the `valid` fixture with two replicas, and of
 * tiny stub upstreams for headers, server-sent events, slow and unreachable instances, WebSockets.
 */
import assert from 'node:assert/strict'
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import { createModelProxy, type ModelProxyOptions, type ProxyRecord } from '../gateway/proxy/model-proxy.js'
import { openDeployer, packFixture, waitFor } from './_deployer-helpers.js'

interface Reply { status: number; headers: IncomingHttpHeaders; text: string; json: any }

/** Sends the path byte for byte (fetch would normalise "..") and reads the whole answer. */
function send(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => {
        const text = Buffer.concat(parts).toString()
        let json: unknown
        try { json = JSON.parse(text) } catch { /* not JSON */ }
        resolve({ status: res.statusCode!, headers: res.headers, text, json })
      })
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

function listen(t: TestContext, server: Server): Promise<number> {
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)))
}

/** The gateway under test: the proxy first, then a fallback that counts what reached "another route". */
async function startGateway(t: TestContext, options: ModelProxyOptions): Promise<{ port: number; records: ProxyRecord[]; fallbackHits: string[] }> {
  const records: ProxyRecord[] = []
  const fallbackHits: string[] = []
  const proxy = createModelProxy({ ...options, onResponse: (r) => records.push(r) })
  t.after(() => proxy.close())
  const server = createServer((req, res) => proxy.handle(req, res) || (fallbackHits.push(req.url!), res.writeHead(404), res.end()))
  server.on('upgrade', (req, socket, head) => proxy.handleUpgrade(req, socket, head) || socket.destroy())
  return { port: await listen(t, server), records, fallbackHits }
}

/** A stub instance, reached as `stub@1.0.0`. */
async function startStub(t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; resolve: ModelProxyOptions['resolve'] }> {
  const server = createServer(handler)
  const port = await listen(t, server)
  return { server, resolve: () => ({ version: '1.0.0', ref: 'stub@1.0.0', endpoints: [{ replica: 0, port }] }) }
}

test('through a real deployer: routing, round robin, streaming bodies, errors', async (t) => {
  const { deployer, tmp } = await openDeployer(t)
  const v1 = await deployer.addPackage(await packFixture('valid', tmp))
  await deployer.deploy({ package: v1.digest, replicas: 2, alias: 'stable' })
  const v2 = await deployer.addPackage(await packFixture('valid', `${tmp}/v2`, { version: '2.0.0' }))
  await deployer.deploy({ package: v2.digest, replicas: 2 })
  const { port, records, fallbackHits } = await startGateway(t, { resolve: (n, s) => deployer.resolveTarget(n, s) })

  await t.test('latest, a version and an alias each reach the version they name', async () => {
    for (const [path, version] of [['/models/valid/pid', '2.0.0'], ['/models/valid@latest/pid', '2.0.0'], ['/models/valid@1.0.0/pid', '1.0.0'], ['/models/valid@stable/pid', '1.0.0']] as const) {
      const reply = await send(port, path)
      assert.equal(reply.status, 200, path)
      assert.equal(reply.headers['x-ferry-version'], `valid@${version}`, path)
      assert.equal(typeof reply.json.pid, 'number')
      const replicas = deployer.resolveTarget('valid', version).endpoints.map((e) => e.replica)
      assert.ok(replicas.includes(Number(reply.json.replica)))
    }
  })

  await t.test('the two replicas take turns', async () => {
    const replicas = []
    for (let i = 0; i < 4; i++) replicas.push((await send(port, '/models/valid@1.0.0/pid')).json.replica)
    assert.notEqual(replicas[0], replicas[1])
    assert.deepEqual(replicas.slice(2), replicas.slice(0, 2))
  })

  await t.test('a POST body streams to the model and back', async () => {
    const body = 'x'.repeat(200_000)
    const reply = await send(port, '/models/valid/predict', { method: 'POST', body, headers: { 'content-type': 'text/plain' } })
    assert.equal(reply.status, 200)
    assert.equal(reply.json.echo, body)
    const record = records.at(-1)!
    assert.equal(record.model, 'valid')
    assert.equal(record.version, '2.0.0')
    assert.equal(record.status, 200)
    assert.equal(record.requestBytes, body.length)
    assert.equal(record.responseBytes, Buffer.byteLength(reply.text))
    assert.equal(record.path, '/models/valid/predict')
  })

  await t.test('an unknown model is a 404 listing the models; an unknown version lists the versions', async () => {
    const model = await send(port, '/models/nope/predict')
    assert.equal(model.status, 404)
    assert.equal(model.json.error.code, 'E_MODEL_NOT_FOUND')
    assert.deepEqual(model.json.error.details.models, ['valid'])
    const version = await send(port, '/models/valid@9.9.9/predict')
    assert.equal(version.status, 404)
    assert.equal(version.json.error.code, 'E_VERSION_NOT_FOUND')
    assert.deepEqual(version.json.error.details.versions, ['1.0.0', '2.0.0'])
    assert.match(String(version.headers['x-request-id']), /^[0-9a-f]{32}$/)
  })

  await t.test('path tricks are refused and never reach another route', async () => {
    for (const path of ['/models/valid/../../api/x', '/models/valid/%2e%2e/x', '/models/valid/%2E%2e/%2e%2e/api', '/models/valid/a%2fb', '/models/valid/a%5Cb', '/models/valid/a\\b', '/models/valid/./pid', '/models/valid/a%00b', '/models/../api/x', '/models/valid/%zz']) {
      const reply = await send(port, path)
      assert.equal(reply.status, 400, path)
      assert.equal(reply.json.error.code, 'E_PROXY_PATH_INVALID', path)
    }
    assert.deepEqual(fallbackHits, [])
    assert.equal((await send(port, '/api/x')).status, 404, 'other URLs are left to the next handler')
    assert.deepEqual(fallbackHits, ['/api/x'])
  })

  await t.test('a stopped version answers 503 with Retry-After', async () => {
    await deployer.stop('valid@1.0.0')
    const reply = await send(port, '/models/valid@stable/pid')
    assert.equal(reply.status, 503)
    assert.equal(reply.headers['retry-after'], '5')
    assert.equal(reply.headers['x-ferry-version'], 'valid@1.0.0')
    assert.equal(reply.json.error.code, 'E_NO_READY_INSTANCE')
    assert.equal(records.at(-1)!.status, 503)
  })
})

test('hop-by-hop headers are dropped both ways; request ids and X-Forwarded-* are set', async (t) => {
  const { resolve } = await startStub(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', connection: 'x-up-secret', 'x-up-secret': '1', 'keep-alive': 'timeout=99' })
    res.end(JSON.stringify({ url: req.url, headers: req.headers }))
  })
  const { port } = await startGateway(t, { resolve })
  const kept = await send(port, '/models/stub/echo?q=%20a', { headers: { connection: 'x-secret', 'x-secret': '1', te: 'trailers', 'x-request-id': 'client-id-42', 'x-other': 'kept' } })
  assert.equal(kept.status, 200)
  assert.equal(kept.json.url, '/echo?q=%20a')
  const seen = kept.json.headers
  assert.equal(seen['x-secret'], undefined)
  assert.equal(seen.te, undefined)
  assert.equal(seen['x-other'], 'kept')
  assert.equal(seen['x-request-id'], 'client-id-42')
  assert.equal(seen['x-forwarded-for'], '127.0.0.1')
  assert.equal(seen['x-forwarded-proto'], 'http')
  assert.equal(seen['x-forwarded-host'], `127.0.0.1:${port}`)
  assert.equal(seen['x-forwarded-prefix'], '/models/stub')
  assert.equal(kept.headers['x-request-id'], 'client-id-42')
  assert.equal(kept.headers['x-ferry-version'], 'stub@1.0.0')
  assert.equal(kept.headers['x-up-secret'], undefined)
  assert.equal(kept.headers['keep-alive'] === 'timeout=99', false)

  const made = await send(port, '/models/stub/echo', { headers: { 'x-request-id': 'not sane <script>' } })
  assert.match(String(made.headers['x-request-id']), /^[0-9a-f]{32}$/)
  assert.equal(made.json.headers['x-request-id'], made.headers['x-request-id'])
  const long = await send(port, '/models/stub/echo', { headers: { 'x-request-id': 'a'.repeat(129) } })
  assert.match(String(long.headers['x-request-id']), /^[0-9a-f]{32}$/)
})

test('server-sent events reach the client as they are written', async (t) => {
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  let secondWritten = false
  const { resolve } = await startStub(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    res.write('data: one\n\n')
    void released.then(() => { secondWritten = true; res.end('data: two\n\n') })
  })
  const { port } = await startGateway(t, { resolve })
  const response = await fetch(`http://127.0.0.1:${port}/models/stub/events`)
  assert.equal(response.headers.get('content-type'), 'text/event-stream')
  const reader = response.body!.getReader()
  const first = Buffer.from((await reader.read()).value!).toString()
  assert.equal(first, 'data: one\n\n')
  assert.equal(secondWritten, false, 'the first event arrived before the second was written')
  release()
  let rest = ''
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += Buffer.from(chunk.value).toString()
  assert.equal(rest, 'data: two\n\n')
})

test('a silent instance is a 504, an unreachable one a 502', async (t) => {
  const { resolve } = await startStub(t, () => { /* never answers */ })
  const slow = await startGateway(t, { resolve, upstreamTimeoutMs: 200 })
  const started = Date.now()
  const timedOut = await send(slow.port, '/models/stub/predict', { method: 'POST', body: '{}' })
  assert.equal(timedOut.status, 504)
  assert.equal(timedOut.json.error.code, 'E_UPSTREAM_TIMEOUT')
  assert.equal(timedOut.headers['x-ferry-version'], 'stub@1.0.0')
  assert.ok(Date.now() - started < 5000)
  await waitFor(() => slow.records.length === 1)
  assert.equal(slow.records[0]!.status, 504)

  const closed = createServer()
  const deadPort = await new Promise<number>((resolve) => closed.listen(0, '127.0.0.1', () => resolve((closed.address() as AddressInfo).port)))
  await new Promise((resolve) => closed.close(resolve))
  const refused = await startGateway(t, { resolve: () => ({ version: '1.0.0', ref: 'gone@1.0.0', endpoints: [{ replica: 0, port: deadPort }] }) })
  for (const method of ['GET', 'POST']) {
    const reply = await send(refused.port, '/models/gone/predict', { method, body: method === 'POST' ? '{}' : undefined })
    assert.equal(reply.status, 502, method)
    assert.equal(reply.json.error.code, 'E_UPSTREAM_UNREACHABLE')
    assert.equal(reply.headers['x-ferry-version'], 'gone@1.0.0')
  }
})

test('a WebSocket upgrade is tunnelled to the instance', async (t) => {
  const { server, resolve } = await startStub(t, (_req, res) => { res.writeHead(426); res.end() })
  let seenPath = ''
  server.on('upgrade', (req, socket) => {
    seenPath = req.url!
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
    socket.pipe(socket) // echo
  })
  const { port, records } = await startGateway(t, { resolve })
  const { res, socket } = await new Promise<{ res: IncomingMessage; socket: import('node:net').Socket }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/models/stub/ws?room=1', headers: { connection: 'Upgrade', upgrade: 'websocket' }, agent: false })
    req.on('upgrade', (res, socket) => resolve({ res, socket }))
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)))
    req.on('error', reject)
    req.end()
  })
  assert.equal(res.statusCode, 101)
  assert.equal(res.headers['x-ferry-version'], 'stub@1.0.0')
  assert.equal(seenPath, '/ws?room=1')
  socket.write('ping')
  const echoed = await new Promise<string>((resolve) => socket.once('data', (c: Buffer) => resolve(c.toString())))
  assert.equal(echoed, 'ping')
  socket.destroy()
  await waitFor(() => records.length === 1)
  assert.equal(records[0]!.status, 101)

  const refused = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/models/stub/../x', headers: { connection: 'Upgrade', upgrade: 'websocket' }, agent: false })
    req.on('response', resolve)
    req.on('upgrade', () => reject(new Error('upgraded')))
    req.end()
  })
  assert.equal(refused.statusCode, 400)
  refused.resume()
})

test('an instance that answers before reading the whole body leaves the client connection usable', async (t) => {
  const { resolve } = await startStub(t, (_req, res) => {
    // Refuses at once (as a size or auth check would), without reading the upload.
    res.writeHead(413, { 'content-type': 'application/json' })
    res.end('{"error":"too big"}')
  })
  const gateway = await startGateway(t, { resolve })
  // One raw connection: the whole 100 kB upload, then a second request on the same socket.
  const socket = connect(gateway.port, '127.0.0.1')
  t.after(() => socket.destroy())
  let received = ''
  socket.on('data', (chunk: Buffer) => { received += chunk.toString('latin1') })
  socket.write('POST /models/stub/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n')
  for (let sent = 0; sent < 100_000; sent += 10_000) {
    socket.write(Buffer.alloc(10_000, 97))
    await new Promise((r) => setTimeout(r, 20))
  }
  socket.write('GET /models/stub/health HTTP/1.1\r\nHost: x\r\n\r\n')
  const closed = new Promise<void>((done) => socket.once('close', () => done()))
  // Either both requests are answered on this connection, or the gateway closes it after the first
  // answer (so the client retries elsewhere); what must never happen is silence.
  await waitFor(() => (received.match(/HTTP\/1\.1 \d+/g) ?? []).length === 2 || socket.destroyed || socket.readableEnded, 5000, 'an answer or a close')
  await Promise.race([closed, new Promise((r) => setTimeout(r, 200))])
  const answers = received.match(/HTTP\/1\.1 \d+/g) ?? []
  assert.equal(answers[0], 'HTTP/1.1 413')
  if (answers.length === 1) assert.match(received, /connection: close/i, 'a connection that will not be read further says so')
})
