/**
 * Server-sent events from a real gateway: state changes (replayed after a reconnect), a version's
 * log followed live, and every log merged and filtered.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { startGateway } from '../gateway/server.js'
import { FAST, packFixture } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'

interface SseEvent { event: string; id?: string; data: string }

/** Opens an SSE stream and collects events until `until` says stop (or the timeout). */
async function collectSse(url: string, headers: Record<string, string>, until: (events: SseEvent[]) => boolean, onOpen: () => Promise<unknown> = async () => undefined, timeoutMs = 10_000): Promise<SseEvent[]> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  const response = await fetch(url, { headers, signal: controller.signal })
  assert.equal(response.headers.get('content-type')?.split(';')[0], 'text/event-stream')
  const events: SseEvent[] = []
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  const opened = onOpen()
  try {
    while (!until(events)) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += value
      let cut: number
      while ((cut = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, cut)
        buffer = buffer.slice(cut + 2)
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trimStart()]))
        if (fields['data'] !== undefined) events.push({ event: fields['event'] ?? 'message', id: fields['id'], data: fields['data'] })
      }
    }
  } finally {
    clearTimeout(timer)
    controller.abort()
    await opened
  }
  return events
}

test('events stream live and replay from Last-Event-ID; logs follow live and merge with filters', async (t) => {
  const tmp = await makeTempDir(t, 'ferry-streams-')
  const gateway = await startGateway({ port: 0, dataDir: join(tmp, 'data'), env: {}, deployer: FAST })
  t.after(() => gateway.close())
  const auth = { authorization: `Bearer ${gateway.token}` }
  const json = { ...auth, 'content-type': 'application/json' }
  const { digest } = (await (await fetch(`${gateway.url}/api/packages`, { method: 'POST', headers: { ...auth, 'content-type': 'application/zip' }, body: await readFile(await packFixture('valid', tmp)) })).json()) as { digest: string }
  await fetch(`${gateway.url}/api/deployments`, { method: 'POST', headers: json, body: JSON.stringify({ package: digest }) })

  const replay = await collectSse(`${gateway.url}/api/events`, { ...auth, 'last-event-id': '0' }, (events) => events.some((e) => e.event === 'deploy'))
  assert.deepEqual(replay.filter((e) => e.event === 'state').map((e) => (JSON.parse(e.data) as { state: string }).state), ['installing', 'starting', 'ready'])
  const lastId = replay.at(-1)!.id!

  const live = await collectSse(`${gateway.url}/api/events`, { ...auth, 'last-event-id': lastId }, (events) => events.some((e) => e.event === 'state' && (JSON.parse(e.data) as { state: string }).state === 'stopped'),
    () => fetch(`${gateway.url}/api/instances/valid@1.0.0/stop`, { method: 'POST', headers: auth }))
  assert.ok(live.every((e) => Number(e.id) > Number(lastId)), 'nothing replayed twice')

  const follow = await collectSse(`${gateway.url}/api/instances/valid@1.0.0/logs?follow=1&tail=5`, auth, (events) => events.filter((e) => (JSON.parse(e.data) as { line: string }).line.includes('valid model on')).length >= 2,
    () => fetch(`${gateway.url}/api/instances/valid@1.0.0/start`, { method: 'POST', headers: auth }))
  assert.ok(follow.length >= 2)

  const merged = (await (await fetch(`${gateway.url}/api/logs?model=valid&stream=stdout`, { headers: auth })).json()) as Array<{ source: string; stream: string; time: string }>
  assert.ok(merged.length >= 2)
  assert.ok(merged.every((e) => e.source === 'valid@1.0.0' && e.stream === 'stdout'))
  assert.deepEqual(merged.map((e) => e.time), [...merged.map((e) => e.time)].sort(), 'ordered by time')
  const bad = await fetch(`${gateway.url}/api/logs?stream=nonsense`, { headers: auth })
  assert.equal(bad.status, 400)
})
