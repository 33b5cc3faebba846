/** The end-to-end helper itself: a real server deploys examples/echo from its folder and proxies to it. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { startFerryServe } from './_serve-helpers.js'

test('startFerryServe + deployFolder: examples/echo answers through the gateway', async (t) => {
  const ferry = await startFerryServe(t)
  const instance = await ferry.deployFolder(ferryPath('examples', 'echo'))
  assert.equal(instance.state, 'ready')
  const res = await fetch(`${ferry.url}/models/echo/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
  assert.deepEqual(await res.json(), { echo: { a: 1 } })
  assert.equal(await ferry.stop(), 0)
})
