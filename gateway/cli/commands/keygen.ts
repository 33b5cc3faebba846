/**
 * `ferry keygen`: a new Ed25519 signing key. Writes `<name>.key` (the private key, PKCS#8 PEM,
 * mode 0600) and `<name>.pub` (its one-line public key) into --out (default
 * `$XDG_CONFIG_HOME/ferry/keys`, else `~/.config/ferry/keys`), never overwriting a key; prints the
 * public key line and its key id.
 */
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { createPackagerError } from '../../../packager/errors.js'
import { UsageError } from '../../../packager/ferry-error.js'
import { formatPublicKey, generateSigningKey, KEY_NAME } from '../../../packager/signing/index.js'
import { defineCommand } from '../command.js'

interface KeygenResult { keyId: string; name: string; publicKey: string; privateKeyPath: string; publicKeyPath: string }

/** Where keys go by default. */
export function defaultKeyDir(env: NodeJS.ProcessEnv): string {
  return join(env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config'), 'ferry', 'keys')
}

async function writeNew(path: string, text: string, mode: number): Promise<void> {
  try {
    await writeFile(path, text, { flag: 'wx', mode })
    await chmod(path, mode) // the umask may have taken bits off
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw createPackagerError('E_KEY_EXISTS', `"${path}" already exists: keygen never overwrites a key`, { path })
    throw error
  }
}

export default defineCommand<KeygenResult>({
  usage: 'ferry keygen [--name NAME] [--out DIR] [--json]',
  description: 'Make an Ed25519 signing key: NAME.key (private, 0600) and NAME.pub (the line to give `ferry trust add`). Prints the public key and its key id.',
  options: {
    name: { type: 'string', value: 'NAME', description: 'the key\'s name, also its file names (default "ferry")' },
    out: { type: 'string', short: 'o', value: 'DIR', description: 'folder for the two files (default ~/.config/ferry/keys)' },
  },
  positionals: { min: 0, max: 0 },
  async run({ values }, context) {
    const name = (values['name'] as string | undefined) ?? 'ferry'
    if (!KEY_NAME.test(name)) throw new UsageError(`--name takes 1 to 64 letters, digits, ".", "_", "@" or "-", not "${name}"`)
    const dir = resolve(context.cwd, (values['out'] as string | undefined) ?? defaultKeyDir(context.env))
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const { privatePem, key } = generateSigningKey(name)
    const privateKeyPath = join(dir, `${name}.key`)
    const publicKeyPath = join(dir, `${name}.pub`)
    const line = formatPublicKey(key)
    await writeNew(privateKeyPath, privatePem, 0o600)
    try {
      await writeNew(publicKeyPath, `${line}\n`, 0o644)
    } catch (error) {
      await rm(privateKeyPath, { force: true })
      throw error
    }
    return { result: { keyId: key.keyId, name, publicKey: line, privateKeyPath, publicKeyPath } }
  },
  render: (r) => [
    `key ${r.keyId} (${r.name})`,
    `private  ${r.privateKeyPath}   (mode 0600: keep it secret; sign with --sign ${r.privateKeyPath})`,
    `public   ${r.publicKeyPath}`,
    '',
    r.publicKey,
    '',
    `Trust it on a server: ferry trust add ${r.publicKeyPath}`,
  ].join('\n'),
})
