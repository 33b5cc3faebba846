/**
 * `ferry serve` as a real process: it prints where it listens and where the token is, SIGTERM
 * shuts it down gracefully (instances stopped, exit 0), and the next start brings back what ran.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { findLeftoverProcesses } from '../deployer/_leftover-processes.js'
import { resolveDeployerOptions } from '../deployer/options.js'
import { ferryPath } from '../packager/repo-root.js'
import { packFixture, waitFor } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

test('ferry serve: SIGTERM stops instances and exits 0; the next start brings them back', async (t) => {
  const tmp = await makeTempDir(t, 'ferry-serve-')
  const dataDir = join(tmp, 'data')
  const first = await startFerryServe(t, { dataDir })
  const { url, tokenSource } = first
  assert.equal(tokenSource, join(dataDir, 'token'))
  assert.match(first.stderr(), /ferry serving on http:\/\/127\.0\.0\.1:\d+/)
  const token = (await readFile(tokenSource, 'utf8')).trim()
  const auth = { authorization: `Bearer ${token}` }
  const upload = await fetch(`${url}/api/packages`, { method: 'POST', headers: { ...auth, 'content-type': 'application/zip' }, body: await readFile(await packFixture('valid', tmp)) })
  const { digest } = (await upload.json()) as { digest: string }
  const deployed = await fetch(`${url}/api/deployments`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ package: digest }) })
  assert.equal(deployed.status, 201)
  const marker = { key: 'FERRY_HOME_ID', value: resolveDeployerOptions({ dataDir }).homeId }
  assert.equal(new Set((await findLeftoverProcesses(marker)).map((p) => p.pgid)).size, 1, 'one replica: one process group (a sandbox holds a few processes)')

  assert.equal(await first.stop(), 0, first.stderr())
  assert.deepEqual(await findLeftoverProcesses(marker), [], 'SIGTERM stops the instances')

  const again = await startFerryServe(t, { dataDir })
  const instance = await waitFor(async () => {
    const list = (await (await fetch(`${again.url}/api/instances`, { headers: auth })).json()) as Array<{ state: string; aliases: string[] }>
    return list[0]?.state === 'ready' ? list[0] : undefined
  }, 15_000, 'the version to run again')
  assert.deepEqual(instance.aliases, ['latest'])
  assert.equal(await again.stop(), 0)
})

test('ferry serve: SIGTERM with the console open ends its event stream cleanly and exits 0', async (t) => {
  const served = await startFerryServe(t)
  const events = await served.api('/api/events')
  assert.equal(events.status, 200)
  assert.match(events.headers.get('content-type') ?? '', /text\/event-stream/)
  const reader = events.body!.getReader()
  await reader.read()
  const stopped = served.stop()
  // The stream is ended by the server as it shuts down, not cut when the drain gives up (a reset).
  for (;;) {
    const { done } = await reader.read()
    if (done) break
  }
  assert.equal(await stopped, 0, served.stderr())
  assert.doesNotMatch(served.stderr(), /forced|closing \d+ connections/i)
})

test('ferry serve: a closed stdout (its reader went away) neither stops the server nor fails its exit', async (t) => {
  const served = await startFerryServe(t)
  served.child.stdout!.destroy()
  assert.equal((await served.api('/api/instances')).status, 200)
  // Shutting down writes the final result to stdout: with no reader that is EPIPE, which used to end it with a stack trace and exit 1.
  assert.equal(await served.stop(), 0, served.stderr())
  assert.doesNotMatch(served.stderr(), /EPIPE|internal error/)
})

test('ferry logs -f ends quietly with exit 0 once its reader goes away (`ferry logs -f | head`)', { timeout: 60_000 }, async (t) => {
  const served = await startFerryServe(t)
  await served.deployFolder(ferryPath('examples', 'echo'))
  const follow = spawn(process.execPath, [ferryPath('bin', 'ferry.js'), 'logs', 'echo@1.0.0', '-f', '--gateway', served.url, '--token', served.token], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { if (follow.exitCode === null) follow.kill('SIGKILL') })
  let stderr = ''
  follow.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = once(follow, 'exit') as Promise<[number | null, string | null]>
  await once(follow.stdout, 'data') // the tail it prints first
  follow.stdout.destroy()
  // New lines to write into the closed pipe: the replica restarted says "echo listening" again.
  for (let i = 0; i < 3 && follow.exitCode === null; i++) {
    assert.equal((await served.api('/api/instances/echo@1.0.0/restart', { method: 'POST' })).status < 300, true)
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))])
  }
  const [code] = await Promise.race([exited, new Promise<[null, null]>((resolve) => setTimeout(() => resolve([null, null]), 10_000))])
  assert.equal(code, 0, `still following, or not a quiet end: ${stderr}`)
  assert.doesNotMatch(stderr, /interrupted|EPIPE|internal error/)
})
