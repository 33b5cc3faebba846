/**
 * Faults of the machine are the user's to fix, not Ferry bugs (issue 10): a full disk during an
 * upload or a database write, and a read-only data directory at start, each answered with a
 * stable code and a hint (E_DISK_FULL, E_READ_ONLY), never E_INTERNAL, exit 70 or a stack.
 * Real file systems: a small tmpfs (full) and the same tmpfs remounted read-only; this needs root
 * (CI runs as root), and is skipped where mounting is not allowed.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { startGateway } from '../gateway/server.js'
import { FAST, packVariant } from './_deployer-helpers.js'
import { makeTempDir, runFerry } from './_helpers.js'

function canMount(): boolean {
  if (process.getuid?.() !== 0) return false
  try {
    const probe = execFileSync('mktemp', ['-d']).toString().trim()
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' })
    execFileSync('umount', [probe], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const skip = canMount() ? false : 'needs root and mount (tmpfs)'

/** A tmpfs of `size` at a fresh folder, unmounted in teardown. */
async function mountSmallDisk(t: TestContext, size: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-disk-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir])
  t.after(async () => {
    try { execFileSync('umount', ['-l', dir], { stdio: 'ignore' }) } catch { /* already gone */ }
    await rm(dir, { recursive: true, force: true })
  })
  return dir
}

test('a full disk: an upload is 507 E_DISK_FULL with nothing half-written, a database write too, and the server stays up', { skip }, async (t) => {
  const disk = await mountSmallDisk(t, '6m')
  const tmp = await makeTempDir(t, 'ferry-disk-')
  const gateway = await startGateway({ port: 0, dataDir: join(disk, 'data'), env: {}, deployer: FAST })
  t.after(() => gateway.close())
  // 8 MB of random bytes do not compress: the package is larger than what the disk has left.
  const big = await packVariant('valid', tmp, (dir) => writeFile(join(dir, 'weights.bin'), randomBytes(8 * 1024 * 1024)))
  const body = (await import('node:fs/promises')).readFile(big)
  const upload = await fetch(`${gateway.url}/api/packages`, { method: 'POST', headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/zip' }, body: await body })
  assert.equal(upload.status, 507)
  const { error } = (await upload.json()) as { error: { code: string; hint: string } }
  assert.equal(error.code, 'E_DISK_FULL')
  assert.match(error.hint, /free space/i)
  assert.deepEqual((await readdir(join(disk, 'data', 'packages')).catch(() => [])).filter((n) => n.startsWith('.incoming')), [], 'no partial upload left')

  // Fill what is left, then ask for database writes until one needs a page the disk cannot give.
  await writeFile(join(disk, 'filler'), Buffer.alloc(0))
  try { execFileSync('dd', ['if=/dev/zero', `of=${join(disk, 'filler')}`, 'bs=64k'], { stdio: 'ignore' }) } catch { /* dd stops at ENOSPC */ }
  let full: Response | undefined
  for (let i = 0; i < 200 && !full; i++) {
    const response = await fetch(`${gateway.url}/api/runs`, { method: 'POST', headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', version: '1.0.0', params: { text: 'x'.repeat(9000) } }) })
    if (response.status !== 201) full = response
  }
  assert.ok(full, 'a write failed once the disk was full')
  assert.equal(full.status, 507)
  assert.equal(((await full.json()) as { error: { code: string } }).error.code, 'E_DISK_FULL')
  assert.equal((await fetch(`${gateway.url}/health`)).status, 200, 'still serving')
})

test('a read-only data directory: ferry serve exits 1 with E_READ_ONLY and its hint, no stack, not "a bug"', { skip }, async (t) => {
  const disk = await mountSmallDisk(t, '16m')
  const dataDir = join(disk, 'data')
  const first = await startGateway({ port: 0, dataDir, env: {}, deployer: FAST })
  await first.close()
  execFileSync('mount', ['-o', 'remount,ro', disk])
  const run = await runFerry(['serve', '--port', '0', '--data', dataDir], { env: {} })
  assert.equal(run.code, 1, run.stderr)
  assert.match(run.stderr, /E_READ_ONLY/)
  assert.match(run.stderr, /read-only/)
  assert.doesNotMatch(run.stderr, /This is a bug|\n\s+at /)
})
