/**
 * Who signed a package, as a badge with the words (colour is never the only cue): "alice ·
 * trusted", "alice · key removed" (trusted at upload, removed from trust since), "unknown key
 * 3f9a…" or "unsigned". The title gives the full key id and when the signature was checked.
 */
import { h } from '../dom.js'
import { formatTime } from '../format.js'
import type { PackageSigner } from '../types.js'

export function signerBadge(signer: PackageSigner | null | undefined): HTMLElement {
  if (!signer) return h('span', { class: 'badge idle', 'data-signer': 'unsigned' }, 'unsigned')
  const who = signer.name ?? `key ${signer.keyId.slice(0, 8)}…`
  const [tone, words] = signer.trust === 'trusted' ? ['ok', `${who} · trusted`] : signer.trust === 'removed' ? ['warn', `${who} · key removed`] : ['warn', `${who} · unknown key`]
  return h('span', { class: `badge ${tone}`, 'data-signer': signer.trust, title: `key ${signer.keyId}, signature checked ${formatTime(signer.verifiedAt)}` }, words)
}
