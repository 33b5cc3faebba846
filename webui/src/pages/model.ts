/**
 * A model's page: its versions with state and aliases (promote, stop, start, restart, remove),
 * roll back `latest` (asks first), move or remove any alias, live logs with follow and filter, its part of the API docs,
 * its prediction history and its inference token; who signed each version's package; for a
 * pipeline, its steps with the models they reach (webui/src/pipeline/). Versions
 * and aliases update live.
 */
import { api, seg } from '../api.js'
import { aliasEditor } from '../components/alias-editor.js'
import { aliasChips, replicasText, stateBadge } from '../components/badge.js'
import { callSnippetsSection } from '../components/call-snippets.js'
import { confirmDialog } from '../components/confirm-dialog.js'
import { predictionHistory } from '../components/history.js'
import { createLogView, modelLogs } from '../components/log-view.js'
import { modelApiSection } from '../components/model-api.js'
import { modelTokenSection } from '../components/model-token.js'
import { runAction } from '../components/notice.js'
import { signerBadge } from '../components/signer.js'
import { trafficCharts } from '../components/traffic-charts.js'
import { dataTable } from '../components/table.js'
import { field, h, replace } from '../dom.js'
import { formatTime } from '../format.js'
import { refreshInstances, watchInstances } from '../live.js'
import { href, type Cleanup, type Route } from '../router.js'
import { compareVersions } from '../semver.js'
import { pipelineSection } from '../pipeline/pipeline-section.js'
import type { InstanceInfo, ModelInfo, PackageSigner, PackageSummary } from '../types.js'
import { versionActions } from './model-actions.js'

/** The version `latest` would roll back to: the newest tagged, ready one older than it. */
export function rollbackTarget(versions: InstanceInfo[]): { from: string; to: string } | undefined {
  const from = versions.find((v) => v.aliases.includes('latest'))?.version
  if (!from) return undefined
  const to = versions.filter((v) => v.tagged && v.state === 'ready' && compareVersions(v.version, from) < 0)
    .sort((a, b) => compareVersions(b.version, a.version))[0]
  return to ? { from, to: to.version } : undefined
}

export function renderModel(main: HTMLElement, route: Route): Cleanup {
  const name = route.params['name']!
  let versions: InstanceInfo[] = []
  /** Who signed each version's package, by digest (GET /api/packages). */
  const signers = new Map<string, PackageSigner | null>()
  const loadSigners = () => api.get<PackageSummary[]>('/packages').then((packages) => {
    for (const p of packages) signers.set(p.digest, p.signer ?? null)
    for (const v of versions) if (!signers.has(v.digest)) signers.set(v.digest, null)
    render()
  }).catch(() => undefined)
  let selected = route.query.get('version') ?? ''
  const description = h('p', { class: 'muted' })
  const rollback = h('button', { type: 'button' }, 'Roll back')
  const rollbackNote = h('p', { class: 'muted small note', id: 'rollback-note' })
  rollback.setAttribute('aria-describedby', rollbackNote.id)
  const versionsBody = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  const aliases = aliasEditor(name)
  const versionSelect = h('select', { name: 'version' })
  const logs = createLogView(modelLogs(name, selected || undefined), { label: `Log of ${name}` })
  const apiSection = modelApiSection(name)
  const snippets = callSnippetsSection(name)
  let tokenRequired = false
  const history = predictionHistory({ model: name })
  const token = modelTokenSection(name)
  const traffic = trafficCharts(name)
  const pipeline = pipelineSection(name)

  rollback.addEventListener('click', async () => {
    const target = rollbackTarget(versions)
    if (!target) return
    const yes = await confirmDialog({ title: `Roll back ${name}?`, message: `latest ${target.from} → ${target.to}: /models/${name}/ will be answered by ${name}@${target.to}; ${target.from} keeps running.`, action: 'Roll back' })
    if (!yes) return
    await runAction(rollback, async () => { await api.put(`/models/${seg(name)}/aliases/latest`, { version: target.to }); await refreshInstances() }, `${name}: latest ${target.from} → ${target.to}`)
  })

  function render(): void {
    const target = rollbackTarget(versions)
    rollback.disabled = !target
    rollbackNote.textContent = target ? `latest ${target.from} → ${target.to}` : 'No ready version older than latest to roll back to.'
    description.textContent = versions.find((v) => v.aliases.includes('latest'))?.description ?? versions[versions.length - 1]?.description ?? ''
    replace(versionsBody, dataTable<InstanceInfo>([
      { label: 'Version', cell: (v) => h('strong', null, v.version) },
      { label: 'State', cell: (v) => [stateBadge(v.state, v.reason), v.reason && v.state !== 'ready' ? h('small', { class: 'muted block' }, v.reason) : null] },
      { label: 'Aliases', cell: (v) => aliasChips(v.aliases) },
      { label: 'Replicas', kind: 'num', cell: (v) => replicasText(v) },
      { label: 'Since', cell: (v) => formatTime(v.since) },
      { label: 'Signed by', cell: (v) => (signers.has(v.digest) ? signerBadge(signers.get(v.digest)) : '…') },
      { label: 'Actions', kind: 'actions', cell: (v) => versionActions(v) },
    ], [...versions].reverse(), { caption: `Versions of ${name}`, rowKey: (v) => v.ref, empty: h('p', null, `No versions of ${name}. `, h('a', { href: href('deploy') }, 'Deploy one'), '.') }))
    aliases.update(versions)
    const options = ['', ...[...versions].reverse().map((v) => v.version)]
    if (versionSelect.options.length !== options.length || [...versionSelect.options].some((o, i) => o.value !== options[i])) {
      replace(versionSelect, options.map((v) => h('option', { value: v, selected: v === selected }, v ? `${name}@${v}` : 'All versions')))
    }
    const shown = selected || versions.find((v) => v.aliases.includes('latest'))?.version || versions[versions.length - 1]?.version || ''
    apiSection.show(shown)
    pipeline.show(versions.find((v) => v.version === shown))
    snippets.show(shown, tokenRequired)
  }

  versionSelect.addEventListener('change', () => {
    selected = versionSelect.value
    logs.setSource(modelLogs(name, selected || undefined))
    render()
  })

  const page = h('div', null,
    h('div', { class: 'page-head' },
      h('div', null, h('p', { class: 'crumbs' }, h('a', { href: href('') }, 'Overview'), ' / model'), h('h1', { tabindex: '-1' }, name), description),
      h('div', { class: 'actions' },
        h('a', { class: 'button primary', href: href('models', name, 'try') }, 'Try it'),
        rollback,
        h('a', { class: 'button', href: `${href('runs')}?model=${encodeURIComponent(name)}` }, 'Runs'),
        h('a', { class: 'button', href: '/docs', target: '_blank', rel: 'noopener' }, 'API docs', h('span', { class: 'visually-hidden' }, ' (opens a new tab)'))),
      rollbackNote),
    h('section', { 'aria-labelledby': 'versions-heading' }, h('h2', { id: 'versions-heading' }, 'Versions'), versionsBody),
    pipeline.element,
    traffic.element,
    h('section', { 'aria-labelledby': 'aliases-heading' }, h('h2', { id: 'aliases-heading' }, 'Aliases'), aliases.element),
    h('section', { 'aria-labelledby': 'logs-heading' }, h('div', { class: 'section-head' }, h('h2', { id: 'logs-heading' }, 'Logs'), field('Version', versionSelect)), logs.element),
    snippets.element,
    apiSection.element,
    history.element,
    token.element)

  // A name with no versions is no model: say so (with the models there are) instead of an empty page.
  const missing = h('div', { hidden: true })
  function showMissing(list: InstanceInfo[]): void {
    const gone = list.every((i) => i.name !== name)
    if (gone === !missing.hidden) return
    missing.hidden = !gone
    page.hidden = gone
    if (!gone) return
    const models = [...new Set(list.map((i) => i.name))].sort()
    replace(missing, h('h1', { tabindex: '-1' }, 'Model not found'),
      h('p', null, 'No model is called ', h('code', null, name), ' on this server.'),
      models.length ? h('p', null, 'Models: ', models.map((m, i) => [i ? ', ' : '', h('a', { href: href('models', m) }, m)])) : h('p', null, 'Nothing is deployed yet. ', h('a', { href: href('deploy') }, 'Deploy a package'), '.'),
      h('p', null, h('a', { href: href('') }, 'Back to the overview')))
  }

  const unwatch = watchInstances((list) => {
    versions = list.filter((i) => i.name === name).sort((a, b) => compareVersions(a.version, b.version))
    showMissing(list)
    render()
    if (versions.some((v) => !signers.has(v.digest))) void loadSigners()
  })
  api.get<ModelInfo[]>('/models').then((models) => {
    const model = models.find((m) => m.name === name)
    token.update(model)
    tokenRequired = model?.inferenceTokenRequired ?? false
    render()
  }).catch(() => undefined)
  void loadSigners()
  replace(main, missing, page)
  return () => { unwatch(); logs.close(); traffic.close(); pipeline.close() }
}
