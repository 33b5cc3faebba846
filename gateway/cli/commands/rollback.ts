/** `ferry rollback <name>`: move `latest` back to the newest older version that is ready. */
import semver from 'semver'
import type { ModelInfo } from '../../../deployer/index.js'
import { createGatewayError } from '../../errors.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { defineCommand } from '../command.js'

export default defineCommand<{ name: string; from: string; to: string }>({
  usage: 'ferry rollback <name> [--gateway URL] [--token TOKEN]',
  description: 'Move the latest alias to the newest version older than the current one that is deployed and ready.',
  options: { ...CLIENT_OPTIONS },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }, context) {
    const client = createApiClient(values, context)
    const name = positionals[0]!
    const model = (await client.call<ModelInfo[]>('GET', '/models')).find((m) => m.name === name)
    if (!model) throw createGatewayError('E_ROUTE_NOT_FOUND', `no model "${name}"`)
    const current = model.aliases['latest']
    const previous = model.versions
      .filter((v) => v.tagged && v.state === 'ready' && current !== undefined && semver.lt(v.version, current))
      .sort((a, b) => semver.rcompare(a.version, b.version))[0]
    if (!current || !previous) throw createGatewayError('E_BODY_INVALID', `${name} has no ready version older than ${current ?? 'latest'} to roll back to`, { details: { latest: current, versions: model.versions } })
    await client.call('PUT', `/models/${encodeURIComponent(name)}/aliases/latest`, { json: { version: previous.version } })
    return { result: { name, from: current, to: previous.version } }
  },
  render: (r) => `${r.name}: latest ${r.from} → ${r.to}`,
})
