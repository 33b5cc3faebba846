/**
 * deployer/unpack.ts against the package fixtures of test/_hostile-zips.ts: the valid package
 * unpacks byte for byte with exact modes; every hostile one is refused with its own code and
 * leaves the disk exactly as it was.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { test, type TestContext } from 'node:test'
import { EntryGuard } from '../deployer/_entry-stream.js'
import { DEFAULT_UNPACK_LIMITS, resolveUnpackLimits, unpackPackage, type UnpackLimits } from '../deployer/unpack.js'
import { FerryError } from '../packager/ferry-error.js'
import { makeTempDir } from './_helpers.js'
import * as fixtures from './_hostile-zips.js'

type WriteZip = (zipPath: string) => Promise<void>

/** A temp root with the zip written in it and a destination under `data/instances/` (not created). */
async function setUp(t: TestContext, write: WriteZip): Promise<{ root: string; zip: string; dest: string }> {
  const root = await makeTempDir(t, 'ferry-unpack-')
  const zip = join(root, 'package.zip')
  await write(zip)
  return { root, zip, dest: join(root, 'data', 'instances', 'echo@1.0.0') }
}

/** Every path under `dir` with its type and mode, to compare the disk before and after. */
async function snapshotTree(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true })
  return Promise.all(names.sort().map(async (name) => `${name} ${(await stat(join(dir, name))).mode.toString(8)}`))
}

function assertRefused(code: string, path?: string) {
  return (error: unknown) => {
    assert.ok(error instanceof FerryError, `expected a FerryError, got ${String(error)}`)
    assert.equal(error.code, code, error.message)
    assert.equal(error.status, code === 'E_UNPACK_DEST_EXISTS' ? 409 : 422)
    assert.ok(error.hint.length > 10)
    if (path !== undefined) assert.equal(error.path, path)
    return true
  }
}

test('the valid package unpacks with its content and exact modes, whatever the umask', async (t) => {
  const { zip, dest } = await setUp(t, fixtures.writeValidPackage)
  assert.equal(existsSync(dest), false)
  const umask = process.umask(0o077)
  t.after(() => process.umask(umask))
  const result = await unpackPackage(zip, dest)
  assert.equal(result.manifest.name, 'echo')
  assert.equal(result.manifest.version, '1.0.0')
  assert.equal(result.files, fixtures.VALID_FILES.length)
  assert.equal(result.bytes, fixtures.VALID_FILES.reduce((sum, f) => sum + f.data.length, 0))
  for (const file of fixtures.VALID_FILES) {
    assert.deepEqual(await readFile(join(dest, file.path)), file.data, file.path)
    assert.equal((await stat(join(dest, file.path))).mode & 0o777, file.executable ? 0o755 : 0o644, file.path)
  }
  assert.deepEqual(JSON.parse(await readFile(join(dest, 'ferry.manifest.json'), 'utf8')), JSON.parse(fixtures.buildManifest(fixtures.VALID_FILES).toString()))
  assert.deepEqual(await readdir(dirname(dest)), ['echo@1.0.0'], 'no .partial directory left')
})

test('stored entries, an empty file and a long zip comment unpack too', async (t) => {
  for (const write of [fixtures.writeStoredPackage, fixtures.writeCommentedPackage]) {
    const { zip, dest } = await setUp(t, write)
    const result = await unpackPackage(zip, dest)
    assert.ok(result.files >= fixtures.VALID_FILES.length)
    assert.equal(await readFile(join(dest, 'server.js'), 'utf8'), 'console.log("echo")\n')
  }
})

const HOSTILE: Array<[string, WriteZip, string, string?, UnpackLimits?]> = [
  ['zip slip', fixtures.writeZipSlipPackage, 'E_UNPACK_PATH_TRAVERSAL', '../evil.txt'],
  ['absolute path', fixtures.writeAbsolutePathPackage, 'E_UNPACK_ABSOLUTE_PATH', fixtures.ABSOLUTE_TARGET],
  ['backslash', fixtures.writeBackslashPackage, 'E_UNPACK_PATH_INVALID', 'model\\evil.txt'],
  ['symlink to /etc/passwd', fixtures.writeSymlinkPackage, 'E_UNPACK_SYMLINK', 'model/link'],
  ['fifo', fixtures.writeFifoPackage, 'E_UNPACK_SPECIAL_FILE', 'model/pipe'],
  ['zip bomb (200 MiB of zeros)', fixtures.writeZipBombPackage, 'E_UNPACK_ZIP_BOMB', 'model/zeros.bin'],
  ['overlapping entries', fixtures.writeOverlappingPackage, 'E_UNPACK_ZIP_INVALID', 'model/b.bin'],
  ['too many files', fixtures.writeManyFilesPackage, 'E_UNPACK_TOO_MANY_FILES', undefined, { maxEntries: 10 }],
  ['too large', fixtures.writeValidPackage, 'E_UNPACK_TOO_LARGE', undefined, { maxBytes: 1000 }],
  ['duplicate name', fixtures.writeDuplicateNamePackage, 'E_UNPACK_DUPLICATE_NAME', 'model/weights.bin'],
  ['case collision', fixtures.writeCaseCollisionPackage, 'E_UNPACK_CASE_COLLISION', 'model/weights.bin'],
  ['file and folder', fixtures.writePathConflictPackage, 'E_UNPACK_PATH_CONFLICT', 'model/weights.bin'],
  ['encrypted entry', fixtures.writeEncryptedPackage, 'E_UNPACK_ENTRY_UNSUPPORTED', 'server.js'],
  ['not a zip', fixtures.writeNotAZip, 'E_UNPACK_ZIP_INVALID'],
  ['missing manifest', fixtures.writeMissingManifestPackage, 'E_UNPACK_MANIFEST_MISSING', 'ferry.manifest.json'],
  ['manifest not JSON', fixtures.writeInvalidManifestPackage, 'E_UNPACK_MANIFEST_INVALID', 'ferry.manifest.json'],
  ['entry not in the manifest', fixtures.writeUnlistedEntryPackage, 'E_UNPACK_MANIFEST_MISMATCH', 'model/extra.txt'],
  ['size differs from the manifest', fixtures.writeSizeMismatchPackage, 'E_UNPACK_MANIFEST_MISMATCH', 'server.js'],
  ['no descriptor.json', fixtures.writeMissingDescriptorPackage, 'E_UNPACK_DESCRIPTOR_MISSING', 'descriptor.json'],
  ['content changed after hashing', fixtures.writeChecksumMismatchPackage, 'E_UNPACK_CHECKSUM_MISMATCH', 'server.js'],
  ['header lies about the size', fixtures.writeLyingSizePackage, 'E_UNPACK_SIZE_MISMATCH', 'model/weights.bin'],
]

for (const [name, write, code, path, limits] of HOSTILE) {
  test(`refuses a package with ${name} (${code}) and leaves nothing behind`, async (t) => {
    const { root, zip, dest } = await setUp(t, write)
    await mkdir(join(root, 'data'))
    const before = await snapshotTree(root)
    const outsideBefore = existsSync(fixtures.ABSOLUTE_TARGET)
    await assert.rejects(unpackPackage(zip, dest, limits), assertRefused(code, path))
    assert.deepEqual(await snapshotTree(root), before)
    assert.equal(existsSync(fixtures.ABSOLUTE_TARGET), outsideBefore)
    assert.equal(existsSync(join(dirname(root), 'evil.txt')), false)
  })
}

test('a lying header cannot make extraction write past the declared size', async () => {
  const written: Buffer[] = []
  const sink = new Writable({ write(chunk: Buffer, _encoding, callback) { written.push(chunk); callback() } })
  const source = Readable.from([Buffer.alloc(6, 1), Buffer.alloc(6, 2)])
  await assert.rejects(pipeline(source, new EntryGuard('w.bin', 10), sink), assertRefused('E_UNPACK_SIZE_MISMATCH', 'w.bin'))
  assert.equal(Buffer.concat(written).length, 6)
})

test('an existing destination is refused (409) and left untouched', async (t) => {
  const { zip, dest } = await setUp(t, fixtures.writeValidPackage)
  await mkdir(dest, { recursive: true })
  await writeFile(join(dest, 'keep.txt'), 'old')
  await assert.rejects(unpackPackage(zip, dest), assertRefused('E_UNPACK_DEST_EXISTS', dest))
  assert.deepEqual(await readdir(dest), ['keep.txt'])
  assert.deepEqual(await readdir(dirname(dest)), ['echo@1.0.0'])
})

test('two unpacks racing for one destination: one wins, the other gets 409, no partial left', async (t) => {
  const { zip, dest } = await setUp(t, fixtures.writeValidPackage)
  const results = await Promise.allSettled([unpackPackage(zip, dest), unpackPackage(zip, dest)])
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
  const refused = results.find((r) => r.status === 'rejected')
  assert.ok(refused && assertRefused('E_UNPACK_DEST_EXISTS')(refused.reason))
  assert.deepEqual(await readdir(dirname(dest)), ['echo@1.0.0'])
})

test('an unwritable destination is a 500 and an aborted unpack leaves nothing', async (t) => {
  const { root, zip } = await setUp(t, fixtures.writeValidPackage)
  await writeFile(join(root, 'file'), '')
  await assert.rejects(unpackPackage(zip, join(root, 'file', 'echo')), (error: FerryError) => error.code === 'E_UNPACK_WRITE_FAILED' && error.status === 500)
  const before = await snapshotTree(root)
  await assert.rejects(unpackPackage(zip, join(root, 'data', 'echo'), {}, { signal: AbortSignal.abort() }), { name: 'AbortError' })
  assert.deepEqual(await snapshotTree(root), before)
})

test('resolveUnpackLimits fills defaults, freezes, and rejects nonsense', () => {
  const limits = resolveUnpackLimits({ maxEntries: 10 })
  assert.deepEqual(limits, { ...DEFAULT_UNPACK_LIMITS, maxEntries: 10 })
  assert.ok(Object.isFrozen(limits))
  assert.equal(resolveUnpackLimits().maxBytes, 4 * 1024 ** 3)
  assert.throws(() => resolveUnpackLimits({ maxBytes: -1 }), RangeError)
  assert.throws(() => resolveUnpackLimits({ maxEntries: 1.5 }), RangeError)
})
