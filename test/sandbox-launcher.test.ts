/**
 * The bubblewrap launcher against the launcher contract (the same one the child-process launcher
 * passes), plus what only it promises: its own PID namespace, an unprivileged user when the
 * server is root, no capabilities, and processes killed with the server.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { createChildProcessLauncher } from '../deployer/child-process-launcher.js'
import { createSandboxedLauncher, detectSandbox } from '../deployer/sandbox/index.js'
import { fixtureSpec, readLines, runLauncherContract, toHostPid, waitForProcessGone } from './launcher.contract.js'
import { ferryPath } from '../packager/repo-root.js'

const sandbox = await detectSandbox('auto', { PATH: '/usr/local/bin:/usr/bin:/bin' })
const SKIP = sandbox.mode !== 'bwrap' && `bubblewrap is not usable here: ${sandbox.warning}`
const NOBODY = 65534
const makeLauncher = () => createSandboxedLauncher(createChildProcessLauncher(), { tools: sandbox.tools!, system: sandbox.system, ...(sandbox.ownUser ? { defaultUid: NOBODY } : {}) })

if (!SKIP) runLauncherContract('bwrap', makeLauncher, { leaderOutlivesHelpers: true })

test('a sandboxed process has its own PID namespace, no capabilities, and an unprivileged user under root', { skip: SKIP }, async (t) => {
  const launcher = makeLauncher()
  assert.equal(launcher.name, 'bwrap+child-process')
  const code = `const fs = require('node:fs'); const s = fs.readFileSync('/proc/self/status', 'utf8');
console.log(JSON.stringify({ pid: process.pid, uid: process.getuid(), procs: fs.readdirSync('/proc').filter((n) => /^\\d+$/.test(n)).length,
  capEff: /CapEff:\\s+(\\w+)/.exec(s)[1], noNewPrivs: /NoNewPrivs:\\s+(\\d)/.exec(s)[1], host: require('node:os').hostname() })); setInterval(() => {}, 1000)`
  const child = await launcher.launch({ command: process.execPath, args: ['-e', code], cwd: ferryPath('test', 'fixtures'), env: {} })
  t.after(() => child.stop(200))
  const seen = JSON.parse(await readLines(child.stdout).next()) as { pid: number; uid: number; procs: number; capEff: string; noNewPrivs: string; host: string }
  assert.ok(seen.pid <= 3, `pid ${seen.pid} in its own namespace`)
  assert.ok(seen.procs <= 3, `it sees ${seen.procs} processes: bwrap's init, the wrapper, itself`)
  assert.equal(Number.parseInt(seen.capEff, 16), 0, 'no capabilities')
  assert.equal(seen.noNewPrivs, '1', 'no-new-privs: setuid programs cannot raise it')
  assert.equal(seen.host, 'ferry-sandbox', 'its own UTS namespace')
  if (sandbox.ownUser) assert.equal(seen.uid, NOBODY, 'root runs models as an unprivileged user')
  assert.notEqual(await toHostPid(child.pid, seen.pid), seen.pid, 'the host knows it by another number')
})

test('killing the server (SIGKILL) takes every sandboxed process with it', { skip: SKIP }, async (t) => {
  // A stand-in server: a node process that launches a sandboxed grandchild-spawning program, then is killed.
  const script = `
    const { createChildProcessLauncher } = await import(${JSON.stringify(ferryPath('dist', 'deployer', 'child-process-launcher.js'))})
    const { createSandboxedLauncher, detectSandbox } = await import(${JSON.stringify(ferryPath('dist', 'deployer', 'sandbox', 'index.js'))})
    const s = await detectSandbox('bwrap', { PATH: '/usr/bin:/bin' })
    const launcher = createSandboxedLauncher(createChildProcessLauncher(), { tools: s.tools, system: s.system, ...(s.ownUser ? { defaultUid: 65534 } : {}) })
    const child = await launcher.launch({ command: process.execPath, args: [${JSON.stringify(ferryPath('test', 'fixtures', 'programs', 'spawns-child.js'))}, '--ignore-term'], cwd: ${JSON.stringify(ferryPath())}, env: {} })
    child.stdout.once('data', (line) => process.stdout.write(JSON.stringify({ group: child.pid, line: String(line).trim() }) + '\\n'))`
  const server = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => server.kill('SIGKILL'))
  const { group, line } = JSON.parse(await readLines(server.stdout!).next()) as { group: number; line: string }
  const reported = JSON.parse(line) as { pid: number; childPid: number }
  const [pid, childPid] = [await toHostPid(group, reported.pid), await toHostPid(group, reported.childPid)]
  assert.notEqual(childPid, reported.childPid, 'found on the host')
  server.kill('SIGKILL')
  assert.ok(await waitForProcessGone(group, 5000), 'bwrap is gone')
  assert.ok(await waitForProcessGone(pid, 5000), 'the model is gone')
  assert.ok(await waitForProcessGone(childPid, 5000), 'its helper (which ignores SIGTERM) is gone')
})
