/**
 * How the protocols call a model: through the gateway's own /models/ proxy, over loopback, so a
 * call made in Gradio's or OIP's shape is routed, counted, recorded and authorised exactly like a
 * direct one (metrics, prediction history, inference tokens, rollouts' traffic weights). The
 * client's Authorization and X-Request-Id go along.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import { Pool, type Dispatcher } from 'undici'
import { readAnswerBody } from '../_answer-body.js'
import type { ModelAnswer, ModelRequest } from './model-request.js'

export interface ModelCaller {
  /** One call, answer read whole (bounded by `maxAnswerBytes`). */
  call(model: string, selector: string, request: ModelRequest, from: Headers): Promise<ModelAnswer>
  /** A request passed through as it is (a Gradio app's UI and queue, an OIP model's own routes), streamed both ways. */
  pass(model: string, selector: string, path: string, request: Request): Promise<Response>
  close(): Promise<void>
}

const FORWARDED = ['authorization', 'x-request-id', 'accept', 'accept-language', 'cookie', 'user-agent', 'x-gradio-user']
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'content-length'])

function modelPrefix(model: string, selector: string): string {
  return `/models/${encodeURIComponent(model)}@${encodeURIComponent(selector)}`
}

function pickHeaders(from: Headers, names: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of names) {
    const value = from.get(name)
    if (value !== null) out[name] = value
  }
  return out
}

function responseHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers()
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v)
  }
  return out
}

/**
 * @example
 * const caller = createModelCaller('http://127.0.0.1:8080', 60_000)
 * const answer = await caller.call('digits', 'latest', buildModelRequest(signature, values), c.req.raw.headers)
 */
export function createModelCaller(gatewayUrl: string, timeoutMs: number): ModelCaller {
  // A little longer than the proxy's own timeout, so the proxy's 504 is what we see.
  const pool = new Pool(gatewayUrl, { connections: 64, keepAliveTimeout: 10_000, headersTimeout: timeoutMs + 5000, bodyTimeout: timeoutMs + 5000 })
  return {
    async call(model, selector, request, from) {
      const headers = { ...pickHeaders(from, FORWARDED), ...request.headers }
      const { statusCode, headers: answerHeaders, body } = await pool.request({
        method: request.method as Dispatcher.HttpMethod,
        path: modelPrefix(model, selector) + request.path,
        headers: request.body ? { ...headers, 'content-length': String(request.body.length) } : headers,
        body: request.body ?? null,
      })
      const bytes = await readAnswerBody(body, `the answer of ${model}`)
      const type = answerHeaders['content-type']
      const ref = answerHeaders['x-ferry-version']
      return { status: statusCode, contentType: (Array.isArray(type) ? type[0] : type) ?? '', body: bytes, ref: Array.isArray(ref) ? ref[0] : ref }
    },
    async pass(model, selector, path, request) {
      const headers: Record<string, string> = {}
      request.headers.forEach((value, name) => { if (!HOP_BY_HOP.has(name) && name !== 'host') headers[name] = value })
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null
      const { statusCode, headers: answerHeaders, body } = await pool.request({
        method: request.method as Dispatcher.HttpMethod,
        path: modelPrefix(model, selector) + path,
        headers,
        body: hasBody ? Readable.fromWeb(request.body as import('node:stream/web').ReadableStream<Uint8Array>) : null,
        signal: request.signal,
      })
      const bodyless = statusCode === 204 || statusCode === 304 || request.method === 'HEAD'
      return new Response(bodyless ? null : Readable.toWeb(body) as ReadableStream<Uint8Array>, { status: statusCode, headers: responseHeaders(answerHeaders) })
    },
    async close() {
      await pool.destroy()
    },
  }
}
