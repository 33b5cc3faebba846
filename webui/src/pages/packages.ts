/**
 * Packages: upload a zip (drag and drop or the file chooser, with progress and field-by-field
 * validation errors) and the stored packages with name, version, signer, digest and size; inspect
 * (descriptor and files, in a panel under the table), deploy or delete one (a package a version uses cannot be deleted: the server says which).
 */
import { api, seg } from '../api.js'
import { errorBox, runAction } from '../components/notice.js'
import { signerBadge } from '../components/signer.js'
import { dataTable } from '../components/table.js'
import { uploadZone } from '../components/upload.js'
import { h, replace } from '../dom.js'
import { formatBytes, formatTime, shortDigest } from '../format.js'
import { href, type Cleanup } from '../router.js'
import type { PackageRecord, PackageSummary } from '../types.js'

function deleteButton(pkg: PackageSummary, after: () => void): HTMLElement {
  const button = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete package ${pkg.name}@${pkg.version}` }, 'Delete')
  let armed = false
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true
      button.textContent = 'Confirm delete'
      setTimeout(() => { armed = false; button.textContent = 'Delete' }, 4000)
      return
    }
    if (await runAction(button, () => api.del(`/packages/${seg(pkg.digest)}`), `Deleted ${pkg.name}@${pkg.version}`)) after()
  })
  return button
}

/**
 * The package's descriptor and file list (GET /api/packages/:digest), shown in a panel under the
 * table, never inside a cell: a descriptor is wider and taller than any row, and inside the table
 * it pushed the Delete button off-screen.
 */
function inspectButton(pkg: PackageSummary, panel: HTMLElement): HTMLButtonElement {
  const button = h('button', { type: 'button', 'aria-controls': panel.id, 'aria-expanded': 'false', 'aria-label': `Inspect ${pkg.name}@${pkg.version}` }, 'Inspect')
  button.addEventListener('click', async () => {
    const open = panel.dataset['digest'] === pkg.digest && !panel.hidden
    for (const other of document.querySelectorAll<HTMLButtonElement>(`[aria-controls="${panel.id}"]`)) other.setAttribute('aria-expanded', 'false')
    if (open) { panel.hidden = true; return }
    button.setAttribute('aria-expanded', 'true')
    panel.dataset['digest'] = pkg.digest
    panel.hidden = false
    const close = h('button', { type: 'button', class: 'small' }, 'Close')
    close.addEventListener('click', () => { panel.hidden = true; button.setAttribute('aria-expanded', 'false'); button.focus() })
    const head = h('div', { class: 'section-head' }, h('h2', { tabindex: '-1' }, `${pkg.name}@${pkg.version}`), close)
    replace(panel, head, h('p', { class: 'muted' }, 'Loading…'))
    panel.scrollIntoView({ block: 'nearest' })
    try {
      const record = await api.get<PackageRecord>(`/packages/${seg(pkg.digest)}`)
      if (panel.dataset['digest'] !== pkg.digest) return
      const files = ((record.manifest as { files?: Array<{ path: string; size: number }> } | null)?.files ?? [])
      replace(panel, head,
        h('p', { class: 'small digest-line' }, 'Digest ', h('code', null, pkg.digest)),
        h('h3', null, 'descriptor.json'), h('pre', { class: 'json', tabindex: '0', 'aria-label': `descriptor.json of ${pkg.name}@${pkg.version}` }, JSON.stringify(record.descriptor, null, 2)),
        h('h3', null, `${files.length} files`), h('ul', { class: 'files small' }, files.map((f) => h('li', null, h('code', null, f.path), ` ${formatBytes(f.size)}`))))
    } catch (error) {
      replace(panel, head, errorBox(error))
    }
    head.querySelector('h2')?.focus()
  })
  return button
}

export function renderPackages(main: HTMLElement): Cleanup {
  const list = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  const panel = h('section', { id: 'package-inspector', class: 'card inspect-panel', hidden: true, 'aria-label': 'Package contents' })
  async function load(): Promise<void> {
    try {
      const packages = await api.get<PackageSummary[]>('/packages')
      if (!packages.some((p) => p.digest === panel.dataset['digest'])) panel.hidden = true
      replace(list, dataTable<PackageSummary>([
        { label: 'Name', cell: (p) => h('strong', null, p.name) },
        { label: 'Version', cell: (p) => p.version },
        { label: 'Digest', cell: (p) => h('code', { title: p.digest, class: 'digest' }, shortDigest(p.digest)) },
        { label: 'Signed by', cell: (p) => signerBadge(p.signer) },
        { label: 'Size', kind: 'num', cell: (p) => formatBytes(p.size) },
        { label: 'Uploaded', cell: (p) => formatTime(p.createdAt) },
        { label: 'Actions', kind: 'actions', cell: (p) => h('div', { class: 'button-row' }, inspectButton(p, panel), h('a', { class: 'button', href: `${href('deploy')}?package=${p.digest}`, 'aria-label': `Deploy ${p.name}@${p.version}` }, 'Deploy'), deleteButton(p, () => void load())) },
      ], packages, { caption: 'Stored packages', rowKey: (p) => p.digest, empty: h('p', null, 'No packages yet: upload one above.') }))
    } catch (error) {
      replace(list, errorBox(error, 'Could not list the packages', () => void load()))
    }
  }
  replace(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Packages')),
    uploadZone(() => void load()),
    h('section', { 'aria-labelledby': 'packages-heading' }, h('h2', { id: 'packages-heading' }, 'Stored packages'), list, panel))
  void load()
  return () => undefined
}
