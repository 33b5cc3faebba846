/** How numbers, sizes, times and durations read on the page, in one place. */

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/** `3d 4h`, `12m 5s`, `42s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  const s = Math.floor(ms / 1000)
  const d = Math.floor(s / 86400)
  const hr = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return `${d}d ${hr}h`
  if (hr > 0) return `${hr}h ${m}m`
  if (m > 0) return `${m}m ${s % 60}s`
  return `${s}s`
}

/** Milliseconds for latencies: `0.8 ms`, `42 ms`, `1.25 s`. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 10) return `${ms.toFixed(1)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}

export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return '—'
  return `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond)}/s`
}

/** Local time, with the date only when it is not today. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const sameDay = date.toDateString() === new Date().toDateString()
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString()
}

/** The first 12 hex digits of a sha256, as people quote them. */
export function shortDigest(digest: string): string {
  return digest.slice(0, 12)
}

/** A number as a metric: up to 4 significant digits. */
export function formatNumber(value: unknown): string {
  if (typeof value !== 'number') return String(value)
  if (Number.isInteger(value)) return String(value)
  return Number(value.toPrecision(4)).toString()
}
