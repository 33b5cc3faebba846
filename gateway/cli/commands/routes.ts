/** `ferry routes`: the routing table the data plane serves now (GET /api/routing), one row per name@selector. */
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { renderTable } from '../_table.js'
import { defineCommand } from '../command.js'

interface RoutingAnswer {
  dataPlane: string
  revision: number
  builtAt: string
  models: Record<string, {
    name: string
    servedBy: string
    versions: Record<string, { ref: string; endpoints: Array<{ host: string; port: number }> }>
    aliases: Record<string, string>
    rollout: { split?: { version: string; weight: number; sticky: boolean }; mirror?: { version: string; percent: number } } | null
    auth: { required: boolean; tokens: number }
  }>
}

export default defineCommand<RoutingAnswer>({
  usage: 'ferry routes [--json] [--gateway URL] [--token TOKEN]',
  description: 'Print the routing table the data plane (node or nginx) serves now: every version and alias with its ready endpoints, the rollout split or mirror of latest, and whether a token is needed.',
  options: { ...CLIENT_OPTIONS },
  positionals: { min: 0, max: 0 },
  async run({ values }, context) {
    return { result: await createApiClient(values, context).call<RoutingAnswer>('GET', '/routing') }
  },
  render(table) {
    const rows: string[][] = []
    for (const model of Object.values(table.models)) {
      const selectors = [...Object.keys(model.versions).map((v) => [v, v] as const), ...Object.entries(model.aliases)]
      for (const [selector, version] of selectors) {
        const route = model.versions[version]
        const rollout = selector === 'latest' && model.rollout
          ? model.rollout.split ? `canary ${model.rollout.split.version} ${model.rollout.split.weight}%${model.rollout.split.sticky ? ' sticky' : ''}` : model.rollout.mirror ? `shadow ${model.rollout.mirror.version} ${model.rollout.mirror.percent}%` : '-'
          : '-'
        rows.push([`${model.name}@${selector}`, route?.ref ?? '-', model.servedBy === 'gateway' ? 'gateway' : (route?.endpoints.map((e) => `${e.host}:${e.port}`).join(' ') || 'none ready'), rollout, model.auth.required ? `yes (${model.auth.tokens})` : 'no'])
      }
    }
    const head = `data plane ${table.dataPlane}, routing table revision ${table.revision} (${table.builtAt})`
    return rows.length === 0 ? `${head}\nno models` : `${head}\n${renderTable(['ROUTE', 'VERSION', 'ENDPOINTS', 'ROLLOUT', 'TOKEN'], rows)}`
  },
})
