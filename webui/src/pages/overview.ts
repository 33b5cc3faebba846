/**
 * Overview: every version with its state, aliases, replicas, uptime and restarts, and the
 * requests/s and p95 latency /metrics shows for it. Updates live: the list on every event from
 * /api/events, the traffic from a scrape every few seconds.
 */
import { aliasChips, replicasText, stateBadge } from '../components/badge.js'
import { errorBox } from '../components/notice.js'
import { dataTable } from '../components/table.js'
import { createTrafficSparklines } from '../components/traffic-sparklines.js'
import { h, replace } from '../dom.js'
import { formatDuration, formatMs, formatRate } from '../format.js'
import { refreshInstances, watchInstances } from '../live.js'
import { computeTraffic, scrapeMetrics, type Scrape, type Traffic } from '../metrics.js'
import { href, type Cleanup } from '../router.js'
import type { InstanceInfo } from '../types.js'

const SCRAPE_MS = 5000

function uptime(instance: InstanceInfo): string {
  const started = instance.replicas.filter((r) => r.state === 'ready' && r.startedAt).map((r) => Date.parse(r.startedAt!))
  return started.length ? formatDuration(Date.now() - Math.min(...started)) : '—'
}

function summaryCards(instances: InstanceInfo[], traffic: Map<string, Traffic>): HTMLElement {
  const models = new Set(instances.map((i) => i.name)).size
  const ready = instances.filter((i) => i.state === 'ready').length
  const failing = instances.filter((i) => ['failed', 'crashed', 'unhealthy'].includes(i.state)).length
  const rate = [...traffic.values()].reduce((sum, t) => sum + (t.requestsPerSecond ?? 0), 0)
  const card = (label: string, value: string, tone = '') => h('div', { class: `stat ${tone}` }, h('span', { class: 'value' }, value), h('span', { class: 'label' }, label))
  return h('div', { class: 'stats', role: 'group', 'aria-label': 'Summary' },
    card('models', String(models)), card('versions ready', `${ready}/${instances.length}`),
    card('need attention', String(failing), failing ? 'bad' : ''), card('requests/s', formatRate(rate)))
}

/** A banner when models run unsandboxed (from /ready): they could then read the server's files. */
async function sandboxBanner(slot: HTMLElement): Promise<void> {
  try {
    const ready = await (await fetch('/ready')).json() as { sandbox?: { mode: string; requested: string; warning: string | null } }
    const sandbox = ready.sandbox
    if (!sandbox || sandbox.mode === 'bwrap') return
    const why = sandbox.warning ?? `the server was started with --sandbox ${sandbox.requested}`
    replace(slot, h('div', { class: 'warning-box', role: 'status' }, h('strong', null, 'Models are not sandboxed. '), why))
  } catch {
    // /ready unreachable: the rest of the page says so
  }
}

export function renderOverview(main: HTMLElement): Cleanup {
  let instances: InstanceInfo[] = []
  let traffic = new Map<string, Traffic>()
  let previous: Scrape | undefined
  const sparklines = createTrafficSparklines()
  const body = h('div', { 'aria-live': 'off' }, h('p', { class: 'muted' }, 'Loading…'))
  const trafficNote = h('p', { class: 'muted small' })
  const banner = h('div', { class: 'sandbox-banner' })
  void sandboxBanner(banner)
  replace(main, banner,
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Overview'),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: href('packages') }, 'Upload a package'), h('a', { class: 'button primary', href: href('deploy') }, 'Deploy'))),
    body, trafficNote)

  function render(): void {
    const table = dataTable<InstanceInfo>([
      { label: 'Instance', cell: (i) => h('a', { href: href('models', i.name) }, i.name) },
      { label: 'Version', cell: (i) => h('a', { href: `${href('models', i.name)}?version=${encodeURIComponent(i.version)}` }, i.version) },
      { label: 'State', cell: (i) => stateBadge(i.state, i.reason) },
      { label: 'Aliases', cell: (i) => aliasChips(i.aliases) },
      { label: 'Replicas', kind: 'num', cell: (i) => replicasText(i) },
      { label: 'Uptime', kind: 'num', cell: uptime },
      { label: 'Restarts', kind: 'num', cell: (i) => String(i.replicas.reduce((n, r) => n + r.restarts, 0)) },
      { label: 'Requests/s', kind: 'num', cell: (i) => formatRate(traffic.get(i.ref)?.requestsPerSecond ?? (previous ? 0 : null)) },
      { label: 'p95', kind: 'num', cell: (i) => formatMs(traffic.get(i.ref)?.p95Ms) },
      { label: 'Last 15 min', cell: (i) => sparklines.cell(i.ref) },
    ], instances, {
      caption: 'Instances',
      rowKey: (i) => i.ref,
      empty: [h('p', null, h('strong', null, 'Nothing is deployed yet.')), h('p', null, h('a', { href: href('packages') }, 'Upload a package'), ', then ', h('a', { href: href('deploy') }, 'deploy it'), '.')],
    })
    replace(body, summaryCards(instances, traffic), table)
  }

  async function scrape(): Promise<void> {
    try {
      const now = await scrapeMetrics()
      traffic = computeTraffic(previous, now)
      previous = now
      trafficNote.textContent = 'Requests/s over the last few seconds and p95 latency from /metrics (since start when idle); refreshed every 5 s.'
      render()
    } catch (error) {
      trafficNote.textContent = `Traffic unavailable: ${(error as Error).message}`
    }
  }

  const unwatch = watchInstances((list) => { instances = list; render() })
  const list = () => refreshInstances().catch((error) => replace(body, errorBox(error, 'Could not list the instances', () => void list())))
  void list()
  void scrape()
  const first = setTimeout(() => void scrape(), 1500)
  const timer = setInterval(() => void scrape(), SCRAPE_MS)
  return () => { unwatch(); clearTimeout(first); clearInterval(timer); sparklines.close() }
}
