/**
 * Packages: upload a zip (drag and drop or the file chooser, with progress and field-by-field
 * validation errors) and the stored packages with name, version, signer, digest and size; deploy or
 * delete one (a package a version uses cannot be deleted: the server says which).
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

/** The package's descriptor and file list (GET /api/packages/:digest), loaded when opened. */
function inspector(pkg: PackageSummary): HTMLElement {
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  const details = h('details', { class: 'inspect' }, h('summary', null, 'Inspect', h('span', { class: 'visually-hidden' }, ` ${pkg.name}@${pkg.version}`)), body)
  details.addEventListener('toggle', async () => {
    if (!details.open || details.dataset['loaded']) return
    details.dataset['loaded'] = '1'
    try {
      const record = await api.get<PackageRecord>(`/packages/${seg(pkg.digest)}`)
      const files = ((record.manifest as { files?: Array<{ path: string; size: number }> } | null)?.files ?? [])
      replace(body,
        h('p', { class: 'small' }, 'Digest ', h('code', null, pkg.digest)),
        h('h3', null, 'descriptor.json'), h('pre', { class: 'json' }, JSON.stringify(record.descriptor, null, 2)),
        h('h3', null, `${files.length} files`), h('ul', { class: 'files small' }, files.map((f) => h('li', null, h('code', null, f.path), ` ${formatBytes(f.size)}`))))
    } catch (error) {
      delete details.dataset['loaded']
      replace(body, errorBox(error))
    }
  })
  return details
}

export function renderPackages(main: HTMLElement): Cleanup {
  const list = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  async function load(): Promise<void> {
    try {
      const packages = await api.get<PackageSummary[]>('/packages')
      replace(list, dataTable<PackageSummary>([
        { label: 'Name', cell: (p) => h('strong', null, p.name) },
        { label: 'Version', cell: (p) => p.version },
        { label: 'Digest', cell: (p) => h('code', { title: p.digest, class: 'digest' }, shortDigest(p.digest)) },
        { label: 'Signed by', cell: (p) => signerBadge(p.signer) },
        { label: 'Size', kind: 'num', cell: (p) => formatBytes(p.size) },
        { label: 'Uploaded', cell: (p) => formatTime(p.createdAt) },
        { label: 'Contents', kind: 'wide', cell: inspector },
        { label: 'Actions', kind: 'actions', cell: (p) => [h('a', { class: 'button', href: `${href('deploy')}?package=${p.digest}`, 'aria-label': `Deploy ${p.name}@${p.version}` }, 'Deploy'), ' ', deleteButton(p, () => void load())] },
      ], packages, { caption: 'Stored packages', rowKey: (p) => p.digest, empty: h('p', null, 'No packages yet: upload one above.') }))
    } catch (error) {
      replace(list, errorBox(error, 'Could not list the packages', () => void load()))
    }
  }
  replace(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Packages')),
    uploadZone(() => void load()),
    h('section', { 'aria-labelledby': 'packages-heading' }, h('h2', { id: 'packages-heading' }, 'Stored packages'), list))
  void load()
  return () => undefined
}
