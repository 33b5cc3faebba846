/**
 * One proxied exchange on undici's lowest-level API (`dispatch` with a handler): the answer's
 * status and raw headers go straight to the client's response, body chunks are written as they
 * arrive, and back-pressure is undici's own (onData returns false, `resume` when the client's
 * socket drains). No Readable, no AbortController and no header object per request: in the
 * proxy benchmark's profiles these were most of the proxy's own cost on top of Node's HTTP.
 */
import type { ServerResponse } from 'node:http'
import type { Dispatcher } from 'undici'
import { answerHeaderList } from './_headers.js'
import type { Capture } from './_mirror.js'

/** Headers the proxy sets on every answer itself (the instance's own values are replaced). */
const SET_BY_PROXY = new Set(['x-request-id', 'x-ferry-version'])

export interface ForwardEvents {
  /** The answer's status line and headers are about to go to the client. */
  answered(statusCode: number, eventStream: boolean): void
  /** The whole answer went to the client. */
  completed(): void
  /** Failed before any answer (connect, reset, headers timeout): the caller may retry or answer an error. */
  failedEarly(error: Error & { code?: string }): void
  /** Failed mid-answer: the client sees a cut response. */
  failedLate(error: Error & { code?: string }): void
}

export class ForwardHandler implements Dispatcher.DispatchHandlers {
  #abort: ((error?: Error) => void) | null = null
  #resume: (() => void) | null = null
  #waiting = false
  #answered = false
  #settled = false

  constructor(
    private readonly res: ServerResponse,
    /** `x-request-id`, `x-ferry-version` and their values. */
    private readonly meta: string[],
    private readonly csp: string,
    /** Where the answer's body bytes are counted. */
    private readonly counter: { responseBytes: number },
    private readonly events: ForwardEvents,
    private readonly capture: Pick<Capture, 'add'> | undefined,
  ) {}

  /** The answer's content type as the replica sent it (for body capture), once answered. */
  contentType: string | null = null

  /** The client left: stop the upstream exchange. */
  cancel(): void {
    if (this.#settled) return
    this.#settled = true
    this.#abort?.()
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.#settled) abort()
    else this.#abort = abort
  }

  onHeaders(statusCode: number, raw: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true // 1xx: the client's own server answers Expect itself
    if (this.#settled) return false
    this.#answered = true
    this.#resume = resume
    const { headers, contentType } = answerHeaderList(raw, SET_BY_PROXY, this.csp)
    this.contentType = contentType
    headers.push(...this.meta)
    // Before the status line: answering may decide the connection closes after it (Connection: close).
    this.events.answered(statusCode, contentType?.startsWith('text/event-stream') ?? false)
    this.res.writeHead(statusCode, headers)
    return true
  }

  onData(chunk: Buffer): boolean {
    this.counter.responseBytes += chunk.length
    this.capture?.add(chunk)
    if (this.res.write(chunk)) return true
    if (!this.#waiting) {
      this.#waiting = true
      this.res.once('drain', this.#onDrain)
    }
    return false
  }

  #onDrain = (): void => {
    this.#waiting = false
    this.#resume?.()
  }

  onComplete(): void {
    if (this.#settled) return
    this.#settled = true
    this.res.end()
    this.events.completed()
  }

  onError(error: Error & { code?: string }): void {
    if (this.#settled) return
    this.#settled = true
    if (this.#answered) this.events.failedLate(error)
    else this.events.failedEarly(error)
  }
}
