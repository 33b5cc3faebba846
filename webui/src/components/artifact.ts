/**
 * A run's artifact: images as thumbnails, anything else as a download. Artifacts are fetched
 * with the session and shown from blob: URLs (kept per artifact URL until the page is left), so
 * a thumbnail's link opens the bytes already read, not a second request to /api.
 */
import { authHeaders } from '../api.js'
import { h } from '../dom.js'
import { formatBytes } from '../format.js'
import type { RunArtifact } from '../types.js'

export interface ArtifactCache { get(url: string): Promise<string>; dispose(): void }

export function createArtifactCache(): ArtifactCache {
  const urls = new Map<string, Promise<string>>()
  return {
    get(url) {
      let found = urls.get(url)
      if (!found) {
        found = fetch(url, { headers: authHeaders() }).then(async (r) => {
          if (!r.ok) throw new Error(`${r.status}`)
          return URL.createObjectURL(await r.blob())
        })
        found.catch(() => urls.delete(url))
        urls.set(url, found)
      }
      return found
    },
    dispose() {
      for (const p of urls.values()) p.then((u) => URL.revokeObjectURL(u), () => undefined)
      urls.clear()
    },
  }
}

export function artifactLink(artifact: RunArtifact, cache: ArtifactCache): HTMLElement {
  const label = `${artifact.name} (${formatBytes(artifact.size)})`
  if (artifact.contentType.startsWith('image/')) {
    const img = h('img', { class: 'thumb', alt: artifact.name, width: '64', height: '64' })
    const link = h('a', { class: 'artifact', title: label, target: '_blank', rel: 'noopener', 'aria-label': `Open ${label}` }, img)
    cache.get(artifact.url).then((u) => { img.src = u; link.href = u }, () => { img.alt = `${artifact.name} (unavailable)` })
    return link
  }
  const link = h('a', { class: 'artifact file', download: artifact.name, href: '#' }, label)
  link.addEventListener('click', async (event) => {
    if (link.dataset['ready']) return
    event.preventDefault()
    link.href = await cache.get(artifact.url)
    link.dataset['ready'] = '1'
    link.click()
  })
  return link
}
