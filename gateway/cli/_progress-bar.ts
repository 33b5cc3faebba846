/**
 * A one-line progress bar on a terminal's stderr, redrawn at most ten times a second. Drawn only
 * when asked to (a TTY and no --json); otherwise every call is a no-op.
 */
import type { Writable } from 'node:stream'

const WIDTH = 28

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`
}

export interface ProgressBar {
  update(done: number, total: number): void
  done(): void
}

/** The figures after the bar: bytes by default; `counts` for items (done/total, rate, ETA). */
export type ProgressFigures = 'bytes' | 'counts'

function formatCounts(done: number, total: number, perSecond: number): string {
  const eta = perSecond > 0 && done < total ? `  ETA ${Math.ceil((total - done) / perSecond)}s` : ''
  return `${done}/${total}  ${perSecond.toFixed(1)}/s${eta}`
}

/** Starts a bar labelled `label` on `stream`, e.g. `createProgressBar(process.stderr, 'packing', true)`. */
export function createProgressBar(stream: Writable, label: string, enabled: boolean, figures: ProgressFigures = 'bytes'): ProgressBar {
  if (!enabled) return { update() {}, done() {} }
  const started = Date.now()
  let last = 0
  let drawn = false
  let first: number | undefined
  const draw = (done: number, total: number) => {
    // Counted items: the rate of those done since the bar began (a job watched half-way is not faster).
    first ??= done
    const ratio = total > 0 ? Math.min(1, done / total) : 1
    const filled = Math.round(ratio * WIDTH)
    const seconds = Math.max(0.001, (Date.now() - started) / 1000)
    const text = figures === 'counts' ? formatCounts(done, total, (done - first) / seconds) : `${formatBytes(done)}/${formatBytes(total)}  ${formatBytes(done / seconds)}/s`
    stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${text} \x1b[K`)
    drawn = true
  }
  return {
    update(done, total) {
      const now = Date.now()
      if (now - last < 100 && done < total) return
      last = now
      draw(done, total)
    },
    done() {
      if (drawn) stream.write('\r\x1b[K')
    },
  }
}
