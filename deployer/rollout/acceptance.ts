/**
 * Acceptance: before a candidate takes any user request, each example of its descriptor is sent
 * to one of its replicas (a pipeline's through the gateway to that version, which runs its graph).
 * Every example must be answered 2xx (or the status its `expect` names) and, when `expect.body` is
 * given, with JSON that contains it: objects match on the keys given, arrays element by element,
 * other values exactly.
 */
import { buffer } from 'node:stream/consumers'
import type { Dispatcher } from 'undici'
import type { Descriptor, Example } from '../../descriptors/descriptor.js'
import type { PackageFile } from '../package-file.js'

export interface AcceptanceFailure { example: string; endpoint: string; reason: string }

export interface AcceptanceInput {
  descriptor: Descriptor
  /** Where an example's path is appended: a ready replica (`http://127.0.0.1:<port>`), or for a pipeline the gateway's `/models/<name>@<version>`. */
  baseUrl: string
  /** Sent with every example besides its content type (a pipeline's acceptance credential). */
  headers?: Record<string, string>
  /** How to reach `baseUrl` (the gateway under TLS: its own certificate). */
  dispatcher?: Dispatcher
  /** Opens a file of the candidate's package (an example's `file`). */
  openFile(path: string): Promise<PackageFile>
  timeoutMs: number
}

interface ExampleExpect { status?: number; body?: unknown }

/** fetch's "fetch failed" with what failed under it (`other side closed`, `ECONNRESET`), so a failed example says why. */
function describeFailure(error: Error): string {
  const cause = error.cause as (Error & { code?: string }) | undefined
  const under = cause && typeof cause === 'object' ? [cause.code, cause.message].filter(Boolean).join(': ') : ''
  return under ? `${error.message} (${under})` : error.message
}

/**
 * Sends every example; resolves with the failures (empty: accepted).
 * @example
 * const failures = await runAcceptance({ descriptor, baseUrl: 'http://127.0.0.1:41234', openFile, timeoutMs: 10_000 })
 */
export async function runAcceptance(input: AcceptanceInput): Promise<AcceptanceFailure[]> {
  const failures: AcceptanceFailure[] = []
  for (const example of input.descriptor.examples ?? []) {
    const reason = await checkExample(example, input).catch((error: Error) => `no answer: ${describeFailure(error)}`)
    if (reason) failures.push({ example: example.name, endpoint: example.endpoint, reason })
  }
  return failures
}

async function checkExample(example: Example, input: AcceptanceInput): Promise<string | undefined> {
  const space = example.endpoint.indexOf(' ')
  const method = example.endpoint.slice(0, space)
  const path = example.endpoint.slice(space + 1)
  const endpoint = input.descriptor.api.endpoints?.find((e) => e.method === method && e.path === path)
  let body: Buffer | string | undefined
  let contentType = example.contentType ?? endpoint?.input?.contentType
  if (example.file !== undefined) {
    body = await buffer((await input.openFile(example.file)).stream)
    contentType ??= 'application/octet-stream'
  } else if (example.body !== undefined) {
    body = JSON.stringify(example.body)
    contentType = 'application/json'
  }
  const response = await fetch(`${input.baseUrl}${path}`, {
    method, body: method === 'GET' ? undefined : body,
    headers: { ...(contentType && method !== 'GET' ? { 'content-type': contentType } : {}), 'x-ferry-acceptance': '1', ...input.headers },
    ...(input.dispatcher ? { dispatcher: input.dispatcher } : {}),
    signal: AbortSignal.timeout(input.timeoutMs),
  })
  const text = await response.text()
  const expect = (example as Example & { expect?: ExampleExpect }).expect ?? {}
  if (expect.status !== undefined ? response.status !== expect.status : response.status < 200 || response.status > 299) {
    return `answered ${response.status}${expect.status !== undefined ? `, expected ${expect.status}` : ''}: ${text.slice(0, 200)}`
  }
  if (expect.body === undefined) return undefined
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return `the answer is not JSON: ${text.slice(0, 200)}`
  }
  const mismatch = findMismatch(json, expect.body, '')
  return mismatch === undefined ? undefined : `the answer differs from expect.body at "${mismatch}": ${text.slice(0, 200)}`
}

/** The JSON pointer of the first place `actual` does not contain `expected`, or undefined. */
export function findMismatch(actual: unknown, expected: unknown, at: string): string | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return at
    for (let i = 0; i < expected.length; i++) {
      const found = findMismatch(actual[i], expected[i], `${at}/${i}`)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return at
    for (const [key, value] of Object.entries(expected)) {
      const found = findMismatch((actual as Record<string, unknown>)[key], value, `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`)
      if (found !== undefined) return found
    }
    return undefined
  }
  return Object.is(actual, expected) ? undefined : at
}
