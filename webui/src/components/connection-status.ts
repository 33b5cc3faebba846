/**
 * What the console knows about its connection, said truthfully: the header's dot ("live" only
 * while the events stream is open; "offline" when the browser has no network; "server not
 * answering" while it reconnects), and a banner over the page while not live saying that what
 * is shown is as last known, since when. The page's root gets `data-live` so state badges can
 * say "last known" too (webui/public/components.css).
 */
import { h } from '../dom.js'
import type { LiveStatus } from '../live.js'

const LABEL: Record<LiveStatus, string> = {
  open: 'live', connecting: 'connecting…', retrying: 'server not answering', offline: 'offline', closed: 'not connected',
}

export function connectionStatus(): { dot: HTMLElement; banner: HTMLElement; update(status: LiveStatus): void } {
  const dot = h('span', { class: 'live', role: 'status' })
  const banner = h('div', { class: 'connection-banner', role: 'alert', hidden: true })
  let downSince: Date | undefined
  function update(status: LiveStatus): void {
    dot.className = `live ${status}`
    dot.textContent = LABEL[status]
    dot.title = status === 'open' ? 'Receiving changes from /api/events' : 'Not receiving changes from /api/events'
    const down = status === 'retrying' || status === 'offline'
    document.documentElement.dataset['live'] = down ? 'down' : status
    if (!down) {
      downSince = undefined
      banner.hidden = true
      return
    }
    downSince ??= new Date()
    const since = downSince.toLocaleTimeString()
    banner.textContent = status === 'offline'
      ? `This browser is offline (since ${since}): states shown are as last known, not live. The console reconnects when the network is back.`
      : `The Ferry server is not answering (since ${since}): states shown are as last known, not live. Retrying…`
    banner.hidden = false
  }
  return { dot, banner, update }
}
