/**
 * Signed packages offline, through the real CLI: `ferry keygen` (0600 private key, printable
 * public key, never overwrites), `ferry pack --sign` (a `.sig` beside the zip, reproducible), and
 * `ferry verify` saying who signed, or why not with its code and exit 1: unsigned, a tampered zip,
 * a tampered signature, a swapped key, a wrong key, a damaged file.
 */
import assert from 'node:assert/strict'
import { sign as cryptoSign } from 'node:crypto'
import { chmod, readFile, stat, writeFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { readSigningKey, verifySignature, parseSignature } from '../packager/signing/index.js'
import { openTrustedKeys } from '../gateway/trust/trusted-keys.js'
import { FIXTURES } from './_deployer-helpers.js'
import { makeTempDir, runFerry, type CliRun } from './_helpers.js'

const errorCode = (run: CliRun) => (JSON.parse(run.stdout) as { error: { code: string; details?: Record<string, unknown> } }).error

async function setUp(t: import('node:test').TestContext) {
  const tmp = await makeTempDir(t, 'ferry-signing-')
  const ferry = (...args: string[]) => runFerry(args, { cwd: tmp, env: { FERRY_HOME: join(tmp, 'no-data') } })
  return { tmp, ferry }
}

test('keygen writes a 0600 private key and a one-line public key, and never overwrites them', async (t) => {
  const { tmp, ferry } = await setUp(t)
  const run = await ferry('keygen', '--name', 'alice', '--out', 'keys', '--json')
  assert.equal(run.code, 0, run.stderr)
  const made = JSON.parse(run.stdout) as { keyId: string; publicKey: string; privateKeyPath: string; publicKeyPath: string }
  assert.match(made.keyId, /^[0-9a-f]{16}$/)
  assert.match(made.publicKey, /^ferry-ed25519 [A-Za-z0-9+/]{43}= alice$/)
  assert.equal((await stat(made.privateKeyPath)).mode & 0o777, 0o600)
  assert.equal((await readFile(made.publicKeyPath, 'utf8')).trim(), made.publicKey)
  assert.equal((await readSigningKey(made.privateKeyPath)).keyId, made.keyId, 'the key id follows from the private key')
  const human = await ferry('keygen', '--name', 'bob', '--out', 'keys')
  assert.match(human.stdout, /^key [0-9a-f]{16} \(bob\)$/m)
  assert.match(human.stdout, /^ferry-ed25519 \S+ bob$/m)

  const before = await readFile(made.privateKeyPath, 'utf8')
  const again = await ferry('keygen', '--name', 'alice', '--out', 'keys', '--json')
  assert.equal(again.code, 1)
  assert.equal(errorCode(again).code, 'E_KEY_EXISTS')
  assert.equal(await readFile(made.privateKeyPath, 'utf8'), before, 'the existing key is untouched')
  assert.deepEqual((await readdir(join(tmp, 'keys'))).sort(), ['alice.key', 'alice.pub', 'bob.key', 'bob.pub'])
  assert.equal((await ferry('keygen', '--name', '../x', '--out', 'keys')).code, 2, 'a name that is not a plain word is a usage error')
})

test('keygen → pack --sign → verify: who signed it, and the same content signs to the same bytes', async (t) => {
  const { tmp, ferry } = await setUp(t)
  assert.equal((await ferry('keygen', '--name', 'alice', '--out', 'keys')).code, 0)
  const packed = await ferry('pack', join(FIXTURES, 'valid'), '--out', 'dist', '--sign', 'keys/alice.key', '--json')
  assert.equal(packed.code, 0, packed.stderr)
  const result = JSON.parse(packed.stdout) as { path: string; sha256: string; signature: { path: string; keyId: string } }
  assert.equal(result.signature.path, `${result.path}.sig`)
  const sig = parseSignature(await readFile(result.signature.path, 'utf8'))
  assert.equal(sig.digest, `sha256:${result.sha256}`)
  assert.equal(sig.keyId, result.signature.keyId)

  const verified = await ferry('verify', result.path, '--key', 'keys/alice.pub', '--json')
  assert.equal(verified.code, 0, verified.stderr)
  assert.deepEqual({ ...JSON.parse(verified.stdout), path: undefined, signaturePath: undefined }, { path: undefined, signaturePath: undefined, digest: result.sha256, keyId: sig.keyId, name: 'alice' })
  const human = await ferry('verify', result.path, '--key', await readFile(join(tmp, 'keys', 'alice.pub'), 'utf8'))
  assert.match(human.stdout, /^signed by alice \(key [0-9a-f]{16}\): good signature, trusted$/m)

  // The keys a data directory trusts count too (what `ferry trust add` keeps).
  await openTrustedKeys(join(tmp, 'data')).add(await readFile(join(tmp, 'keys', 'alice.pub'), 'utf8'), 'alice-at-work')
  const viaData = await ferry('verify', result.path, '--data', 'data', '--json')
  assert.equal(viaData.code, 0, viaData.stderr)
  assert.equal((JSON.parse(viaData.stdout) as { name: string }).name, 'alice-at-work')

  const first = await readFile(result.signature.path)
  const repacked = await ferry('pack', join(FIXTURES, 'valid'), '--out', 'elsewhere', '--sign', 'keys/alice.key', '--json')
  const second = JSON.parse(repacked.stdout) as { sha256: string; signature: { path: string } }
  assert.equal(second.sha256, result.sha256)
  assert.deepEqual(await readFile(second.signature.path), first, 'Ed25519 is deterministic: the same package, key and message give the same .sig')
})

test('verify refuses, each with its code and exit 1: unsigned, tampered zip, tampered signature, swapped key, wrong key, damaged file', async (t) => {
  const { tmp, ferry } = await setUp(t)
  await ferry('keygen', '--name', 'alice', '--out', 'keys')
  await ferry('keygen', '--name', 'mallory', '--out', 'keys')
  const packed = JSON.parse((await ferry('pack', join(FIXTURES, 'valid'), '--out', 'dist', '--sign', 'keys/alice.key', '--json')).stdout) as { path: string; sha256: string }
  const zip = packed.path
  const sigPath = `${zip}.sig`
  const original = await readFile(sigPath, 'utf8')
  const refuse = async (code: string, ...args: string[]) => {
    const run = await ferry('verify', zip, '--key', 'keys/alice.pub', '--json', ...args)
    assert.equal(run.code, 1, `${code}: ${run.stdout}`)
    const error = errorCode(run)
    assert.equal(error.code, code, run.stdout)
    return error
  }

  // Wrong key: only mallory is trusted.
  const wrongKey = await ferry('verify', zip, '--key', 'keys/mallory.pub', '--json')
  assert.equal(wrongKey.code, 1)
  assert.equal(errorCode(wrongKey).code, 'E_SIGNER_UNTRUSTED')
  const human = await ferry('verify', zip)
  assert.equal(human.code, 1)
  assert.match(human.stderr, /error E_SIGNER_UNTRUSTED: .*valid signature by key [0-9a-f]{16}/)

  // A tampered zip: one byte appended.
  const bytes = await readFile(zip)
  await writeFile(zip, Buffer.concat([bytes, Buffer.from([0])]))
  assert.equal((await refuse('E_SIGNATURE_MISMATCH')).details!['reason'], 'digest')
  await writeFile(zip, bytes)

  // A tampered signature: one bit of it flipped.
  const doc = JSON.parse(original) as Record<string, string>
  const raw = Buffer.from(doc['signature']!, 'base64')
  raw[10]! ^= 1
  await writeFile(sigPath, JSON.stringify({ ...doc, signature: raw.toString('base64') }))
  assert.equal((await refuse('E_SIGNATURE_MISMATCH')).details!['reason'], 'signature')

  // Mallory re-signs alice's package with her own key, claiming alice's key id: the id is not her key's.
  const mallory = await readSigningKey(join(tmp, 'keys', 'mallory.key'))
  const forged = cryptoSign(null, Buffer.from(`ferry package signature v1\0sha256:${packed.sha256}`), mallory.privateKey).toString('base64')
  await writeFile(sigPath, JSON.stringify({ ...doc, publicKey: mallory.publicKey, signature: forged }))
  assert.equal((await refuse('E_SIGNATURE_INVALID')).details!['field'], 'keyId')
  // … and under her own key id it is a valid signature by a key nobody trusts.
  await writeFile(sigPath, JSON.stringify({ ...doc, keyId: mallory.keyId, publicKey: mallory.publicKey, signature: forged }))
  await refuse('E_SIGNER_UNTRUSTED')

  // A signature over the bare digest (no domain separation) does not pass.
  const bare = cryptoSign(null, Buffer.from(packed.sha256, 'hex'), (await readSigningKey(join(tmp, 'keys', 'alice.key'))).privateKey).toString('base64')
  await writeFile(sigPath, JSON.stringify({ ...doc, signature: bare }))
  await refuse('E_SIGNATURE_MISMATCH')

  await writeFile(sigPath, 'not json')
  await refuse('E_SIGNATURE_INVALID')
  await writeFile(sigPath, JSON.stringify({ ...doc, extra: 1 }))
  assert.equal((await refuse('E_SIGNATURE_INVALID')).details!['field'], 'extra')
  await writeFile(sigPath, original)
  assert.equal((await ferry('verify', zip, '--key', 'keys/alice.pub')).code, 0, 'the original signature still verifies')

  await refuse('E_SIGNATURE_MISSING', '--sig', join(tmp, 'nothing.sig'))
  await refuse('E_KEY_NOT_FOUND', '--key', 'keys/nobody.pub')
  await refuse('E_KEY_INVALID', '--key', 'keys/alice.key')
  assert.doesNotThrow(() => verifySignature(parseSignature(original), packed.sha256))
})

test('pack --sign with a missing or wrong key packs nothing', async (t) => {
  const { tmp, ferry } = await setUp(t)
  await ferry('keygen', '--name', 'alice', '--out', 'keys')
  const missing = await ferry('pack', join(FIXTURES, 'valid'), '--out', 'dist', '--sign', 'keys/nobody.key', '--json')
  assert.equal(missing.code, 1)
  assert.equal(errorCode(missing).code, 'E_KEY_NOT_FOUND')
  const publicKey = await ferry('pack', join(FIXTURES, 'valid'), '--out', 'dist', '--sign', 'keys/alice.pub', '--json')
  assert.equal(publicKey.code, 1)
  assert.equal(errorCode(publicKey).code, 'E_KEY_INVALID')
  assert.deepEqual(await readdir(tmp).then((names) => names.filter((n) => n === 'dist')), [], 'no output folder, no zip')

  await chmod(join(tmp, 'keys', 'alice.key'), 0o644)
  const exposed = await ferry('pack', join(FIXTURES, 'valid'), '--out', 'dist', '--sign', 'keys/alice.key')
  assert.equal(exposed.code, 0, exposed.stderr)
  assert.match(exposed.stderr, /warning: the signing key \S+alice\.key can be read by others \(mode 0644\)/)
})
