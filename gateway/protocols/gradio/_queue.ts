/**
 * Gradio's queue protocol (sse_v3) for the bridge: POST queue/join starts an event and answers its
 * event_id; GET queue/data?session_hash=… streams the session's messages as server-sent events
 * (`estimation`, `process_starts`, `process_completed`), then `close_stream` once nothing of the
 * session is left to run (without it @gradio/client's next call never settles). Messages that
 * arrive before the stream connects wait for it. Calls run at once: the model's own concurrency
 * is the queue.
 */
import { randomUUID } from 'node:crypto'

type Message = Record<string, unknown> & { msg: string }

interface Session {
  hash: string
  pending: Message[]
  heartbeat: NodeJS.Timeout | undefined
  running: number
  stream: ReadableStreamDefaultController<Uint8Array> | undefined
  touchedAt: number
}

const IDLE_SESSION_MS = 10 * 60_000
const HEARTBEAT_MS = 15_000
const encoder = new TextEncoder()

export class GradioQueue {
  private readonly sessions = new Map<string, Session>()
  private readonly sweeper = setInterval(() => this.sweep(), 60_000)

  constructor() {
    this.sweeper.unref()
  }

  /** Starts `run` as an event of the session; its result becomes `process_completed`. */
  join(sessionHash: string, run: () => Promise<{ success: true; data: unknown[] } | { success: false; error: string }>): string {
    const eventId = randomUUID().replace(/-/g, '')
    const session = this.session(sessionHash)
    session.running++
    this.send(session, { msg: 'estimation', event_id: eventId, rank: 0, queue_size: 1, rank_eta: null })
    const started = performance.now()
    this.send(session, { msg: 'process_starts', event_id: eventId, eta: null })
    void run().catch((error: unknown) => ({ success: false as const, error: error instanceof Error ? error.message : String(error) })).then((result) => {
      const duration = (performance.now() - started) / 1000
      session.running--
      this.send(session, result.success
        ? { msg: 'process_completed', event_id: eventId, output: { data: result.data, is_generating: false, duration, average_duration: duration, render_config: null, changed_state_ids: [] }, success: true, title: null }
        : { msg: 'process_completed', event_id: eventId, output: { error: result.error, title: 'Error', visible: true, duration: 10 }, success: false, title: 'Error' })
    })
    return eventId
  }

  /** The session's stream, or undefined when the session is unknown. */
  open(sessionHash: string, signal: AbortSignal): ReadableStream<Uint8Array> | undefined {
    const session = this.sessions.get(sessionHash)
    if (!session) return undefined
    let own: ReadableStreamDefaultController<Uint8Array> | undefined
    const detach = () => {
      if (own && session.stream === own) this.detach(session)
    }
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        if (session.stream) { session.stream.close(); this.detach(session) } // one stream per session: the newest wins
        own = controller
        session.stream = controller
        session.touchedAt = Date.now()
        session.heartbeat = setInterval(() => controller.enqueue(encoder.encode('data: {"msg":"heartbeat"}\n\n')), HEARTBEAT_MS)
        session.heartbeat.unref()
        signal.addEventListener('abort', detach, { once: true })
        this.flush(session)
      },
      cancel: detach,
    })
  }

  close(): void {
    clearInterval(this.sweeper)
    for (const session of this.sessions.values()) {
      session.stream?.close()
      this.detach(session)
    }
    this.sessions.clear()
  }

  private session(hash: string): Session {
    let session = this.sessions.get(hash)
    if (!session) {
      session = { hash, pending: [], heartbeat: undefined, running: 0, stream: undefined, touchedAt: Date.now() }
      this.sessions.set(hash, session)
    }
    session.touchedAt = Date.now()
    return session
  }

  private send(session: Session, message: Message): void {
    session.pending.push(message)
    this.flush(session)
  }

  private detach(session: Session): void {
    clearInterval(session.heartbeat)
    session.heartbeat = undefined
    session.stream = undefined
  }

  private flush(session: Session): void {
    const stream = session.stream
    if (!stream) return
    for (const message of session.pending.splice(0)) stream.enqueue(encoder.encode(`data: ${JSON.stringify(message)}\n\n`))
    if (session.running === 0) {
      stream.enqueue(encoder.encode('data: {"msg":"close_stream"}\n\n'))
      this.detach(session)
      stream.close()
      this.sessions.delete(session.hash)
    }
  }

  private sweep(): void {
    const now = Date.now()
    for (const [hash, session] of this.sessions) {
      if (!session.stream && session.running === 0 && now - session.touchedAt > IDLE_SESSION_MS) this.sessions.delete(hash)
    }
  }
}
