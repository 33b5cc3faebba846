/**
 * `ferry serve` as a real process: it prints where it listens and where the token is, SIGTERM
 * shuts it down gracefully (instances stopped, exit 0), and the next start brings back what ran.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { test } from 'node:test'
import { findLeftoverProcesses } from '../deployer/_leftover-processes.js'
import { resolveDeployerOptions } from '../deployer/options.js'
import { ferryPath } from '../packager/repo-root.js'
import { packFixture, waitFor } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'

function startServe(dataDir: string) {
  const child = spawn(process.execPath, [ferryPath('bin', 'ferry.js'), 'serve', '--port', '0', '--data', dataDir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const ready = new Promise<{ url: string; tokenSource: string }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line) as { url: string; tokenSource: string }))
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, ready, exited, stderr: () => stderr }
}

test('ferry serve: SIGTERM stops instances and exits 0; the next start brings them back', async (t) => {
  const tmp = await makeTempDir(t, 'ferry-serve-')
  const dataDir = join(tmp, 'data')
  const first = startServe(dataDir)
  t.after(() => first.child.kill('SIGKILL'))
  const { url, tokenSource } = await first.ready
  assert.equal(tokenSource, join(dataDir, 'token'))
  assert.match(first.stderr(), /ferry serving on http:\/\/127\.0\.0\.1:\d+/)
  const token = (await readFile(tokenSource, 'utf8')).trim()
  const auth = { authorization: `Bearer ${token}` }
  const upload = await fetch(`${url}/api/packages`, { method: 'POST', headers: { ...auth, 'content-type': 'application/zip' }, body: await readFile(await packFixture('valid', tmp)) })
  const { digest } = (await upload.json()) as { digest: string }
  const deployed = await fetch(`${url}/api/deployments`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ package: digest }) })
  assert.equal(deployed.status, 201)
  const marker = { key: 'FERRY_HOME_ID', value: resolveDeployerOptions({ dataDir }).homeId }
  assert.equal((await findLeftoverProcesses(marker)).length, 1)

  first.child.kill('SIGTERM')
  assert.equal(await first.exited, 0, first.stderr())
  assert.deepEqual(await findLeftoverProcesses(marker), [], 'SIGTERM stops the instances')

  const second = startServe(dataDir)
  t.after(() => second.child.kill('SIGKILL'))
  const again = await second.ready
  const instance = await waitFor(async () => {
    const list = (await (await fetch(`${again.url}/api/instances`, { headers: auth })).json()) as Array<{ state: string; aliases: string[] }>
    return list[0]?.state === 'ready' ? list[0] : undefined
  }, 15_000, 'the version to run again')
  assert.deepEqual(instance.aliases, ['latest'])
  second.child.kill('SIGTERM')
  assert.equal(await second.exited, 0)
})
