/**
 * Server-sent events read with fetch() (the session cookie goes along), which, unlike EventSource,
 * lets a 401 be told apart from a dropped connection.
 * Frames are parsed as the HTML spec says (event, data, id, retry; comments ignored); when the
 * stream ends or fails it reconnects with Last-Event-ID, backing off up to 10 s, until closed.
 */
import { authHeaders, signOutOn401, toApiError } from './api.js'

export interface SseMessage { event: string; data: string; id: string | undefined }

export interface SseOptions {
  onMessage(message: SseMessage): void
  /** 'open' once connected, 'retrying' after a drop, 'closed' when given up (e.g. 401). */
  onStatus?(status: 'open' | 'retrying' | 'closed', error?: Error): void
  /** Send this as Last-Event-ID on the first connection too. */
  lastEventId?: string
  /**
   * Reconnect when nothing (not even the server's heartbeat comment) arrived for this long: a
   * server that hung or a network that went away does not always close the connection.
   */
  idleMs?: number
}

export interface SseConnection {
  close(): void
  /** Drops the current connection and connects again now (e.g. when the browser is back online). */
  reconnect(): void
}

/** Splits a buffer into complete frames; returns the unparsed rest. */
export function parseFrames(buffer: string, emit: (m: SseMessage & { retry?: number }) => void): string {
  const frames = buffer.split(/\r\n\r\n|\n\n|\r\r/)
  const rest = frames.pop() ?? ''
  for (const frame of frames) {
    let event = 'message'
    const data: string[] = []
    let id: string | undefined
    let retry: number | undefined
    for (const line of frame.split(/\r\n|\n|\r/)) {
      if (line === '' || line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const name = colon === -1 ? line : line.slice(0, colon)
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (name === 'event') event = value
      else if (name === 'data') data.push(value)
      else if (name === 'id') id = value
      else if (name === 'retry' && /^\d+$/.test(value)) retry = Number(value)
    }
    if (data.length > 0 || id !== undefined) emit({ event, data: data.join('\n'), id, ...(retry !== undefined ? { retry } : {}) })
  }
  return rest
}

/**
 * Follows `url` until `close()`.
 * @example
 * const events = followSse('/api/events', { onMessage: (m) => console.log(m.event, JSON.parse(m.data)) })
 */
export function followSse(url: string, options: SseOptions): SseConnection {
  const controller = new AbortController()
  let attempt: AbortController | undefined
  let wake: (() => void) | undefined
  let lastId = options.lastEventId
  let delay = 1000
  let closed = false

  async function connectOnce(): Promise<void> {
    attempt = new AbortController()
    const signal = AbortSignal.any([controller.signal, attempt.signal])
    let idle: ReturnType<typeof setTimeout> | undefined
    const current = attempt
    const touch = () => {
      clearTimeout(idle)
      if (options.idleMs) idle = setTimeout(() => current.abort(), options.idleMs)
    }
    try {
      touch()
      await readStream(signal, touch)
    } finally {
      clearTimeout(idle)
    }
  }

  async function readStream(signal: AbortSignal, touch: () => void): Promise<void> {
    const headers = authHeaders({ accept: 'text/event-stream', ...(lastId !== undefined ? { 'last-event-id': lastId } : {}) })
    const response = await fetch(url, { headers, signal, cache: 'no-store' })
    if (!response.ok || !response.body) {
      const error = toApiError(response.status, await response.text())
      signOutOn401(response.status)
      if (response.status >= 400 && response.status < 500) {
        closed = true
        options.onStatus?.('closed', error)
      }
      throw error
    }
    options.onStatus?.('open')
    delay = 1000
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      touch()
      buffer = parseFrames(buffer + value, (m) => {
        if (m.id !== undefined) lastId = m.id
        if (m.retry !== undefined) delay = m.retry
        options.onMessage(m)
      })
    }
  }

  void (async () => {
    while (!closed) {
      let failure: Error | undefined
      try {
        await connectOnce()
      } catch (error) {
        failure = error as Error
      }
      if (closed || controller.signal.aborted) return
      options.onStatus?.('retrying', failure)
      await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, delay) })
      wake = undefined
      delay = Math.min(delay * 2, 10_000)
    }
  })()

  return {
    close() {
      closed = true
      controller.abort()
    },
    reconnect() {
      delay = 1000
      attempt?.abort()
      wake?.()
    },
  }
}
