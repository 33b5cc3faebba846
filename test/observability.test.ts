/**
 * The merged API document's cache (gateway/observability.ts): rebuilt after an event that can
 * change it, reading each running replica's own document once, not once per rebuild.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import type { Deployer, EventRecord } from '../deployer/index.js'
import { createObservability } from '../gateway/observability.js'

/** An instance's own server: counts the reads of its /openapi.json; answers 500 while `failing`. */
async function instanceServer(t: TestContext, path: string): Promise<{ port: number; reads: () => number; failing: { on: boolean } }> {
  let reads = 0
  const failing = { on: false }
  const server: Server = createServer((req, res) => {
    if (req.url !== '/openapi.json') return void res.writeHead(404).end()
    reads += 1
    if (failing.on) return void res.writeHead(500).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ openapi: '3.1.0', info: { title: 'm', version: '1' }, paths: { [path]: { get: { summary: 'x', responses: { 200: { description: 'ok' } } } } } }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { port: (server.address() as AddressInfo).port, reads: () => reads, failing }
}

/** The part of a Deployer the observability reads: one ready version on `port()`. */
function fakeDeployer(port: () => number): { deployer: Deployer; emit(event: Partial<EventRecord>): void } {
  const listeners = new Set<(event: EventRecord) => void>()
  const descriptor = { name: 'm', version: '1.0.0', api: { health: '/health', openapi: '/openapi.json' } }
  const deployer = {
    onEvent(listener: (event: EventRecord) => void) { listeners.add(listener); return () => listeners.delete(listener) },
    list: () => [{ name: 'm', version: '1.0.0', state: 'ready', aliases: ['latest'] }],
    resolveTarget: () => ({ descriptor, endpoints: [{ replica: 0, host: '127.0.0.1', port: port() }] }),
  } as unknown as Deployer
  return { deployer, emit: (event) => { for (const listener of listeners) listener({ name: 'm', version: '1.0.0', ...event } as EventRecord) } }
}

test('the merged document is rebuilt after an event, and a replica\'s own document is read once while it runs', async (t) => {
  const first = await instanceServer(t, '/first')
  const second = await instanceServer(t, '/second')
  let port = first.port
  const { deployer, emit } = fakeDeployer(() => port)
  const observability = createObservability(deployer, '0.0.0')
  t.after(() => observability.close())

  const before = await observability.openApi()
  assert.ok(before.paths['/models/m@1.0.0/first'], Object.keys(before.paths).join(' '))
  assert.equal(await observability.openApi(), before, 'no event: the same document')

  emit({ type: 'alias' })
  const rebuilt = await observability.openApi()
  assert.notEqual(rebuilt, before, 'an alias event rebuilds it')
  assert.ok(rebuilt.paths['/models/m@1.0.0/first'])
  assert.equal(first.reads(), 1, 'the rebuild did not ask the running replica again')

  port = second.port // the replica restarted on another port
  emit({ type: 'restart' })
  assert.ok((await observability.openApi()).paths['/models/m@1.0.0/second'])
  assert.equal(second.reads(), 1)

  second.failing.on = true
  port = first.port
  emit({ type: 'restart' })
  first.failing.on = true
  assert.equal((await observability.openApi()).paths['/models/m@1.0.0/first'], undefined, 'a failed read leaves the version undocumented')
  first.failing.on = false
  emit({ type: 'state' })
  assert.ok((await observability.openApi()).paths['/models/m@1.0.0/first'], 'and is tried again at the next rebuild')
  assert.equal(first.reads(), 3)
})
