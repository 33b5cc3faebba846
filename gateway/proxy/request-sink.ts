/**
 * Where the data plane's per-request records go: one record per finished request, queued, and
 * handed on in batches at the end of the event-loop turn (setImmediate) to the metrics, the
 * prediction history and the access log. The hot path costs an array push; the batch shares one
 * clock reading and one timestamp string (a record that says when it ended keeps that time).
 * Nothing waits: a reader that comes after the response (the client's next request) always finds
 * the record, since the batch runs before new I/O.
 * The nginx plane feeds the same sink from nginx's JSON access log.
 */
import { redactUrl } from '../_redact.js'
import type { Metrics } from '../metrics.js'
import type { RequestHistory } from '../request-history.js'
import type { ProxyRecord } from './model-proxy.js'

export interface RequestSinkTargets {
  metrics: Pick<Metrics, 'recordRequest'>
  history: Pick<RequestHistory, 'record'>
  /** One JSON line per request into the gateway's access log, a batch at a time; none for the nginx plane, whose own log is it. */
  accessLog?: (lines: string[], time: Date) => void
}

export interface RequestSink {
  record(record: ProxyRecord): void
  /** Hands on what is queued now (also done by itself at the end of each event-loop turn). */
  flush(): void
}

/**
 * @example
 * const sink = createRequestSink({ metrics, history, accessLog: (lines, time) => logs.appendMany('gateway', { stream: 'access', lines, time }) })
 * createModelProxy({ resolve, onResponse: (r) => sink.record(r) })
 */
export function createRequestSink(targets: RequestSinkTargets): RequestSink {
  let queue: ProxyRecord[] = []
  let scheduled = false
  const flush = (): void => {
    scheduled = false
    if (queue.length === 0) return
    const batch = queue
    queue = []
    const time = new Date()
    const iso = time.toISOString()
    const accessLog = targets.accessLog
    let endedAt = -1
    let endedIso = iso
    const lines: string[] = []
    for (const record of batch) {
      try {
        if (record.path.includes('?')) record.path = redactUrl(record.path)
        if (record.version) targets.metrics.recordRequest({ model: record.model, version: record.version, code: record.status, durationSeconds: record.durationMs / 1000, role: record.role })
        const ended = Number.isFinite(record.endedAt) ? record.endedAt : undefined
        if (ended !== undefined && ended !== endedAt) endedIso = new Date((endedAt = ended)).toISOString()
        targets.history.record(record, ended === undefined ? iso : endedIso)
        if (accessLog) lines.push(JSON.stringify(record))
      } catch (error) {
        console.error('request sink: could not record a request', error)
      }
    }
    try {
      if (accessLog && lines.length > 0) accessLog(lines, time)
    } catch (error) {
      console.error(`request sink: could not write ${lines.length} access line(s)`, error)
    }
  }
  return {
    record(record) {
      queue.push(record)
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    flush,
  }
}
