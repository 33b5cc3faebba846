/**
 * Killing the server loses nothing acknowledged: after SIGKILL and a new start, every version that
 * should run runs again under the same version and aliases, and the processes the dead server left
 * behind (unsandboxed; sandboxed ones die with it) are found and stopped, not duplicated.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { test } from 'node:test'
import { findLeftoverProcesses, stopProcessGroups } from '../deployer/_leftover-processes.js'
import { resolveDeployerOptions } from '../deployer/options.js'
import { ferryPath } from '../packager/repo-root.js'
import { isProcessRunning, packFixture } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'
import type { InstanceInfo, ModelInfo } from '../deployer/index.js'
import { detectSandbox } from '../deployer/sandbox/index.js'
import { waitForProcessGone } from './launcher.contract.js'

interface HostReport { instances: InstanceInfo[]; models: ModelInfo[] }

/** Starts a deployer host and resolves with its first report. */
function startHost(dataDir: string, zip: string | undefined, sandbox: string): Promise<{ host: ChildProcess; report: HostReport }> {
  const host = spawn(process.execPath, [ferryPath('test', 'fixtures', 'programs', 'deployer-host.js'), dataDir, ...(zip ? [zip] : [])], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FERRY_SANDBOX: sandbox } })
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: host.stdout! })
    lines.once('line', (line) => resolve({ host, report: JSON.parse(line) as HostReport }))
    host.once('exit', (code) => reject(new Error(`host exited with ${code} before reporting`)))
  })
}

const sandboxed = (await detectSandbox('auto', { PATH: process.env['PATH'] ?? '/usr/bin:/bin' })).mode === 'bwrap'

for (const sandbox of ['none', 'bwrap']) {
test(`after SIGKILL of the server, a new start brings back the same versions and aliases and stops the orphans (--sandbox ${sandbox})`, { skip: sandbox === 'bwrap' && !sandboxed && 'bubblewrap is not usable here' }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-restart-')
  const dataDir = join(tmp, 'data')
  const marker = { key: 'FERRY_HOME_ID', value: resolveDeployerOptions({ dataDir }).homeId }
  t.after(async () => stopProcessGroups((await findLeftoverProcesses(marker)).map((p) => p.pgid), 500))

  const first = await startHost(dataDir, await packFixture('valid', tmp), sandbox)
  const before = first.report.instances[0]!
  assert.equal(before.state, 'ready')
  const oldPids = before.replicas.map((r) => r.pid!)
  first.host.kill('SIGKILL')
  await new Promise((resolve) => first.host.once('exit', resolve))
  // Unsandboxed, the replicas outlive the killed server and the next start stops them; in bubblewrap
  // (--die-with-parent) they die with it.
  if (sandbox === 'none') for (const pid of oldPids) assert.ok(await isProcessRunning(pid), 'the replicas outlived the killed server')
  else for (const pid of oldPids) assert.ok(await waitForProcessGone(pid, 5000), 'the sandboxed replicas died with the server')

  const second = await startHost(dataDir, undefined, sandbox)
  t.after(() => { second.host.kill('SIGKILL') })
  const after = second.report.instances[0]!
  assert.equal(after.ref, 'valid@1.0.0')
  assert.equal(after.state, 'ready')
  assert.deepEqual(after.aliases, ['latest'])
  assert.equal(after.replicas.length, 2)
  assert.deepEqual(second.report.models, first.report.models.map((m) => ({ ...m, versions: m.versions })))
  for (const pid of oldPids) assert.equal(await isProcessRunning(pid), false, `orphan ${pid} was stopped`)
  const running = await findLeftoverProcesses(marker)
  // Each replica is one process group (a sandbox holds a few processes, all marked).
  assert.deepEqual([...new Set(running.map((p) => p.pgid))].sort(), after.replicas.map((r) => r.pid!).sort(), 'exactly the new replicas run: nothing duplicated')

  second.host.kill('SIGTERM')
  await new Promise((resolve) => second.host.once('exit', resolve))
  assert.deepEqual(await findLeftoverProcesses(marker), [], 'a clean shutdown stops every replica')
})
}
