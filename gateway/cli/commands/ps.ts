/** `ferry ps`: every version with its state, aliases and replicas. */
import type { InstanceInfo } from '../../../deployer/index.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { defineCommand } from '../command.js'

export default defineCommand<InstanceInfo[]>({
  usage: 'ferry ps [--gateway URL] [--token TOKEN]',
  description: 'List every version: state, aliases, replicas and ports.',
  options: { ...CLIENT_OPTIONS },
  positionals: { min: 0, max: 0 },
  async run({ values }, context) {
    return { result: await createApiClient(values, context).call<InstanceInfo[]>('GET', '/instances') }
  },
  render(list) {
    if (list.length === 0) return 'no versions deployed'
    const rows = list.map((i) => [i.ref, i.state, i.aliases.join(',') || '-', `${i.replicas.filter((r) => r.state === 'ready').length}/${i.replicaCount}`, i.replicas.map((r) => r.port ?? '-').join(',') || '-'])
    const table = [['VERSION', 'STATE', 'ALIASES', 'READY', 'PORTS'], ...rows]
    const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => String(r[c]).length)))
    return table.map((r) => r.map((cell, c) => String(cell).padEnd(widths[c]!)).join('  ').trimEnd()).join('\n')
  },
})
