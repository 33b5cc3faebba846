/**
 * `ferry verify <zip>`: offline, says who signed a package or why not. The signature is
 * `<zip>.sig` (or --sig); the trusted keys are those given with --key (a .pub file or a key line,
 * repeatable) and those of a data directory's trusted-keys/ (--data, else FERRY_HOME or ./.ferry
 * when it exists). Exits 1 with the code when unsigned, damaged, altered or by an untrusted key.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parsePublicKey, verifyPackageFile, type PackageVerification, type PublicKeyInfo } from '../../../packager/signing/index.js'
import { openTrustedKeys } from '../../trust/trusted-keys.js'
import { defineCommand } from '../command.js'
import { createPackagerError } from '../../../packager/errors.js'

/** A --key value: a key line, or the path of a file holding one. */
async function readKeyArgument(value: string, cwd: string): Promise<PublicKeyInfo> {
  if (value.trim().startsWith('ferry-ed25519 ')) return parsePublicKey(value, '--key')
  const path = resolve(cwd, value)
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw createPackagerError(error.code === 'ENOENT' ? 'E_KEY_NOT_FOUND' : 'E_KEY_INVALID', `the public key "${value}" cannot be read: ${error.message}`, { path, cause: error })
  })
  return parsePublicKey(text, path)
}

export default defineCommand<PackageVerification>({
  usage: 'ferry verify <zip> [--key PUB]… [--sig FILE] [--data DIR] [--json]',
  description: 'Check a package\'s signature offline and say who signed it; exit 1 (with the code) when it is unsigned, altered or by a key you do not trust.',
  options: {
    key: { type: 'string', multiple: true, value: 'PUB', description: 'a trusted public key: a .pub file or its line; repeatable' },
    sig: { type: 'string', value: 'FILE', description: 'the signature file (default <zip>.sig)' },
    data: { type: 'string', value: 'DIR', description: 'also trust the keys of this data directory (default FERRY_HOME, else ./.ferry)' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }, context) {
    const trusted: PublicKeyInfo[] = []
    for (const value of (values['key'] as string[] | undefined) ?? []) trusted.push(await readKeyArgument(value, context.cwd))
    const dataDir = resolve(context.cwd, (values['data'] as string | undefined) ?? context.env['FERRY_HOME'] ?? '.ferry')
    for (const key of await openTrustedKeys(dataDir).list()) trusted.push({ keyId: key.keyId, publicKey: key.publicKey, name: key.name })
    const zip = resolve(context.cwd, positionals[0]!)
    const sig = values['sig'] as string | undefined
    return { result: await verifyPackageFile(zip, { trusted, ...(sig ? { signaturePath: resolve(context.cwd, sig) } : {}) }) }
  },
  render: (r) => `signed by ${r.name ?? r.keyId} (key ${r.keyId}): good signature, trusted\nsha256  ${r.digest}`,
})
