/**
 * Deploy: choose a stored package (any version of any model), replicas and an optional alias,
 * then follow the version through installing → starting → ready, or read why it failed.
 */
import { api } from '../api.js'
import { ALIAS_PATTERN } from '../components/alias-editor.js'
import { trackDeploy, type DeployTracker } from '../components/deploy-tracker.js'
import { errorBox } from '../components/notice.js'
import { descriptorOfDigest } from '../descriptor.js'
import { field, h, replace } from '../dom.js'
import { lastEventId, whenLive } from '../live.js'
import { formatBytes, shortDigest } from '../format.js'
import { href, navigate, type Cleanup, type Route } from '../router.js'
import type { InstanceInfo, PackageSummary } from '../types.js'

function packageSelect(packages: PackageSummary[], selected: string | null): HTMLSelectElement {
  const byName = new Map<string, PackageSummary[]>()
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p])
  return h('select', { name: 'package', required: true },
    [...byName].map(([name, list]) => h('optgroup', { label: name },
      list.map((p) => h('option', { value: p.digest, selected: p.digest === selected }, `${p.name}@${p.version} · ${shortDigest(p.digest)} · ${formatBytes(p.size)}`)))))
}

export async function renderDeploy(main: HTMLElement, route: Route): Promise<Cleanup> {
  let tracker: DeployTracker | undefined
  const head = h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Deploy'))
  replace(main, head, h('p', { class: 'muted' }, 'Loading packages…'))
  let packages: PackageSummary[]
  try {
    packages = await api.get<PackageSummary[]>('/packages')
  } catch (error) {
    replace(main, head, errorBox(error, 'Could not list the packages', () => navigate(location.hash)))
    return () => undefined
  }
  if (packages.length === 0) {
    replace(main, head, h('div', { class: 'empty' }, h('p', null, 'No packages are stored yet.'), h('a', { class: 'button primary', href: href('packages') }, 'Upload a package')))
    return () => undefined
  }
  const wanted = route.query.get('package')
  const select = packageSelect(packages, wanted ?? packages[packages.length - 1]!.digest)
  const replicas = h('input', { type: 'number', name: 'replicas', min: '1', max: '64', step: '1', value: '1', inputmode: 'numeric' })
  const alias = h('input', { type: 'text', name: 'alias', pattern: ALIAS_PATTERN, placeholder: 'e.g. stable', autocomplete: 'off' })
  const bump = h('input', { type: 'checkbox', id: 'deploy-bump' })
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Deploy')
  const message = h('div')
  const progress = h('div')
  const describe = h('p', { class: 'muted', 'aria-live': 'polite' })

  async function onPackageChange(): Promise<void> {
    try {
      const descriptor = await descriptorOfDigest(select.value)
      replicas.value = String(descriptor.resources?.replicas ?? 1)
      describe.textContent = descriptor.description ?? ''
    } catch { describe.textContent = '' }
  }
  select.addEventListener('change', () => void onPackageChange())
  void onPackageChange()

  const form = h('form', { class: 'card form-grid' },
    field('Package', select, 'Every stored package, by model and version.'),
    describe,
    field('Replicas', replicas, '1 to 64 processes, served round robin.'),
    field('Alias (optional)', alias, 'Besides latest, point this alias at the version once it is ready.'),
    h('label', { class: 'check', for: bump.id }, bump, 'If this version number is taken by another package, deploy as the next free patch version'),
    h('div', null, submit), message)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (!form.reportValidity()) return
    submit.disabled = true
    replace(message)
    try {
      const body = { package: select.value, replicas: Number(replicas.value), wait: false, ...(alias.value.trim() ? { alias: alias.value.trim() } : {}), ...(bump.checked ? { bump: true } : {}) }
      // Its steps are read from the events stream: have it open first, so none is missed.
      await whenLive(5000)
      const since = lastEventId()
      const info = await api.post<InstanceInfo>('/deployments', body)
      tracker?.close()
      tracker = trackDeploy(info.ref, info.name, { initial: info.state, afterEventId: since, ...(info.alreadyRunning ? { alreadyRunning: info.alreadyRunning } : {}) })
      submit.disabled = false
      replace(progress, info.requestedVersion ? h('p', { class: 'muted' }, `Version ${info.requestedVersion} was taken: deploying as ${info.version}.`) : null, tracker.element)
      tracker.element.querySelector('h2')?.focus()
    } catch (error) {
      replace(message, errorBox(error, 'The deploy was refused'))
      submit.disabled = false
    }
  })
  replace(main, head, form, progress)
  return () => tracker?.close()
}
