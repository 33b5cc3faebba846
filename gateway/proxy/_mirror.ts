/**
 * Shadow traffic: a copy of a request the stable version answered is sent to the shadow version
 * once the client has its answer, so the copy can never slow or fail the caller; the two answers
 * are compared at a JSON pointer and the result goes to the traffic ledger. Bodies over
 * MAX_MIRROR_BYTES and copies beyond MAX_IN_FLIGHT at once are not mirrored (skipped, not queued).
 */
import type { Dispatcher, Pool } from 'undici'
import { performance } from 'node:perf_hooks'
import type { TrafficLedger } from './traffic-ledger.js'

export const MAX_MIRROR_BYTES = 1024 * 1024
const MAX_IN_FLIGHT = 64

/** Bytes of one side of an exchange, kept while they stream by; `overflow` once past the cap. */
export class Capture {
  readonly chunks: Buffer[] = []
  bytes = 0
  overflow = false

  add(chunk: Buffer): void {
    if (this.overflow) return
    this.bytes += chunk.length
    if (this.bytes > MAX_MIRROR_BYTES) {
      this.overflow = true
      this.chunks.length = 0
    } else this.chunks.push(chunk)
  }

  body(): Buffer {
    return Buffer.concat(this.chunks)
  }
}

export interface MirrorRequest {
  ref: string
  port: number
  pool: Pool
  method: string
  path: string
  headers: Record<string, string | string[]>
  body: Buffer
  stable: { status: number; body: Buffer }
  compare: string
  timeoutMs: number
  ledger: TrafficLedger
  onDone?(status: number, durationMs: number): void
}

let inFlight = 0

/** Sends the copy in the background; never throws, never waits for anything the caller needs. */
export function sendMirror(m: MirrorRequest): void {
  if (inFlight >= MAX_IN_FLIGHT) return
  inFlight += 1
  const started = performance.now()
  const finish = (status: number, agreed: boolean | null) => {
    inFlight -= 1
    const durationMs = performance.now() - started
    m.ledger.recordShadow(m.ref, status > 0 && status < 500, durationMs, agreed)
    m.onDone?.(status, durationMs)
  }
  m.pool.request({
    method: m.method as Dispatcher.HttpMethod, path: m.path, headers: { ...m.headers, 'x-ferry-shadow': '1' },
    body: m.body.length > 0 ? m.body : null, headersTimeout: m.timeoutMs, bodyTimeout: m.timeoutMs,
  }).then(async ({ statusCode, body }) => {
    const bytes = Buffer.from(await body.arrayBuffer())
    finish(statusCode, statusCode === m.stable.status && answersAgree(m.stable.body, bytes, m.compare))
  }, () => finish(0, null)).catch(() => finish(0, null))
}

/**
 * Whether two answers agree at `pointer` (RFC 6901): their JSON values there are equal (keys in
 * any order); with the pointer "" and bodies that are not JSON, the bytes must be equal.
 * @example answersAgree(Buffer.from('{"label":"a","p":0.9}'), Buffer.from('{"p":0.7,"label":"a"}'), '/label') // true
 */
export function answersAgree(a: Buffer, b: Buffer, pointer: string): boolean {
  let left: unknown
  let right: unknown
  try {
    left = JSON.parse(a.toString('utf8'))
    right = JSON.parse(b.toString('utf8'))
  } catch {
    return pointer === '' && a.equals(b)
  }
  return canonical(valueAt(left, pointer)) === canonical(valueAt(right, pointer))
}

function valueAt(value: unknown, pointer: string): unknown {
  if (pointer === '') return value
  let current = value
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (typeof current !== 'object' || current === null) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

function canonical(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
  return JSON.stringify(value)
}
