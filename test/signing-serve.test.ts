/**
 * Signed packages on a real `ferry serve`: without --require-signed a signature is still checked
 * (a bad one refused, an unknown key accepted and shown untrusted) and the signer recorded; with
 * it, unsigned packages, unknown keys and mismatched signatures are each refused with their code
 * and nothing is stored. Trusted keys through the API and the CLI; the signer survives a restart
 * and the key's removal; a rotation to a new key leaves old versions their signer.
 */
import assert from 'node:assert/strict'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { packFolder } from '../packager/pack.js'
import { generateSigningKey, formatPublicKey, serializeSignature, signDigest, type SigningKey } from '../packager/signing/index.js'
import { FIXTURES } from './_deployer-helpers.js'
import { makeTempDir, runFerry } from './_helpers.js'
import { startFerryServe, type FerryServe } from './_serve-helpers.js'

interface Packed { path: string; sha256: string; version: string }
interface Signer { keyId: string; name: string | null; trusted: boolean; trust: string }
interface Summary { digest: string; name: string; version: string; created: boolean; signer: Signer | null }

async function packVersions(t: TestContext): Promise<{ tmp: string; v1: Packed; v2: Packed; v3: Packed }> {
  const tmp = await makeTempDir(t, 'ferry-signing-serve-')
  const pack = (version: string) => packFolder({ dir: join(FIXTURES, 'valid'), outDir: join(tmp, 'dist'), version })
  return { tmp, v1: await pack('1.0.0'), v2: await pack('1.1.0'), v3: await pack('1.2.0') }
}

const header = (key: SigningKey, digest: string) => Buffer.from(serializeSignature(signDigest(key, digest))).toString('base64')

function upload(ferry: FerryServe, pkg: Packed, signature?: string): Promise<Response> {
  return readFile(pkg.path).then((body) => ferry.api('/api/packages', { method: 'POST', body, headers: { 'content-type': 'application/zip', ...(signature !== undefined ? { 'x-ferry-signature': signature } : {}) } }))
}

async function expectRefused(ferry: FerryServe, response: Response, status: number, code: string): Promise<void> {
  const body = (await response.json()) as { error: { code: string } }
  assert.equal(response.status, status, JSON.stringify(body))
  assert.equal(body.error.code, code)
}

async function storedDigests(ferry: FerryServe): Promise<string[]> {
  const listed = (await (await ferry.api('/api/packages')).json()) as Summary[]
  const files = (await readdir(join(ferry.dataDir, 'packages')).catch(() => [] as string[])).filter((f) => f.endsWith('.zip'))
  assert.deepEqual(files.map((f) => f.slice(0, -4)).sort(), listed.map((p) => p.digest).sort(), 'the store holds exactly what is listed')
  return listed.map((p) => p.digest).sort()
}

test('without --require-signed: unsigned accepted, a signature still checked, an unknown key shown untrusted', async (t) => {
  const { v1, v2, v3 } = await packVersions(t)
  const ferry = await startFerryServe(t)
  const alice = generateSigningKey('alice').key
  const mallory = generateSigningKey('mallory').key

  const unsigned = await upload(ferry, v1)
  assert.equal(unsigned.status, 201)
  assert.equal(((await unsigned.json()) as Summary).signer, null)

  // A signature that does not match is refused even without the flag, and nothing changes.
  await expectRefused(ferry, await upload(ferry, v2, header(alice, v3.sha256)), 422, 'E_SIGNATURE_MISMATCH')
  const bad = JSON.parse(serializeSignature(signDigest(alice, v2.sha256))) as Record<string, string>
  const flipped = Buffer.from(bad['signature']!, 'base64')
  flipped[0]! ^= 1
  bad['signature'] = flipped.toString('base64')
  await expectRefused(ferry, await upload(ferry, v2, Buffer.from(JSON.stringify(bad)).toString('base64')), 422, 'E_SIGNATURE_MISMATCH')
  await expectRefused(ferry, await upload(ferry, v2, 'not a signature!'), 400, 'E_SIGNATURE_INVALID')
  await expectRefused(ferry, await upload(ferry, v2, Buffer.from('{"format":"x"}').toString('base64')), 400, 'E_SIGNATURE_INVALID')
  assert.deepEqual(await storedDigests(ferry), [v1.sha256])

  // A valid signature by a key the server does not know: accepted, recorded, shown as unknown.
  const byUnknown = await upload(ferry, v2, header(mallory, v2.sha256))
  assert.equal(byUnknown.status, 201)
  const recorded = ((await byUnknown.json()) as Summary).signer!
  assert.deepEqual({ keyId: recorded.keyId, name: recorded.name, trusted: recorded.trusted, trust: recorded.trust }, { keyId: mallory.keyId, name: null, trusted: false, trust: 'unknown' })

  // The signature as a multipart field before the file (as `curl -F signature=@x.sig -F package=@x.zip` sends it).
  await ferry.api('/api/trust', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ publicKey: formatPublicKey(alice) }) })
  const form = new FormData()
  form.append('signature', new Blob([serializeSignature(signDigest(alice, v3.sha256))]), 'v3.zip.sig')
  form.append('package', new Blob([await readFile(v3.path)]), 'v3.zip')
  const multipart = await ferry.api('/api/packages', { method: 'POST', body: form })
  assert.equal(multipart.status, 201, await multipart.clone().text())
  assert.deepEqual(((await multipart.json()) as Summary).signer?.name, 'alice')

  // An unsigned package already stored gains a signer when it is uploaded again signed (200, not created).
  const signedLater = await upload(ferry, v1, header(alice, v1.sha256))
  assert.equal(signedLater.status, 200)
  const later = (await signedLater.json()) as Summary
  assert.equal(later.created, false)
  assert.equal(later.signer?.trust, 'trusted')
  // … and an unsigned upload of it later keeps that signer.
  assert.equal(((await (await upload(ferry, v1)).json()) as Summary).signer?.name, 'alice')
  const listed = (await (await ferry.api('/api/packages')).json()) as Summary[]
  assert.deepEqual(listed.map((p) => [p.version, p.signer?.name ?? null, p.signer?.trust ?? null]), [['1.0.0', 'alice', 'trusted'], ['1.1.0', null, 'unknown'], ['1.2.0', 'alice', 'trusted']])
})

test('--require-signed refuses unsigned packages, unknown keys and mismatches, each with its code, storing nothing', async (t) => {
  const { tmp, v1, v2 } = await packVersions(t)
  const ferry = await startFerryServe(t, { args: ['--require-signed'] })
  const alice = generateSigningKey('alice').key
  const mallory = generateSigningKey('mallory').key
  await ferry.api('/api/trust', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ publicKey: formatPublicKey(alice) }) })

  await expectRefused(ferry, await upload(ferry, v1), 422, 'E_SIGNATURE_MISSING')
  await expectRefused(ferry, await upload(ferry, v1, header(mallory, v1.sha256)), 403, 'E_SIGNER_UNTRUSTED')
  await expectRefused(ferry, await upload(ferry, v1, header(alice, v2.sha256)), 422, 'E_SIGNATURE_MISMATCH')
  const form = new FormData()
  form.append('package', new Blob([await readFile(v1.path)]), 'v1.zip')
  await expectRefused(ferry, await ferry.api('/api/packages', { method: 'POST', body: form }), 422, 'E_SIGNATURE_MISSING')
  assert.deepEqual(await storedDigests(ferry), [])
  assert.deepEqual(((await (await ferry.api('/api/trust')).json()) as { requireSigned: boolean }).requireSigned, true)

  // The CLI: unsigned refused with the code and exit 1; --sign passes; ps says who signed.
  const env = { FERRY_GATEWAY: ferry.url, FERRY_TOKEN: ferry.token }
  const cli = (...args: string[]) => runFerry(args, { cwd: tmp, env })
  const refused = await cli('deploy', v1.path, '--json')
  assert.equal(refused.code, 1)
  assert.equal((JSON.parse(refused.stdout) as { error: { code: string } }).error.code, 'E_SIGNATURE_MISSING')
  const keys = await cli('keygen', '--name', 'ci', '--out', 'keys', '--json')
  assert.equal((await cli('trust', 'add', 'keys/ci.pub')).code, 0)
  const deployed = await cli('deploy', join(FIXTURES, 'valid'), '--sign', 'keys/ci.key', '--json')
  assert.equal(deployed.code, 0, deployed.stderr)
  assert.deepEqual((JSON.parse(deployed.stdout) as { signer: unknown }).signer, { keyId: (JSON.parse(keys.stdout) as { keyId: string }).keyId, name: 'ci', trust: 'trusted' })
  assert.match((await cli('ps')).stdout, /^valid@1\.0\.0\s+ready\s+latest\s+1\/1\s+\d+\s+ci$/m)

  // A zip's .sig beside it is sent without --sign.
  const signed = await cli('pack', join(FIXTURES, 'valid'), '--out', 'signed', '--version', '1.1.0', '--sign', 'keys/ci.key', '--json')
  const beside = await cli('deploy', (JSON.parse(signed.stdout) as { path: string }).path)
  assert.equal(beside.code, 0, beside.stderr)
  assert.match(beside.stdout, /^signed by ci \(key [0-9a-f]{16}, trusted\)$/m)
  assert.match((await cli('ps')).stdout, /^valid@1\.1\.0\s+ready\s+latest\s+1\/1\s+\d+\s+ci$/m)
})

test('trusted keys through the API and the CLI; the signer survives a restart, the key\'s removal and a rotation', async (t) => {
  const { tmp, v1, v2 } = await packVersions(t)
  const dataDir = join(tmp, 'data')
  let ferry = await startFerryServe(t, { args: ['--require-signed'], dataDir })
  const alice = generateSigningKey('alice').key
  const bob = generateSigningKey('bob').key
  const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  // The API: add (201, then 200 for the same key), rename, refuse a bad key, list, get, 404s, 401 without a token.
  const added = await ferry.api('/api/trust', json({ publicKey: formatPublicKey(alice) }))
  assert.equal(added.status, 201)
  assert.deepEqual(Object.keys((await added.json()) as object).sort(), ['addedAt', 'keyId', 'line', 'name', 'publicKey'])
  assert.equal((await ferry.api('/api/trust', json({ publicKey: formatPublicKey(alice) }))).status, 200)
  await expectRefused(ferry, await ferry.api('/api/trust', json({ publicKey: 'ssh-ed25519 AAAA' })), 422, 'E_KEY_INVALID')
  await expectRefused(ferry, await ferry.api('/api/trust', json({ publicKey: formatPublicKey(bob), name: 'no spaces allowed' })), 400, 'E_BODY_INVALID')
  await expectRefused(ferry, await ferry.api('/api/trust', json({ publicKey: formatPublicKey(bob), extra: 1 })), 400, 'E_BODY_INVALID')
  await expectRefused(ferry, await ferry.api('/api/trust/0123456789abcdef', { method: 'DELETE' }), 404, 'E_TRUSTED_KEY_NOT_FOUND')
  await expectRefused(ferry, await ferry.api('/api/trust/0123456789abcdef'), 404, 'E_TRUSTED_KEY_NOT_FOUND')
  await expectRefused(ferry, await fetch(`${ferry.url}/api/trust`), 401, 'E_UNAUTHORIZED')
  assert.equal(((await (await ferry.api(`/api/trust/${alice.keyId}`)).json()) as { name: string }).name, 'alice')
  const dir = join(dataDir, 'trusted-keys')
  assert.equal((await stat(dir)).mode & 0o777, 0o700)
  assert.deepEqual(await readdir(dir), [`${alice.keyId}.pub`])
  assert.equal((await stat(join(dir, `${alice.keyId}.pub`))).mode & 0o777, 0o600)

  assert.equal((await upload(ferry, v1, header(alice, v1.sha256))).status, 201)

  // A restart keeps the keys and the signer.
  await ferry.stop()
  ferry = await startFerryServe(t, { args: ['--require-signed'], dataDir })
  const env = { FERRY_GATEWAY: ferry.url, FERRY_TOKEN: ferry.token }
  const cli = (...args: string[]) => runFerry(args, { cwd: tmp, env })
  const signerOf = async (version: string) => ((await (await ferry.api('/api/packages')).json()) as Summary[]).find((p) => p.version === version)?.signer
  assert.equal((await signerOf('1.0.0'))?.name, 'alice')

  // Rotation: trust bob (CLI, from a key line, with a name), remove alice (CLI).
  const bobAdded = await cli('trust', 'add', formatPublicKey(bob), '--name', 'bob-2027', '--json')
  assert.equal(bobAdded.code, 0, bobAdded.stderr)
  const listed = await cli('trust', 'list')
  assert.match(listed.stdout, /^uploads: signed by a trusted key only/m)
  assert.match(listed.stdout, new RegExp(`^${alice.keyId}\\s+alice\\s`, 'm'))
  assert.match(listed.stdout, new RegExp(`^${bob.keyId}\\s+bob-2027\\s`, 'm'))
  // A private key given by mistake is refused by the CLI itself, before anything is sent.
  const { mkdir, writeFile } = await import('node:fs/promises')
  await mkdir(join(tmp, 'keys'), { recursive: true })
  await writeFile(join(tmp, 'keys', 'oops.key'), generateSigningKey().privatePem)
  const oops = await runFerry(['trust', 'add', 'keys/oops.key', '--json', '--gateway', 'http://127.0.0.1:9'], { cwd: tmp, env }) // no server there: it is never contacted
  assert.equal(oops.code, 1)
  assert.equal((JSON.parse(oops.stdout) as { error: { code: string } }).error.code, 'E_KEY_INVALID')
  const removed = await cli('trust', 'rm', alice.keyId)
  assert.equal(removed.code, 0, removed.stderr)
  const again = await cli('trust', 'rm', alice.keyId, '--json')
  assert.equal(again.code, 1)
  assert.equal((JSON.parse(again.stdout) as { error: { code: string } }).error.code, 'E_TRUSTED_KEY_NOT_FOUND')
  assert.deepEqual(((await (await ferry.api('/api/trust')).json()) as { keys: Array<{ keyId: string }> }).keys.map((k) => k.keyId), [bob.keyId])

  // alice's old version keeps its recorded signer, now shown as removed; alice cannot upload any more; bob can.
  const old = (await signerOf('1.0.0'))!
  assert.deepEqual([old.keyId, old.name, old.trusted, old.trust], [alice.keyId, 'alice', true, 'removed'])
  await expectRefused(ferry, await upload(ferry, v2, header(alice, v2.sha256)), 403, 'E_SIGNER_UNTRUSTED')
  assert.equal((await upload(ferry, v2, header(bob, v2.sha256))).status, 201)
  assert.equal((await signerOf('1.1.0'))?.name, 'bob-2027')

  await ferry.stop()
  ferry = await startFerryServe(t, { dataDir })
  const after = ((await (await ferry.api('/api/packages')).json()) as Summary[]).map((p) => [p.version, p.signer?.name, p.signer?.trust])
  assert.deepEqual(after, [['1.0.0', 'alice', 'removed'], ['1.1.0', 'bob-2027', 'trusted']])
})

test('ferry serve --deploy follows the policy: a zip with its .sig by a trusted key runs, a folder is refused under --require-signed', async (t) => {
  const { tmp, v1 } = await packVersions(t)
  const dataDir = join(tmp, 'data')
  // Trust a key in the data directory before the first start, as an operator would offline.
  const key = generateSigningKey('release').key
  const { mkdir, writeFile } = await import('node:fs/promises')
  await mkdir(join(dataDir, 'trusted-keys'), { recursive: true })
  await writeFile(join(dataDir, 'trusted-keys', 'release.pub'), `${formatPublicKey(key)}\n`, { mode: 0o600 })
  await writeFile(`${v1.path}.sig`, serializeSignature(signDigest(key, v1.sha256)))
  const ferry = await startFerryServe(t, { dataDir, args: ['--require-signed', '--deploy', v1.path, '--deploy', join(FIXTURES, 'valid')] })
  const deadline = Date.now() + 30_000
  while (!/could not deploy .*valid/.test(ferry.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  assert.match(ferry.stderr(), /deployed valid@1\.0\.0/)
  assert.match(ferry.stderr(), /could not deploy \S*fixtures\/packages\/valid: E_SIGNATURE_MISSING/)
  const packages = (await (await ferry.api('/api/packages')).json()) as Summary[]
  assert.deepEqual(packages.map((p) => [p.version, p.signer?.name]), [['1.0.0', 'release']])
})
