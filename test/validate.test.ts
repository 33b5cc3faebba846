/**
 * `ferry validate` on every example in descriptors/examples/: each valid one passes, each invalid
 * one yields exactly the errors descriptors/examples/expected.json lists (code and JSON path), and
 * the CLI exits 1 naming the path. Also: every problem is reported at once, and zips validate too.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { packFolder } from '../packager/pack.js'
import { ferryPath } from '../packager/repo-root.js'
import { validatePackage } from '../packager/validate-package.js'
import { makeTempDir, minimalModel, runFerry, writeTree } from './_helpers.js'

type Expected = Record<string, Array<{ code: string; path: string; line?: number; column?: number }>>
const EXAMPLES = ferryPath('descriptors', 'examples')
const expected = JSON.parse(readFileSync(join(EXAMPLES, 'expected.json'), 'utf8')) as Expected

test('expected.json covers every example folder', () => {
  const folders = ['valid', 'invalid'].flatMap((kind) => readdirSync(join(EXAMPLES, kind)).map((name) => `${kind}/${name}`))
  assert.deepEqual(folders.sort(), Object.keys(expected).sort())
})

for (const [name, errors] of Object.entries(expected)) {
  test(`${name}: ${errors.length === 0 ? 'valid' : errors.map((e) => `${e.code} at ${e.path}`).join(', ')}`, async () => {
    const result = await validatePackage(join(EXAMPLES, name))
    assert.deepEqual(result.errors.map((e) => ({ code: e.code, path: e.path })), errors.map(({ code, path }) => ({ code, path })))
    assert.equal(result.valid, errors.length === 0)
    for (const [i, error] of errors.entries()) {
      if (error.line !== undefined) assert.deepEqual([result.errors[i]!.line, result.errors[i]!.column], [error.line, error.column])
      assert.ok(result.errors[i]!.hint.length > 0)
    }
  })
}

test('the CLI exits 1 on each invalid example and names the JSON path at fault', async () => {
  for (const [name, errors] of Object.entries(expected).filter(([n]) => n.startsWith('invalid/'))) {
    const run = await runFerry(['validate', join(EXAMPLES, name)])
    assert.equal(run.code, 1, name)
    for (const error of errors) assert.ok(run.stdout.includes(`${error.path}  ${error.code}  `), `${name}: ${run.stdout}`)
  }
})

test('every problem is reported at once, schema and files alike', async (t) => {
  const dir = await makeTempDir(t)
  await writeTree(dir, {
    'descriptor.json': {
      name: 'Bad Name', version: '1.0', runtme: {}, runtime: { type: 'node', entry: 'missing.js', env: { PORT: '1' } },
      resources: { replicas: 0 }, api: { endpoints: [{ method: 'POST', path: 'predict' }] }, files: ['nope.txt'],
    },
  })
  const result = await validatePackage(dir)
  const found = result.errors.map((e) => `${e.path} ${e.code}`)
  for (const wanted of [
    '/name E_NAME_NOT_SLUG', '/version E_VERSION_NOT_SEMVER', '/runtme E_SCHEMA_UNKNOWN_FIELD', '/runtime/entry E_ENTRY_MISSING',
    '/runtime/env/PORT E_ENV_RESERVED', '/resources/replicas E_SCHEMA_RANGE', '/api/health E_HEALTH_NOT_DECLARED',
    '/api/endpoints/0/path E_URL_PATH_INVALID', '/files/0 E_FILE_MISSING',
  ]) assert.ok(found.includes(wanted), `${wanted} in ${found.join(', ')}`)
  assert.match(result.errors.find((e) => e.code === 'E_SCHEMA_UNKNOWN_FIELD')!.message, /did you mean "runtime"/)
})

test('a packed zip validates, and so does a zip whose manifest is missing (with a warning)', async (t) => {
  const tmp = await makeTempDir(t)
  await writeTree(join(tmp, 'model'), minimalModel())
  const { path } = await packFolder({ dir: join(tmp, 'model'), outDir: tmp })
  const packed = await validatePackage(path)
  assert.equal(packed.kind, 'zip')
  assert.deepEqual(packed.errors, [])
  const run = await runFerry(['validate', path, '--json'])
  assert.equal(run.code, 0)
  assert.equal((JSON.parse(run.stdout) as { valid: boolean }).valid, true)
})

test('a file that is not a zip is E_NOT_A_PACKAGE; a broken zip is E_ZIP_INVALID', async (t) => {
  const tmp = await makeTempDir(t)
  await writeTree(tmp, { 'notes.txt': 'hello', 'broken.zip': Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]) })
  for (const [file, code] of [['notes.txt', 'E_NOT_A_PACKAGE'], ['broken.zip', 'E_ZIP_INVALID']] as const) {
    const run = await runFerry(['validate', join(tmp, file), '--json'])
    assert.equal(run.code, 1)
    assert.equal((JSON.parse(run.stdout) as { error: { code: string } }).error.code, code)
  }
})

test('entries: node and python stay inside the package; exec may name a program on the machine', async (t) => {
  const cases: Array<[Record<string, unknown>, string[]]> = [
    [{ runtime: { type: 'node', entry: '/usr/bin/env' } }, ['/runtime/entry E_PATH_NOT_RELATIVE']],
    [{ runtime: { type: 'python', entry: '../app.py' } }, ['/runtime/entry E_PATH_NOT_RELATIVE']],
    [{ runtime: { type: 'exec', entry: '/usr/bin/python3', args: ['-m', 'http.server'] } }, []],
    [{ runtime: { type: 'exec', entry: 'python3' } }, []],
    [{ runtime: { type: 'exec', entry: 'bin/serve' } }, ['/runtime/entry E_ENTRY_MISSING']],
    [{ api: { health: '/health', portEnv: 'HOST', endpoints: [{ method: 'GET', path: '/x' }] } }, ['/api/portEnv E_SCHEMA_PATTERN']],
    [{ api: { health: '/health', endpoints: [] } }, ['/api/endpoints E_SCHEMA_RANGE']],
    [{ version: '1.0.0+build.7' }, ['/version E_VERSION_NOT_SEMVER']],
  ]
  for (const [override, wanted] of cases) {
    const dir = await makeTempDir(t)
    await writeTree(dir, minimalModel(override))
    const result = await validatePackage(dir)
    assert.deepEqual(result.errors.map((e) => `${e.path} ${e.code}`), wanted, JSON.stringify(override))
  }
})
