/** `ferry ps`: every version with its state, aliases, replicas and who signed its package. */
import type { InstanceInfo } from '../../../deployer/index.js'
import type { SignerView } from '../../trust/signer-view.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { defineCommand } from '../command.js'

export default defineCommand<Array<InstanceInfo & { signer: SignerView | null }>>({
  usage: 'ferry ps [--gateway URL] [--token TOKEN]',
  description: 'List every version: state, aliases, replicas, ports and who signed its package.',
  options: { ...CLIENT_OPTIONS },
  positionals: { min: 0, max: 0 },
  async run({ values }, context) {
    const client = createApiClient(values, context)
    const [instances, packages] = await Promise.all([client.call<InstanceInfo[]>('GET', '/instances'), client.call<Array<{ digest: string; signer: SignerView | null }>>('GET', '/packages')])
    const signers = new Map(packages.map((p) => [p.digest, p.signer]))
    return { result: instances.map((i) => ({ ...i, signer: signers.get(i.digest) ?? null })) }
  },
  render(list) {
    if (list.length === 0) return 'no versions deployed'
    const signedBy = (s: SignerView | null) => (s ? `${s.name ?? s.keyId}${s.trust === 'trusted' ? '' : ` (${s.trust === 'removed' ? 'key removed' : 'untrusted'})`}` : 'unsigned')
    const rows = list.map((i) => [i.ref, i.state, i.aliases.join(',') || '-', i.pipeline ? 'pipeline' : `${i.replicas.filter((r) => r.state === 'ready').length}/${i.replicaCount}`, i.replicas.map((r) => r.port ?? '-').join(',') || '-', signedBy(i.signer)])
    const table = [['VERSION', 'STATE', 'ALIASES', 'READY', 'PORTS', 'SIGNED BY'], ...rows]
    const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => String(r[c]).length)))
    return table.map((r) => r.map((cell, c) => String(cell).padEnd(widths[c]!)).join('  ').trimEnd()).join('\n')
  },
})
