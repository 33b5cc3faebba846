/**
 * A run's artifact: images as thumbnails that open the viewer in place (artifact-viewer.ts),
 * anything else as a download. Artifacts are fetched with the session and shown from blob: URLs
 * (kept per artifact URL until the page is left), so the viewer shows the bytes already read.
 */
import { authHeaders } from '../api.js'
import { h } from '../dom.js'
import { formatBytes } from '../format.js'
import type { RunArtifact } from '../types.js'
import { openArtifactViewer } from './artifact-viewer.js'

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

/**
 * The run an artifact belongs to, for the viewer: its name (e.g. "run #12 · ocr@1.0.0 · 14:02")
 * and its other artifacts (the viewer steps through the images among them).
 */
export interface ArtifactContext { label: string; artifacts: RunArtifact[] }

/** A thumbnail that opens the image in the viewer, in place (with a context); a download otherwise. */
export function artifactLink(artifact: RunArtifact, cache: ArtifactCache, context?: ArtifactContext): HTMLElement {
  const label = `${artifact.name} (${formatBytes(artifact.size)})`
  if (artifact.contentType.startsWith('image/')) {
    const img = h('img', { class: 'thumb', alt: artifact.name, width: '64', height: '64' })
    const link = h('a', { class: 'artifact', title: label, href: '#', 'aria-label': `Open ${label}`, 'aria-haspopup': 'dialog' }, img)
    cache.get(artifact.url).then((u) => { img.src = u }, () => { img.alt = `${artifact.name} (unavailable)` })
    link.addEventListener('click', (event) => {
      event.preventDefault()
      const images = (context?.artifacts ?? [artifact]).filter((a) => a.contentType.startsWith('image/'))
      openArtifactViewer({ artifacts: images, index: Math.max(0, images.findIndex((a) => a.url === artifact.url)), cache, context: context?.label ?? artifact.name })
    })
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
