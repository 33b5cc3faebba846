/**
 * Models run sandboxed, on a real `ferry serve`: a hostile package tries every escape (the
 * server's environment, the data directory, the admin token, tracking.key, another model's
 * files, writing outside its home, signalling the server, a fork bomb) and each is refused, while
 * what it may do (its home, its /tmp, its own files) works. Plus `--sandbox bwrap|auto|none`.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { detectSandbox } from '../deployer/sandbox/index.js'
import { ferryPath } from '../packager/repo-root.js'
import { makeTempDir, runFerry } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

const status = await detectSandbox('auto', { PATH: process.env['PATH'] ?? '/usr/bin:/bin' })
const SKIP = status.mode !== 'bwrap' && `bubblewrap is not usable here: ${status.warning}`

interface Attempt { escaped: boolean; detail: string }

test('a hostile model finds every escape refused, and the server and other models unharmed', { skip: SKIP }, async (t) => {
  const ferry = await startFerryServe(t)
  const ready = await (await fetch(`${ferry.url}/ready`)).json() as { sandbox: { mode: string; warning: string | null } }
  assert.deepEqual([ready.sandbox.mode, ready.sandbox.warning], ['bwrap', null])
  await ferry.deployFolder(ferryPath('examples', 'echo'))
  const hostile = await ferry.deployFolder(ferryPath('test', 'fixtures', 'packages', 'hostile'))
  const other = join(ferry.dataDir, 'instances', 'echo', '1.0.0', 'app')
  const query = new URLSearchParams({ serverPid: String(ferry.child.pid), dataDir: ferry.dataDir, other })
  const res = await fetch(`${ferry.url}/models/hostile/escape?${query}`)
  assert.equal(res.status, 200)
  const { attempts, allowed } = await res.json() as { attempts: Record<string, Attempt>; allowed: Attempt }
  const expected = ['readServerEnviron', 'listDataDir', 'readToken', 'readTrackingKey', 'readStateDb', 'readOtherModel', 'readOtherModelByRelativePath', 'writeOwnApp', 'writeDataDir', 'writeSystem', 'writeEtc', 'signalServer', 'seeOtherProcesses']
  assert.deepEqual(Object.keys(attempts).sort(), [...expected].sort())
  // The data directory's path exists in the sandbox, empty but for the way to its own app/.
  assert.deepEqual(attempts['listDataDir'], { escaped: true, detail: 'instances' }, 'nothing of the data directory but the path to its own folder')
  for (const [name, attempt] of Object.entries(attempts)) if (name !== 'listDataDir') assert.equal(attempt.escaped, false, `${name} got through: ${attempt.detail}`)
  assert.equal(attempts['readToken']!.detail, 'ENOENT', 'the data directory is not there at all')
  assert.equal(attempts['signalServer']!.detail, 'ESRCH', 'the server is not even visible')
  assert.equal(attempts['writeOwnApp']!.detail, 'EROFS', 'its own files are read-only')
  assert.equal(allowed.escaped, true, `its home and /tmp are writable: ${allowed.detail}`)
  const me = JSON.parse(allowed.detail) as { home: string; tmp: string; own: boolean; uid: number }
  assert.deepEqual([me.home, me.tmp, me.own], ['mine', 'mine', true])
  if (status.ownUser) assert.ok(me.uid >= 0x4000_0000, `runs as its own unprivileged user, not ${me.uid}`)

  const info = await (await ferry.api(`/api/instances/${hostile.ref}`)).json() as { sandbox: { mode: string; uid: number | null; limits: { processes: { value: number; enforcedAs: string | null } } } }
  assert.equal(info.sandbox.mode, 'bwrap')
  assert.equal(info.sandbox.limits.processes.value, 48)
  if (status.ownUser) assert.match(info.sandbox.limits.processes.enforcedAs ?? '', /RLIMIT_NPROC/)

  const bomb = await (await fetch(`${ferry.url}/models/hostile/fork-bomb`, { method: 'POST' })).json() as { started: number; refused: string | null }
  if (status.ownUser) {
    assert.equal(bomb.refused, 'EAGAIN', `the process limit stopped it after ${bomb.started}`)
    assert.ok(bomb.started < 48, `${bomb.started} processes, fewer than the limit of 48`)
  }
  assert.equal((await fetch(`${ferry.url}/models/hostile/health`)).status, 200, 'the hostile model itself survived')
  assert.equal((await fetch(`${ferry.url}/health`)).status, 200, 'the server is alive')
  const echo = await fetch(`${ferry.url}/models/echo/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"still":"here"}' })
  assert.equal(echo.status, 200, 'the other model answers')
})

test('--sandbox bwrap refuses to start without bubblewrap, with its code; a bad value too', async (t) => {
  const empty = await makeTempDir(t, 'ferry-no-bwrap-')
  const refused = await runFerry(['serve', '--port', '0', '--data', join(empty, 'data'), '--sandbox', 'bwrap', '--json'], { env: { PATH: empty } })
  assert.equal(refused.code, 1, refused.stderr)
  const { error } = JSON.parse(refused.stdout) as { error: { code: string; message: string } }
  assert.equal(error.code, 'E_SANDBOX_UNAVAILABLE')
  assert.match(error.message, /bubblewrap \(bwrap\) is not installed/)
  const bad = await runFerry(['serve', '--port', '0', '--data', join(empty, 'data'), '--sandbox', 'docker', '--json'])
  assert.equal(bad.code, 1)
  assert.equal((JSON.parse(bad.stdout) as { error: { code: string } }).error.code, 'E_SANDBOX_MODE_INVALID')
  const byEnv = await runFerry(['serve', '--port', '0', '--data', join(empty, 'data'), '--json'], { env: { FERRY_SANDBOX: 'docker' } })
  assert.equal((JSON.parse(byEnv.stdout) as { error: { code: string } }).error.code, 'E_SANDBOX_MODE_INVALID', 'FERRY_SANDBOX is read too')
})

test('--sandbox auto without bubblewrap starts with one warning line, also in /ready; none warns of nothing', async (t) => {
  const empty = await makeTempDir(t, 'ferry-no-bwrap-')
  const ferry = await startFerryServe(t, { env: { PATH: empty } })
  const warnings = ferry.stderr().split('\n').filter((line) => line.includes('warning'))
  assert.equal(warnings.length, 1, ferry.stderr())
  assert.match(warnings[0]!, /models run without a sandbox: bubblewrap \(bwrap\) is not installed; install it \(Debian\/Ubuntu: apt-get install bubblewrap\)/)
  const ready = await (await fetch(`${ferry.url}/ready`)).json() as { sandbox: { requested: string; mode: string; warning: string | null } }
  assert.deepEqual([ready.sandbox.requested, ready.sandbox.mode], ['auto', 'none'])
  assert.match(ready.sandbox.warning ?? '', /not installed/)
  const deployed = await ferry.deployFolder(ferryPath('examples', 'echo'))
  assert.equal(deployed.state, 'ready', 'models still run, unsandboxed')

  const none = await startFerryServe(t, { args: ['--sandbox', 'none'] })
  assert.doesNotMatch(none.stderr(), /warning/)
  const noneReady = await (await fetch(`${none.url}/ready`)).json() as { sandbox: { mode: string; warning: string | null } }
  assert.deepEqual([noneReady.sandbox.mode, noneReady.sandbox.warning], ['none', null])
})
