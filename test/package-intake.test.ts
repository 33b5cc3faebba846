/**
 * Taking packages in under pressure (issue 10): the same hostile zip uploaded ten times at once
 * (each sender gets its 422, the server stays up), the same valid zip ten times (exactly one is
 * created), a zip a crash left stored but unrecorded (removed at the next start), a file path too
 * long to unpack (refused at upload, not at deploy), and refusals that name the upload rather than
 * the server's own storage.
 */
import assert from 'node:assert/strict'
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { Deployer } from '../deployer/index.js'
import { startGateway, type RunningGateway } from '../gateway/server.js'
import { FAST, packFixture } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'
import { writeLongPathPackage, writeNotAZip, writeZipBombPackage } from './_hostile-zips.js'

async function openGateway(t: TestContext): Promise<RunningGateway & { tmp: string }> {
  const tmp = await makeTempDir(t, 'ferry-intake-')
  const gateway = await startGateway({ port: 0, dataDir: join(tmp, 'data'), env: {}, deployer: FAST })
  t.after(() => gateway.close())
  return { ...gateway, tmp }
}

function upload(gateway: RunningGateway, body: Buffer): Promise<Response> {
  return fetch(`${gateway.url}/api/packages`, { method: 'POST', headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/zip' }, body })
}

async function storeFiles(gateway: RunningGateway): Promise<string[]> {
  return (await readdir(join(gateway.dataDir, 'packages')).catch(() => [] as string[])).sort()
}

test('ten parallel uploads of one zip bomb: each gets its 422, the server stays up, nothing is stored', async (t) => {
  const gateway = await openGateway(t)
  const zip = join(gateway.tmp, 'bomb.zip')
  await writeZipBombPackage(zip, 50)
  const body = await readFile(zip)
  const answers = await Promise.all(Array.from({ length: 10 }, () => upload(gateway, body)))
  const codes = await Promise.all(answers.map(async (r) => [r.status, ((await r.json()) as { error: { code: string } }).error.code]))
  assert.deepEqual(codes, Array.from({ length: 10 }, () => [422, 'E_UNPACK_ZIP_BOMB']))
  assert.equal((await fetch(`${gateway.url}/health`)).status, 200, 'still serving')
  assert.deepEqual(await storeFiles(gateway), [], 'no zip, no temporary file')
})

test('ten parallel uploads of one valid zip: exactly one is created, all answer the same package', async (t) => {
  const gateway = await openGateway(t)
  const body = await readFile(await packFixture('valid', gateway.tmp))
  const answers = await Promise.all(Array.from({ length: 10 }, () => upload(gateway, body)))
  const results = await Promise.all(answers.map(async (r) => ({ status: r.status, ...((await r.json()) as { digest: string; created: boolean }) })))
  assert.equal(results.filter((r) => r.created).length, 1, 'one created')
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 201])
  assert.equal(new Set(results.map((r) => r.digest)).size, 1)
  assert.deepEqual(await storeFiles(gateway), [`${results[0]!.digest}.zip`])
})

test('a zip stored without a record (an upload cut off mid-check) is removed at the next start', async (t) => {
  const tmp = await makeTempDir(t, 'ferry-intake-')
  const dataDir = join(tmp, 'data')
  const zip = await packFixture('valid', tmp)
  const first = await Deployer.open({ dataDir, ...FAST })
  const kept = await first.addPackage(zip)
  await first.close()
  // What an older Ferry left when killed while checking an upload: the zip under its final name, no record.
  const orphan = `${'ab'.repeat(32)}.zip`
  await copyFile(zip, join(dataDir, 'packages', orphan))
  const second = await Deployer.open({ dataDir, ...FAST })
  t.after(() => second.close())
  assert.deepEqual((await readdir(join(dataDir, 'packages'))).sort(), [`${kept.digest}.zip`], 'the orphan is gone, the recorded package stays')
  assert.deepEqual(second.listPackages().map((p) => p.digest), [kept.digest])
  assert.ok((await second.logs.tail('deployer', 20)).some((e) => e.line.includes(`removed package ${'ab'.repeat(32)}`)), 'the removal is logged')
})

test('a package holding a path too long to unpack is refused at upload with its code, not at deploy', async (t) => {
  const gateway = await openGateway(t)
  const zip = join(gateway.tmp, 'long.zip')
  await writeLongPathPackage(zip)
  const response = await upload(gateway, await readFile(zip))
  assert.equal(response.status, 422)
  const { error } = (await response.json()) as { error: { code: string; path: string } }
  assert.equal(error.code, 'E_UNPACK_PATH_INVALID')
  assert.ok(error.path.startsWith('00xxx'), 'the error names the entry at fault')
  assert.deepEqual(await storeFiles(gateway), [])
})

test('a refused upload names the upload, never the server\'s storage path', async (t) => {
  const gateway = await openGateway(t)
  const zip = join(gateway.tmp, 'not-a.zip')
  await writeNotAZip(zip)
  const raw = await upload(gateway, await readFile(zip))
  const rawError = ((await raw.json()) as { error: { code: string; message: string; path: string } }).error
  assert.equal(rawError.code, 'E_UNPACK_ZIP_INVALID')
  assert.match(rawError.message, /^the upload is not a readable zip/)
  const form = new FormData()
  form.append('package', new Blob([await readFile(zip)], { type: 'application/zip' }), 'my-model.zip')
  const multipart = await fetch(`${gateway.url}/api/packages`, { method: 'POST', headers: { authorization: `Bearer ${gateway.token}` }, body: form })
  const formError = ((await multipart.json()) as { error: { message: string; path: string } }).error
  assert.match(formError.message, /^the upload "my-model\.zip" is not a readable zip/)
  for (const text of [JSON.stringify(rawError), JSON.stringify(formError)]) {
    assert.ok(!text.includes(gateway.dataDir) && !text.includes('.incoming'), `no storage path in ${text}`)
  }
  await mkdir(join(gateway.dataDir, 'packages'), { recursive: true })
  assert.deepEqual(await storeFiles(gateway), [])
})
