/**
 * Routing `#/routing`: the routing table the data plane serves now (GET /api/routing), which plane
 * carries /models/ (node or nginx), and per model every version and alias with its ready
 * endpoints, latest's canary split or shadow mirror, and whether inference needs a token. Read-only:
 * versions, aliases and rollouts are changed on their own pages.
 */
import { api } from '../api.js'
import { errorBox } from '../components/notice.js'
import { dataTable } from '../components/table.js'
import { h, replace } from '../dom.js'
import { formatTime } from '../format.js'
import type { Cleanup } from '../router.js'

interface RoutingAnswer {
  dataPlane: 'node' | 'nginx'
  revision: number
  builtAt: string
  models: Record<string, {
    name: string
    servedBy: 'instances' | 'gateway'
    versions: Record<string, { ref: string; endpoints: Array<{ host: string; port: number }> }>
    aliases: Record<string, string>
    rollout: { split?: { version: string; weight: number; sticky: boolean }; mirror?: { version: string; percent: number } } | null
    auth: { required: boolean; tokens: number }
  }>
}

interface RouteRow { route: string; ref: string; endpoints: string; rollout: string; token: string }

function rowsOf(table: RoutingAnswer): RouteRow[] {
  const rows: RouteRow[] = []
  for (const model of Object.values(table.models)) {
    const selectors: Array<[string, string]> = [...Object.keys(model.versions).map((v): [string, string] => [v, v]), ...Object.entries(model.aliases)]
    for (const [selector, version] of selectors) {
      const route = model.versions[version]
      const rollout = selector === 'latest' && model.rollout
        ? model.rollout.split ? `canary ${model.rollout.split.version}: ${model.rollout.split.weight} %${model.rollout.split.sticky ? ', sticky' : ''}` : model.rollout.mirror ? `shadow ${model.rollout.mirror.version}: ${model.rollout.mirror.percent} % copied` : ''
        : ''
      rows.push({
        route: `${model.name}@${selector}`, ref: route?.ref ?? '',
        endpoints: model.servedBy === 'gateway' ? 'the gateway itself' : route && route.endpoints.length > 0 ? route.endpoints.map((e) => `${e.host}:${e.port}`).join(', ') : 'no ready replica (503)',
        rollout, token: model.auth.required ? `required (${model.auth.tokens} accepted)` : 'open',
      })
    }
  }
  return rows
}

export function renderRouting(main: HTMLElement): Cleanup {
  const summary = h('p', { class: 'muted' }, 'Loading…')
  const list = h('div')
  async function load(): Promise<void> {
    try {
      const table = await api.get<RoutingAnswer>('/routing')
      replace(summary, 'Served by the ', h('strong', null, table.dataPlane === 'nginx' ? 'nginx data plane' : 'Node data plane'),
        ` · routing table revision ${table.revision}, built ${formatTime(table.builtAt)}`)
      replace(list, dataTable<RouteRow>([
        { label: 'Route', cell: (r) => h('code', null, `/models/${r.route}/`) },
        { label: 'Version', cell: (r) => r.ref },
        { label: 'Ready endpoints', kind: 'wide', cell: (r) => r.endpoints },
        { label: 'Rollout', cell: (r) => r.rollout || '–' },
        { label: 'Token', cell: (r) => r.token },
      ], rowsOf(table), { caption: 'Routes', rowKey: (r) => r.route, empty: h('p', null, 'No model is deployed yet.') }))
    } catch (error) {
      replace(list, errorBox(error, 'Could not read the routing table'))
    }
  }
  replace(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Routing')),
    summary,
    h('section', { 'aria-labelledby': 'routes-heading' }, h('h2', { id: 'routes-heading' }, 'Routes'), list))
  void load()
  const timer = setInterval(() => void load(), 5000)
  return () => clearInterval(timer)
}
