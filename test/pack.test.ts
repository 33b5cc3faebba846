/**
 * `ferry pack`: reproducible zips, the manifest, version resolution, ignore rules, compression
 * choices, provenance, and bad input that leaves no partial zip behind.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmod, cp, readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import unzipper from 'unzipper'
import { packFolder } from '../packager/pack.js'
import { ferryPath } from '../packager/repo-root.js'
import { makeTempDir, minimalModel, runFerry, writeTree } from './_helpers.js'

async function readZip(path: string) {
  const directory = await unzipper.Open.file(path)
  const entries = new Map<string, { data: Buffer; method: number; mode: number; time: number; date: number }>()
  for (const file of directory.files) {
    entries.set(file.path, {
      data: await file.buffer(),
      method: (file as unknown as { compressionMethod: number }).compressionMethod,
      mode: ((file as unknown as { externalFileAttributes: number }).externalFileAttributes >>> 16) & 0o777,
      time: (file as unknown as { lastModifiedTime: number }).lastModifiedTime,
      date: (file as unknown as { lastModifiedDate: number }).lastModifiedDate,
    })
  }
  return { names: directory.files.map((f) => f.path), entries }
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

test('packing examples/echo into two folders gives byte-identical zips', async (t) => {
  const tmp = await makeTempDir(t)
  const first = await runFerry(['pack', ferryPath('examples', 'echo'), '--out', join(tmp, 'a'), '--json'])
  const second = await runFerry(['pack', 'examples/echo', '--out', join(tmp, 'b'), '--json'], { cwd: ferryPath() })
  assert.equal(first.code, 0, first.stderr)
  assert.equal(second.code, 0, second.stderr)
  const a = JSON.parse(first.stdout) as { sha256: string; path: string }
  const b = JSON.parse(second.stdout) as { sha256: string; path: string }
  assert.equal(a.sha256, b.sha256)
  assert.deepEqual(await readFile(a.path), await readFile(b.path))
  assert.equal(sha256(await readFile(a.path)), a.sha256)
})

test('the same content anywhere, with other timestamps and permissions, packs to the same bytes', async (t) => {
  const tmp = await makeTempDir(t)
  const one = join(tmp, 'one')
  const two = join(tmp, 'elsewhere', 'deeper', 'two')
  await writeTree(one, { ...minimalModel(), 'lib/util.js': 'export const x = 1\n', 'run.sh': '#!/bin/sh\necho hi\n' })
  await chmod(join(one, 'run.sh'), 0o755)
  await cp(one, two, { recursive: true })
  await utimes(join(two, 'lib/util.js'), new Date('2031-05-05'), new Date('2031-05-05'))
  await chmod(join(two, 'server.js'), 0o600)
  await chmod(join(two, 'run.sh'), 0o700)
  const a = await packFolder({ dir: one, outDir: join(tmp, 'out-a') })
  const b = await packFolder({ dir: two, outDir: join(tmp, 'out-b'), cwd: '/' })
  assert.equal(a.sha256, b.sha256)
})

test('the zip holds sorted files with fixed times and modes, the versioned descriptor and a manifest that matches', async (t) => {
  const tmp = await makeTempDir(t)
  const dir = join(tmp, 'model')
  await writeTree(dir, { ...minimalModel({ version: undefined }), 'z.txt': 'z', 'a/b.txt': 'b', 'run.sh': '#!/bin/sh\n' })
  await chmod(join(dir, 'run.sh'), 0o750)
  const result = await packFolder({ dir, outDir: tmp, version: '2.3.4' })
  assert.equal(result.path, join(tmp, 'tiny-2.3.4.zip'))
  const { names, entries } = await readZip(result.path)
  assert.deepEqual(names, ['a/b.txt', 'descriptor.json', 'run.sh', 'server.js', 'z.txt', 'ferry.manifest.json'])
  const times = new Set([...entries.values()].map((e) => `${e.date}:${e.time}`))
  assert.equal(times.size, 1, 'one timestamp for every entry')
  assert.equal(entries.get('run.sh')!.mode, 0o755)
  assert.equal(entries.get('z.txt')!.mode, 0o644)
  const descriptor = JSON.parse(entries.get('descriptor.json')!.data.toString()) as { name: string; version: string }
  assert.equal(descriptor.version, '2.3.4')
  assert.deepEqual(Object.keys(descriptor).slice(0, 2), ['name', 'version'])
  const manifest = JSON.parse(entries.get('ferry.manifest.json')!.data.toString()) as { name: string; version: string; files: Array<{ path: string; size: number; sha256: string; executable?: boolean }> }
  assert.equal(manifest.name, 'tiny')
  assert.equal(manifest.version, '2.3.4')
  assert.deepEqual(manifest.files.map((f) => f.path), names.slice(0, -1))
  for (const file of manifest.files) {
    const data = entries.get(file.path)!.data
    assert.equal(file.size, data.length, file.path)
    assert.equal(file.sha256, sha256(data), file.path)
  }
  assert.equal(manifest.files.find((f) => f.path === 'run.sh')!.executable, true)
})

test('.git, .ferry, node_modules and .ferryignore patterns are left out; node_modules is packed when bundled', async (t) => {
  const tmp = await makeTempDir(t)
  const dir = join(tmp, 'model')
  await writeTree(dir, {
    ...minimalModel(),
    '.git/HEAD': 'ref', '.ferry/state.db': 'x', 'node_modules/dep/index.js': 'dep',
    '.ferryignore': '# scratch\n*.log\ndata/raw/\n!keep.log\n', 'train.log': 'x', 'keep.log': 'k', 'data/raw/big.csv': '1', 'data/clean.csv': '2',
  })
  const plain = await packFolder({ dir, outDir: join(tmp, 'a') })
  assert.deepEqual((await readZip(plain.path)).names, ['data/clean.csv', 'descriptor.json', 'keep.log', 'server.js', 'ferry.manifest.json'])
  await writeTree(dir, minimalModel({ runtime: { type: 'node', entry: 'server.js', dependencies: { bundleNodeModules: true } } }))
  const bundled = await packFolder({ dir, outDir: join(tmp, 'b') })
  assert.ok((await readZip(bundled.path)).names.includes('node_modules/dep/index.js'))
})

test('an output folder inside the model folder is not packed into the next version', async (t) => {
  const dir = await makeTempDir(t)
  await writeTree(dir, minimalModel())
  await packFolder({ dir, outDir: join(dir, 'dist') })
  const next = await packFolder({ dir, outDir: join(dir, 'dist'), bump: 'patch' })
  assert.equal(next.version, '1.0.1')
  assert.ok(!(await readZip(next.path)).names.some((n) => n.startsWith('dist/')))
})

test('already-compressed files are stored, text is deflated, and incompressible data is stored whatever its name', async (t) => {
  const tmp = await makeTempDir(t)
  const dir = join(tmp, 'model')
  const random = randomBytes(3 * 1024 * 1024)
  await writeTree(dir, { ...minimalModel(), 'weights/model.onnx': 'a'.repeat(200_000), 'weights/blob.bin': random, 'notes.txt': 'text '.repeat(50_000) })
  const result = await packFolder({ dir, outDir: tmp })
  const { entries } = await readZip(result.path)
  assert.equal(entries.get('weights/model.onnx')!.method, 0, '.onnx is stored')
  assert.equal(entries.get('weights/blob.bin')!.method, 0, 'random bytes are stored')
  assert.equal(entries.get('notes.txt')!.method, 8, 'text is deflated')
  assert.deepEqual(entries.get('weights/blob.bin')!.data, random)
})

test('versions: --version wins, --bump raises the highest packed, the descriptor version is used, else 0.1.0', async (t) => {
  const tmp = await makeTempDir(t)
  const dir = join(tmp, 'model')
  const out = join(tmp, 'out')
  await writeTree(dir, minimalModel({ version: undefined }))
  assert.equal((await packFolder({ dir, outDir: out })).version, '0.1.0')
  assert.equal((await packFolder({ dir, outDir: out, bump: 'minor' })).version, '0.2.0')
  assert.equal((await packFolder({ dir, outDir: out, bump: 'patch' })).version, '0.2.1')
  assert.equal((await packFolder({ dir, outDir: out, bump: 'major' })).version, '1.0.0')
  assert.equal((await packFolder({ dir, outDir: out, version: '7.0.0-rc.1' })).version, '7.0.0-rc.1')
  await writeTree(dir, minimalModel({ version: '3.1.0' }))
  assert.equal((await packFolder({ dir, outDir: join(tmp, 'other') })).version, '3.1.0')
  assert.equal((await packFolder({ dir, outDir: join(tmp, 'other'), bump: 'patch' })).version, '3.1.1')
  const bad = await runFerry(['pack', dir, '--out', out, '--version', 'one'])
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /E_VERSION_NOT_SEMVER/)
  const both = await runFerry(['pack', dir, '--out', out, '--version', '1.0.0', '--bump', 'patch'])
  assert.equal(both.code, 2)
})

test('a version is immutable: repacking the same content is a no-op, different content is refused', async (t) => {
  const tmp = await makeTempDir(t)
  const dir = join(tmp, 'model')
  await writeTree(dir, minimalModel())
  const first = await packFolder({ dir, outDir: tmp })
  const again = await packFolder({ dir, outDir: tmp })
  assert.equal(again.unchanged, true)
  assert.equal(again.sha256, first.sha256)
  await writeFile(join(dir, 'server.js'), 'console.log("changed")\n')
  const run = await runFerry(['pack', dir, '--out', tmp, '--json'])
  assert.equal(run.code, 1)
  assert.equal((JSON.parse(run.stdout) as { error: { code: string } }).error.code, 'E_VERSION_EXISTS')
  assert.equal(createHash('sha256').update(await readFile(first.path)).digest('hex'), first.sha256, 'the packed version is untouched')
  assert.deepEqual((await readdir(tmp)).sort(), ['model', 'tiny-1.0.0.zip'])
})

test('git provenance is reported, never packed: identical content is one package in any commit, in or outside git', async (t) => {
  const dir = await makeTempDir(t)
  await writeTree(dir, minimalModel())
  const outside = await packFolder({ dir, outDir: await makeTempDir(t) })
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir })
  git('init', '-q')
  await writeFile(join(dir, '.gitignore'), 'dist/\n')
  await writeFile(join(dir, '.ferryignore'), '.gitignore\n.ferryignore\n')
  git('add', '.')
  git('commit', '-qm', 'first')
  const commit = git('rev-parse', 'HEAD').toString().trim()
  const clean = await packFolder({ dir, outDir: join(dir, 'dist') })
  assert.deepEqual(clean.provenance, { git: { commit, dirty: false } })
  assert.equal(clean.sha256, outside.sha256, 'inside a work tree and outside: the same package')
  // An unrelated commit elsewhere in the repository: packing the unchanged model again is a no-op.
  await writeFile(join(dir, 'NOTES.txt'), 'unrelated\n')
  await writeFile(join(dir, '.ferryignore'), '.gitignore\n.ferryignore\nNOTES.txt\n')
  git('add', '.')
  git('commit', '-qm', 'second')
  const again = await packFolder({ dir, outDir: join(dir, 'dist') })
  assert.equal(again.unchanged, true, 'not E_VERSION_EXISTS after an unrelated commit')
  assert.equal(again.sha256, clean.sha256)
  assert.notEqual(again.provenance.git?.commit, commit)
  await writeFile(join(dir, 'server.js'), '// edited\n')
  const dirty = await packFolder({ dir, outDir: join(dir, 'dist2'), version: '1.0.1' })
  assert.equal(dirty.provenance.git?.dirty, true)
  const manifest = JSON.parse((await readZip(dirty.path)).entries.get('ferry.manifest.json')!.data.toString()) as Record<string, unknown>
  assert.deepEqual(Object.keys(manifest), ['format', 'name', 'version', 'files'], 'the manifest holds content only')
})

const BAD_FOLDERS: Array<{ name: string; code: string; make: (dir: string) => Promise<void> }> = [
  { name: 'no descriptor', code: 'E_DESCRIPTOR_MISSING', make: (dir) => writeTree(dir, { 'server.js': '' }) },
  { name: 'invalid JSON', code: 'E_JSON_INVALID', make: (dir) => writeTree(dir, { 'descriptor.json': '{ "name": "x",\n  "runtime": }', 'server.js': '' }) },
  { name: 'a listed file missing', code: 'E_FILE_MISSING', make: (dir) => writeTree(dir, minimalModel({ files: ['labels.txt'] })) },
  { name: 'a link pointing outside', code: 'E_SYMLINK_OUTSIDE', make: async (dir) => { await writeTree(dir, minimalModel()); await symlink('/etc/hostname', join(dir, 'leak')) } },
  { name: 'a dangling link', code: 'E_FILE_UNREADABLE', make: async (dir) => { await writeTree(dir, minimalModel()); await symlink(join(dir, 'nowhere'), join(dir, 'gone')) } },
  { name: 'names differing only in case', code: 'E_CASE_COLLISION', make: (dir) => writeTree(dir, { ...minimalModel(), 'README': 'a', 'readme': 'b' }) },
  { name: 'its own manifest', code: 'E_RESERVED_NAME', make: (dir) => writeTree(dir, { ...minimalModel(), 'ferry.manifest.json': '{}' }) },
]

for (const bad of BAD_FOLDERS) {
  test(`pack refuses ${bad.name} with ${bad.code}, exit 1, and leaves no zip`, async (t) => {
    const tmp = await makeTempDir(t)
    const dir = join(tmp, 'model')
    const out = join(tmp, 'out')
    await bad.make(dir)
    const run = await runFerry(['pack', dir, '--out', out])
    assert.equal(run.code, 1, run.stderr)
    assert.match(run.stderr, new RegExp(bad.code))
    assert.doesNotMatch(run.stderr, /internal error/)
    await assert.rejects(readdir(out), { code: 'ENOENT' }, 'the output folder was not even created')
  })
}

test('an aborted pack leaves no partial zip', async (t) => {
  const tmp = await makeTempDir(t)
  const dir = join(tmp, 'model')
  await writeTree(dir, { ...minimalModel(), 'weights/a.bin': Buffer.alloc(40 * 1024 * 1024, 7) })
  const controller = new AbortController()
  const packing = packFolder({ dir, outDir: join(tmp, 'out'), signal: controller.signal, onProgress: ({ bytes }) => { if (bytes > 0) controller.abort(new Error('stop')) } })
  await assert.rejects(packing, /stop/)
  assert.deepEqual(await readdir(join(tmp, 'out')), [])
})

test('a missing folder is E_PATH_NOT_FOUND', async () => {
  const run = await runFerry(['pack', '/nonexistent/model', '--json'])
  assert.equal(run.code, 1)
  assert.equal((JSON.parse(run.stdout) as { error: { code: string } }).error.code, 'E_PATH_NOT_FOUND')
})
