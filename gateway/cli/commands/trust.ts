/**
 * `ferry trust add|list|rm`: the public keys a running `ferry serve` trusts (its /api/trust).
 * `add` takes a .pub file or the key line itself; `rm` a key id.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { UsageError } from '../../../packager/ferry-error.js'
import { parsePublicKey } from '../../../packager/signing/index.js'
import type { TrustedKey } from '../../trust/trusted-keys.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { defineCommand } from '../command.js'

type TrustResult = { action: 'list'; requireSigned: boolean; keys: TrustedKey[] } | { action: 'add'; key: TrustedKey } | { action: 'rm'; keyId: string }

export default defineCommand<TrustResult>({
  usage: 'ferry trust add <KEY.pub|"ferry-ed25519 …"> [--name NAME] | ferry trust list | ferry trust rm <keyId>  [--gateway URL] [--token TOKEN]',
  description: 'Manage the public keys whose package signatures the server trusts.',
  options: {
    name: { type: 'string', value: 'NAME', description: 'add: the name to show for this key (default: the name on its line)' },
    ...CLIENT_OPTIONS,
  },
  positionals: { min: 1, max: 2 },
  async run({ values, positionals }, context) {
    const client = createApiClient(values, context)
    const [action, argument] = positionals
    if (action === 'list' || action === 'ls') {
      if (argument !== undefined) throw new UsageError('trust list takes no argument')
      const listed = await client.call<{ requireSigned: boolean; keys: TrustedKey[] }>('GET', '/trust')
      return { result: { action: 'list', ...listed } }
    }
    if (action === 'add') {
      if (argument === undefined) throw new UsageError('trust add takes a .pub file or a key line')
      const line = argument.trim().startsWith('ferry-ed25519 ') ? argument : await readFile(resolve(context.cwd, argument), 'utf8').catch(() => { throw new UsageError(`"${argument}" is neither a key line nor a readable .pub file`) })
      // Checked here first: a private key given by mistake never leaves this machine.
      parsePublicKey(line, argument.trim().startsWith('ferry-ed25519 ') ? 'the key line' : argument)
      const key = await client.call<TrustedKey>('POST', '/trust', { json: { publicKey: line.trim(), ...(values['name'] ? { name: values['name'] } : {}) } })
      return { result: { action: 'add', key } }
    }
    if (action === 'rm' || action === 'remove') {
      if (argument === undefined) throw new UsageError('trust rm takes a key id (see `ferry trust list`)')
      await client.call('DELETE', `/trust/${encodeURIComponent(argument)}`)
      return { result: { action: 'rm', keyId: argument } }
    }
    throw new UsageError(`trust takes add, list or rm, not "${action}"`)
  },
  render(result) {
    if (result.action === 'add') return `trusted ${result.key.keyId} (${result.key.name})`
    if (result.action === 'rm') return `no longer trusted: ${result.keyId} (packages it signed keep their recorded signer)`
    const head = `uploads: ${result.requireSigned ? 'signed by a trusted key only (--require-signed)' : 'signed or unsigned (a signature is checked when present)'}`
    if (result.keys.length === 0) return `${head}\nno trusted keys`
    const rows = [['KEY ID', 'NAME', 'ADDED'], ...result.keys.map((k) => [k.keyId, k.name, k.addedAt])]
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
    return [head, ...rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd())].join('\n')
  },
})
