/**
 * The CLI's `--sign KEY`: reads the private key (before anything is packed or sent) and warns,
 * as ssh does, when others may read it.
 */
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { readSigningKey, type SigningKey } from '../../packager/signing/index.js'
import type { CommandContext } from './command.js'

/** The key at `--sign` (relative to the command's cwd), or undefined without the flag. */
export async function readSignOption(value: unknown, context: CommandContext): Promise<SigningKey | undefined> {
  if (value === undefined) return undefined
  const path = resolve(context.cwd, value as string)
  const key = await readSigningKey(path)
  const mode = (await stat(path)).mode & 0o777
  if (mode & 0o077) context.stderr.write(`warning: the signing key ${path} can be read by others (mode ${mode.toString(8).padStart(4, '0')}); \`chmod 600\` it\n`)
  return key
}
