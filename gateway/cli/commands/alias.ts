/** `ferry alias <name> <alias> <version>`: point an alias (stable, canary, latest…) at a version. */
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { defineCommand } from '../command.js'

export default defineCommand<{ name: string; alias: string; version: string }>({
  usage: 'ferry alias <name> <alias> <version> [--gateway URL] [--token TOKEN]',
  description: 'Point an alias of a model at one of its versions; /models/<name>@<alias>/ then reaches it.',
  options: { ...CLIENT_OPTIONS },
  positionals: { min: 3, max: 3 },
  async run({ values, positionals }, context) {
    const [name, alias, version] = positionals as [string, string, string]
    const path = `/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}`
    return { result: await createApiClient(values, context).call('PUT', path, { json: { version } }) }
  },
  render: (r) => `${r.name}@${r.alias} → ${r.version}`,
})
