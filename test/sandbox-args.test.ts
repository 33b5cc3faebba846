/**
 * Unit tests of the sandbox's pieces: the bwrap command line (what is bound where, in what order,
 * the user drop, the limits, the environment kept exact), the limits' defaults and report, the
 * per-version user, and the resolution of --sandbox (explicit → FERRY_SANDBOX → auto).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Descriptor } from '../descriptors/descriptor.js'
import { resolveDeployerOptions } from '../deployer/options.js'
import { buildBwrapArgs, describeLimits, reportLimits, resolveLimits, sandboxUid, SANDBOX_UID_BASE, type SandboxTools } from '../deployer/sandbox/index.js'
import { FerryError } from '../packager/ferry-error.js'

const TOOLS: SandboxTools = { bwrap: '/usr/bin/bwrap', setpriv: '/usr/bin/setpriv', prlimit: '/usr/bin/prlimit', env: '/usr/bin/env', sh: '/usr/bin/sh' }
const APP = '/srv/ferry/instances/echo/1.0.0/app'
const HOME = '/srv/ferry/instances/echo/1.0.0/home'
const spec = { command: '/usr/bin/node', args: ['server.js', '--flag'], cwd: APP, env: { PORT: '4000' } }

/** The value after each occurrence of `flag` (pairs such as --ro-bind SRC DEST give SRC). */
function after(argv: string[], flag: string, width = 1): string[][] {
  return argv.flatMap((a, i) => (a === flag ? [argv.slice(i + 1, i + 1 + width)] : []))
}

test('the command line: namespaces, system read-only, app read-only, home writable, nothing else of the data directory', () => {
  const argv = buildBwrapArgs({ spec, sandbox: { readOnly: [APP], writable: [HOME] }, tools: TOOLS, system: [{ kind: 'symlink', path: '/bin', target: 'usr/bin' }, { kind: 'dir', path: '/lib64' }], grace: false })
  assert.equal(argv[0], '/usr/bin/bwrap')
  for (const flag of ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent']) assert.ok(argv.includes(flag), flag)
  assert.ok(!argv.includes('--unshare-net'), 'loopback is shared: the model listens on 127.0.0.1 and reaches the gateway')
  assert.ok(!argv.includes('--new-session'), 'the sandbox stays in the process group the launcher signals')
  assert.deepEqual(after(argv, '--ro-bind', 2), [['/usr', '/usr'], ['/lib64', '/lib64'], [APP, APP]])
  assert.deepEqual(after(argv, '--bind', 2), [[HOME, HOME]], 'the only writable path (with /tmp and /dev/shm, private tmpfs)')
  assert.deepEqual(after(argv, '--symlink', 2), [['usr/bin', '/bin']])
  assert.deepEqual(after(argv, '--tmpfs'), [['/dev/shm'], ['/tmp']])
  assert.ok(after(argv, '--ro-bind-try', 2).every(([from, to]) => from === to && from!.startsWith('/etc/')), 'only chosen files of /etc')
  const sources = [...after(argv, '--ro-bind', 2), ...after(argv, '--bind', 2), ...after(argv, '--ro-bind-try', 2)].map(([from]) => from!)
  assert.ok(!sources.some((from) => from === '/srv/ferry' || from.endsWith('/token') || from.endsWith('tracking.key')), 'the data directory itself is never bound')
  assert.deepEqual(after(argv, '--dir'), [['/etc'], ['/srv'], ['/srv/ferry'], ['/srv/ferry/instances'], ['/srv/ferry/instances/echo'], ['/srv/ferry/instances/echo/1.0.0']], 'the path to app/ is made 0755, empty')
  assert.deepEqual(after(argv, '--chdir'), [[APP]])
  assert.deepEqual(after(argv, '--cap-drop'), [['ALL']])
  assert.ok(!argv.includes('--cap-add') && !argv.includes(TOOLS.setpriv), 'no user to drop to: no setpriv, no capability kept')
  assert.deepEqual(argv.slice(argv.indexOf('--')), ['--', '/usr/bin/env', '--default-signal', '-u', 'PWD', '/usr/bin/node', 'server.js', '--flag'])
})

test('as root: the user is dropped with setpriv, limits are set with prlimit, replicas get the grace wrapper', () => {
  const argv = buildBwrapArgs({ spec: { ...spec, env: { PWD: '/x' } }, sandbox: { readOnly: [APP], writable: [HOME], uid: 1234567, gid: 1234567, limits: { openFiles: 256, processes: 48, memoryBytes: 64 * 1024 * 1024 } }, tools: TOOLS, system: [], grace: true })
  assert.deepEqual(after(argv, '--cap-add'), [['CAP_SETUID'], ['CAP_SETGID'], ['CAP_SETPCAP']], 'only what setpriv needs, which it then drops')
  const inner = argv.slice(argv.indexOf('--') + 1)
  assert.deepEqual(inner.slice(0, 8), ['/usr/bin/setpriv', '--reuid=1234567', '--regid=1234567', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--'])
  assert.deepEqual(inner.slice(8, 13), ['/usr/bin/prlimit', '--nofile=256:256', '--nproc=48:48', `--data=${64 * 1024 * 1024}:${64 * 1024 * 1024}`, '--'])
  assert.deepEqual(inner.slice(13, 16), ['/usr/bin/env', '--default-signal', '/usr/bin/sh'])
  assert.match(inner[17]!, /trap "stopping=1" TERM/)
  assert.deepEqual(inner.slice(-6), ['/usr/bin/env', '--default-signal', 'PWD=/x', '/usr/bin/node', 'server.js', '--flag'], 'a PWD the spec sets is kept')
})

test('a writable folder is bound after the read-only ones, so it stays writable inside them', () => {
  const argv = buildBwrapArgs({ spec, sandbox: { readOnly: [APP], writable: [`${APP}/cache`] }, tools: TOOLS, system: [], grace: false })
  assert.ok(argv.lastIndexOf('--bind') > argv.lastIndexOf('--ro-bind'))
})

test('limits: defaults, the descriptor\'s values, and where each is enforced', () => {
  const none = { runtime: { type: 'node', entry: 'server.js' } } as unknown as Descriptor
  assert.deepEqual(resolveLimits(none), { openFiles: 4096, processes: 1024, memoryBytes: undefined })
  const asked = { ...none, resources: { limits: { openFiles: 100, processes: 20, memoryMb: 256 } } } as Descriptor
  const limits = resolveLimits(asked)
  assert.deepEqual(limits, { openFiles: 100, processes: 20, memoryBytes: 256 * 1024 * 1024 })
  const sandboxed = reportLimits(limits, { sandboxed: true, ownUser: true })
  assert.match(describeLimits(sandboxed), /^open files 100 \(RLIMIT_NOFILE per process\), processes 20 \(RLIMIT_NPROC of the version's user\), memory 256 MiB \(RLIMIT_DATA per process/)
  assert.equal(reportLimits(limits, { sandboxed: true, ownUser: false }).processes.enforcedAs, null, 'without an own user the process count cannot be limited per version')
  assert.match(describeLimits(reportLimits(limits, { sandboxed: false, ownUser: false })), /open files 100 \(NOT enforced\), processes 20 \(NOT enforced\), memory 256 MiB \(NOT enforced\)/)
})

test('each version of each data directory gets its own user, the same every time', () => {
  const a = sandboxUid('home-a', 'echo@1.0.0')
  assert.equal(sandboxUid('home-a', 'echo@1.0.0'), a)
  assert.notEqual(sandboxUid('home-a', 'echo@1.0.1'), a)
  assert.notEqual(sandboxUid('home-b', 'echo@1.0.0'), a)
  assert.ok(a >= SANDBOX_UID_BASE && a < SANDBOX_UID_BASE + 2 ** 24 && a < 2 ** 31)
})

test('--sandbox resolves once: explicit, then FERRY_SANDBOX, then auto; anything else is refused with its code', () => {
  assert.equal(resolveDeployerOptions({ env: {} }).sandbox, 'auto')
  assert.equal(resolveDeployerOptions({ env: { FERRY_SANDBOX: 'none' } }).sandbox, 'none')
  assert.equal(resolveDeployerOptions({ env: { FERRY_SANDBOX: 'none' }, sandbox: 'bwrap' }).sandbox, 'bwrap')
  assert.throws(() => resolveDeployerOptions({ env: { FERRY_SANDBOX: 'docker' } }), (error: unknown) => error instanceof FerryError && error.code === 'E_SANDBOX_MODE_INVALID' && error.status === 400)
})
