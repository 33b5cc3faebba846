/**
 * The trusted-key store on its own: one 0600 file per key in a 0700 folder, keys copied in by hand
 * count (under any file name), a second copy of a key is one key, files that are not keys trust
 * nothing, renaming keeps one file, and removing takes every copy.
 */
import assert from 'node:assert/strict'
import { readdir, stat, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { resolveGatewayOptions } from '../gateway/options.js'
import { openTrustedKeys } from '../gateway/trust/trusted-keys.js'
import { FerryError, UsageError } from '../packager/ferry-error.js'
import { formatPublicKey, generateSigningKey } from '../packager/signing/index.js'
import { makeTempDir } from './_helpers.js'

test('trusted keys: added, copied in by hand, renamed, listed once, removed with every copy', async (t) => {
  const dataDir = await makeTempDir(t, 'ferry-trust-')
  const keys = openTrustedKeys(dataDir)
  const alice = generateSigningKey('alice').key
  const bob = generateSigningKey('bob').key
  assert.deepEqual(await keys.list(), [], 'no folder yet: nothing trusted')

  const { key, created } = await keys.add(formatPublicKey(alice))
  assert.equal(created, true)
  assert.deepEqual([key.keyId, key.name, key.publicKey, key.line], [alice.keyId, 'alice', alice.publicKey, formatPublicKey(alice)])
  assert.equal((await stat(keys.dir)).mode & 0o777, 0o700)
  assert.equal((await stat(join(keys.dir, `${alice.keyId}.pub`))).mode & 0o777, 0o600)
  assert.equal((await keys.add(formatPublicKey(alice))).created, false)

  // By hand: bob under his own file name, a second copy of alice, and files that are no key.
  await writeFile(join(keys.dir, 'bob.pub'), `${formatPublicKey(bob)}\n`)
  // Named to sort before and after alice's own file: hers wins either way.
  await writeFile(join(keys.dir, '0-alice-copy.pub'), `${formatPublicKey({ publicKey: alice.publicKey, name: 'other' })}\n`)
  await writeFile(join(keys.dir, 'z-alice-copy.pub'), `${formatPublicKey({ publicKey: alice.publicKey, name: 'other' })}\n`)
  await writeFile(join(keys.dir, 'broken.pub'), 'ferry-ed25519 nonsense')
  await writeFile(join(keys.dir, 'README'), formatPublicKey(generateSigningKey('ignored').key))
  await mkdir(join(keys.dir, 'folder.pub'))
  assert.deepEqual((await keys.list()).map((k) => [k.keyId, k.name]), [[alice.keyId, 'alice'], [bob.keyId, 'bob']])
  assert.equal((await keys.get(bob.keyId))?.name, 'bob')
  assert.equal(await keys.get('0123456789abcdef'), undefined)

  // Renaming alice leaves one file for her.
  const renamed = await keys.add(formatPublicKey(alice), 'alice-2027')
  assert.deepEqual([renamed.created, renamed.key.name], [false, 'alice-2027'])
  assert.deepEqual((await readdir(keys.dir)).filter((f) => f.endsWith('.pub')).sort(), [`${alice.keyId}.pub`, 'bob.pub', 'broken.pub', 'folder.pub'].sort())

  const removed = await keys.remove(bob.keyId)
  assert.equal(removed.name, 'bob')
  assert.deepEqual((await keys.list()).map((k) => k.keyId), [alice.keyId])
  await assert.rejects(keys.remove(bob.keyId), (error: unknown) => error instanceof FerryError && error.code === 'E_TRUSTED_KEY_NOT_FOUND' && error.status === 404)
  await assert.rejects(keys.remove('../../etc'), (error: unknown) => error instanceof FerryError && error.code === 'E_TRUSTED_KEY_NOT_FOUND')
  await assert.rejects(keys.add('ssh-ed25519 AAAAC3Nza'), (error: unknown) => error instanceof FerryError && error.code === 'E_KEY_INVALID')
  await assert.rejects(keys.add(formatPublicKey(bob), 'a name with spaces'), (error: unknown) => error instanceof FerryError && error.code === 'E_BODY_INVALID')
  assert.deepEqual((await keys.list()).map((k) => k.keyId), [alice.keyId], 'refused adds change nothing')
})

test('--require-signed resolves once: the flag, then FERRY_REQUIRE_SIGNED (1/true, 0/false), else off; anything else is a usage error', () => {
  assert.equal(resolveGatewayOptions({ env: {} }).requireSigned, false)
  assert.equal(resolveGatewayOptions({ env: { FERRY_REQUIRE_SIGNED: '1' } }).requireSigned, true)
  assert.equal(resolveGatewayOptions({ env: { FERRY_REQUIRE_SIGNED: 'true' } }).requireSigned, true)
  assert.equal(resolveGatewayOptions({ env: { FERRY_REQUIRE_SIGNED: '0' } }).requireSigned, false)
  assert.equal(resolveGatewayOptions({ requireSigned: false, env: { FERRY_REQUIRE_SIGNED: '1' } }).requireSigned, false, 'the explicit value wins')
  assert.equal(resolveGatewayOptions({ requireSigned: true, env: {} }).requireSigned, true)
  assert.throws(() => resolveGatewayOptions({ env: { FERRY_REQUIRE_SIGNED: 'yes please' } }), (error: unknown) => error instanceof UsageError && /FERRY_REQUIRE_SIGNED/.test(error.message))
})
