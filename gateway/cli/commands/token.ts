/**
 * `ferry token create <name> --role R [--model M]`, `ferry token ls`, `ferry token revoke <name>`:
 * named tokens with roles (admin, deployer, viewer, inference). The secret is printed once, on
 * creation; the server keeps only its hash.
 */
import { UsageError } from '../../../packager/ferry-error.js'
import type { TokenInfo } from '../../auth/index.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { renderTable } from '../_table.js'
import { defineCommand } from '../command.js'

type TokenResult =
  | { action: 'create'; token: TokenInfo & { token: string } }
  | { action: 'ls'; tokens: TokenInfo[] }
  | { action: 'revoke'; token: TokenInfo }

export default defineCommand<TokenResult>({
  usage: 'ferry token create <name> --role admin|deployer|viewer|inference [--model NAME] | ferry token ls | ferry token revoke <name> [--gateway URL] [--token TOKEN]',
  description: 'Create, list and revoke named tokens. admin: everything; deployer: packages, deployments, instances, aliases, rollouts (not tokens, trust or audit); viewer: read only; inference: calls one model. A new token is printed once.',
  options: {
    role: { type: 'string', value: 'ROLE', description: 'the new token\'s role: admin, deployer, viewer or inference' },
    model: { type: 'string', value: 'NAME', description: 'the model an inference token calls' },
    ...CLIENT_OPTIONS,
  },
  positionals: { min: 1, max: 2 },
  async run({ values, positionals }, context) {
    const [action, name] = positionals as [string, string | undefined]
    const client = createApiClient(values, context)
    if (action === 'ls') {
      if (name !== undefined) throw new UsageError('ferry token ls takes no name')
      return { result: { action, tokens: (await client.call<{ tokens: TokenInfo[] }>('GET', '/tokens')).tokens } }
    }
    if (action !== 'create' && action !== 'revoke') throw new UsageError(`ferry token takes create, ls or revoke, not "${action}"`)
    if (name === undefined) throw new UsageError(`ferry token ${action} needs the token's name`)
    if (action === 'revoke') return { result: { action, token: await client.call<TokenInfo>('DELETE', `/tokens/${encodeURIComponent(name)}`) } }
    if (values['role'] === undefined) throw new UsageError('ferry token create needs --role admin|deployer|viewer|inference')
    const json = { name, role: values['role'], ...(values['model'] !== undefined ? { model: values['model'] } : {}) }
    return { result: { action, token: await client.call<TokenInfo & { token: string }>('POST', '/tokens', { json }) } }
  },
  render(result) {
    if (result.action === 'create') {
      const t = result.token
      return `${t.token}\n\ncreated ${t.name} (${t.role}${t.model ? ` for ${t.model}` : ''}). This is the only time the token is shown: keep it now.`
    }
    if (result.action === 'revoke') return `revoked ${result.token.name}; it is refused from the next request on`
    if (result.tokens.length === 0) return 'no named tokens (the bootstrap admin token is in <data dir>/token or FERRY_TOKEN)'
    return renderTable(['NAME', 'ROLE', 'MODEL', 'CREATED', 'BY', 'STATE'], result.tokens.map((t) => [t.name, t.role, t.model ?? '-', t.createdAt, t.createdBy ?? '-', t.revokedAt ? `revoked ${t.revokedAt}` : 'active']))
  },
})
