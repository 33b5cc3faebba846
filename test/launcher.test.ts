/**
 * The child-process launcher against the launcher contract, plus what only it promises: its
 * name, a pid that leads its own process group, and ports from the port pool.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { test } from 'node:test'
import { createChildProcessLauncher } from '../deployer/child-process-launcher.js'
import { getFreePort } from '../deployer/port-pool.js'
import { fixtureSpec, readLines, runLauncherContract } from './launcher.contract.js'

runLauncherContract('child-process', createChildProcessLauncher)

test('the child-process launcher is named and puts each process in its own group', { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
  const launcher = createChildProcessLauncher()
  assert.equal(launcher.name, 'child-process')
  const child = await launcher.launch(fixtureSpec('print-env.js'))
  t.after(() => child.stop(200))
  await readLines(child.stdout).next()
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8')
  const [, , pgid, sid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  assert.equal(Number(pgid), child.pid, 'process group leader')
  assert.equal(Number(sid), child.pid, 'session leader, so no terminal signal reaches it')
})

test('getFreePort hands out distinct ports that can be listened on', async (t) => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => getFreePort()))
  assert.equal(new Set(ports).size, ports.length, 'no port twice')
  for (const port of ports) assert.ok(Number.isInteger(port) && port > 0 && port < 65536)
  const server = createServer()
  t.after(() => server.close())
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(ports[0], '127.0.0.1', resolve)
  })
})

test('getFreePort rejects when nothing can listen on the host', async () => {
  await assert.rejects(getFreePort('192.0.2.1'), { code: 'EADDRNOTAVAIL' })
})
