/**
 * `ferry alias <name> <alias> <version>`: point an alias (stable, canary, latest…) at a version;
 * `ferry alias <name> <alias> --rm` removes it (any alias but latest).
 */
import { UsageError } from '../../../packager/ferry-error.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { defineCommand } from '../command.js'

type AliasResult = { name: string; alias: string; version?: string; removed?: boolean }

export default defineCommand<AliasResult>({
  usage: 'ferry alias <name> <alias> <version> | ferry alias <name> <alias> --rm [--gateway URL] [--token TOKEN]',
  description: 'Point an alias of a model at one of its versions (/models/<name>@<alias>/ then reaches it), or remove it with --rm. Aliases are slugs: lowercase letters, digits and hyphens, never a version number.',
  options: { ...CLIENT_OPTIONS, rm: { type: 'boolean', description: 'remove the alias instead (latest cannot be removed)' } },
  positionals: { min: 2, max: 3 },
  async run({ values, positionals }, context) {
    const [name, alias, version] = positionals as [string, string, string | undefined]
    const path = `/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}`
    const client = createApiClient(values, context)
    if (values['rm'] === true) {
      if (version !== undefined) throw new UsageError('--rm takes <name> <alias>, no version')
      await client.call('DELETE', path)
      return { result: { name, alias, removed: true } }
    }
    if (version === undefined) throw new UsageError('give the version to point the alias at, or --rm to remove it')
    return { result: await client.call<AliasResult>('PUT', path, { json: { version } }) }
  },
  render: (r) => (r.removed ? `removed ${r.name}@${r.alias}` : `${r.name}@${r.alias} → ${r.version}`),
})
