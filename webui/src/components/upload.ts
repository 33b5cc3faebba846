/**
 * The package drop zone: drag a zip onto it or choose one with the file chooser; the upload's
 * progress shows in a <progress> bar, and the outcome (the stored package, or every validation
 * problem with its JSON path) below it. A signed package's .sig, chosen or dropped first, goes
 * with it (a bad signature is refused like any other problem).
 */
import { uploadPackage } from '../api.js'
import { h, replace } from '../dom.js'
import { formatBytes, shortDigest } from '../format.js'
import { href } from '../router.js'
import type { PackageSummary } from '../types.js'
import { acceptDroppedFile } from './drop-zone.js'
import { problemsView } from './problems.js'
import { signerBadge } from './signer.js'

export function uploadZone(onUploaded: (pkg: PackageSummary) => void): HTMLElement {
  const input = h('input', { type: 'file', id: 'package-file', accept: '.zip,application/zip', class: 'visually-hidden', 'aria-describedby': 'package-drop-hint' })
  const choose = h('button', { type: 'button', class: 'primary' }, 'Choose a package…')
  const progress = h('progress', { max: '1', value: '0', id: 'upload-progress', 'aria-label': 'Upload progress' })
  const progressText = h('span', { class: 'muted', 'aria-live': 'polite' })
  const progressRow = h('div', { class: 'progress-row', hidden: true }, progress, progressText)
  const result = h('div', { class: 'upload-result' })
  // A signature (.sig) chosen or dropped first goes with the next upload.
  let signature: { name: string; text: string } | undefined
  const sigInput = h('input', { type: 'file', id: 'signature-file', accept: '.sig,application/json', class: 'visually-hidden' })
  const sigChoose = h('button', { type: 'button' }, 'Add its signature (.sig)…')
  const sigState = h('span', { class: 'muted', 'aria-live': 'polite' }, 'unsigned')
  const sigClear = h('button', { type: 'button', class: 'link', hidden: true }, 'remove')
  async function useSignature(file: File): Promise<void> {
    signature = { name: file.name, text: await file.text() }
    sigState.textContent = `signature: ${file.name}`
    sigClear.hidden = false
  }
  function clearSignature(): void {
    signature = undefined
    sigState.textContent = 'unsigned'
    sigClear.hidden = true
    sigInput.value = ''
  }
  sigChoose.addEventListener('click', () => sigInput.click())
  sigInput.addEventListener('change', () => { const file = sigInput.files?.[0]; if (file) void useSignature(file) })
  sigClear.addEventListener('click', clearSignature)
  const zone = h('div', { class: 'dropzone' },
    h('p', null, h('strong', null, 'Drop a package zip here'), ' or ', choose),
    h('label', { for: 'package-file', class: 'visually-hidden' }, 'Package zip file'),
    input,
    h('p', { id: 'package-drop-hint', class: 'muted' }, 'A zip written by ', h('code', null, 'ferry pack'), '. It is checked before it is kept: nothing is stored when it is refused. A signed package: add its .sig first (choose or drop it), then the zip.'),
    h('div', { class: 'signature-row' }, sigChoose, h('label', { for: 'signature-file', class: 'visually-hidden' }, 'Signature file'), sigInput, sigState, sigClear),
    progressRow)

  async function send(file: File): Promise<void> {
    replace(result)
    progressRow.hidden = false
    progress.value = 0
    progressText.textContent = `Uploading ${file.name} (${formatBytes(file.size)})…`
    choose.disabled = true
    try {
      const pkg = await uploadPackage(file, (fraction) => {
        if (fraction === null) progress.removeAttribute('value')
        else progress.value = fraction
        if (fraction === 1) progressText.textContent = `Checking ${file.name}…`
      }, signature?.text)
      clearSignature()
      progress.value = 1
      progressText.textContent = `${file.name}: ${pkg.created === false ? 'already stored' : 'stored'}`
      replace(result, h('div', { class: 'ok-box', role: 'status' },
        h('p', null, h('strong', null, `${pkg.name}@${pkg.version}`), ` ${pkg.created === false ? 'was already stored' : 'uploaded'} (digest `, h('code', null, shortDigest(pkg.digest)), '). Signed by: ', signerBadge(pkg.signer)),
        h('a', { class: 'button primary', href: `${href('deploy')}?package=${pkg.digest}` }, `Deploy ${pkg.name}@${pkg.version}`)))
      onUploaded(pkg)
    } catch (error) {
      progressText.textContent = `${file.name}: refused`
      replace(result, problemsView(error, `${file.name} was refused`))
    } finally {
      choose.disabled = false
      input.value = ''
    }
  }

  choose.addEventListener('click', () => input.click())
  input.addEventListener('change', () => { const file = input.files?.[0]; if (file) void send(file) })
  acceptDroppedFile(zone, (file) => void (file.name.endsWith('.sig') ? useSignature(file) : send(file)))
  return h('section', { 'aria-labelledby': 'upload-heading' }, h('h2', { id: 'upload-heading' }, 'Upload'), zone, result)
}
