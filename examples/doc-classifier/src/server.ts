/**
 * The doc-classifier service (node:http, no dependencies): loads model/model.json once, then
 * answers GET /health, GET /openapi.json and POST /classify {text} → {label, confidence, scores}.
 * Ferry gives it PORT and HOST; one log line per request (but successful health checks) goes to
 * stdout; SIGTERM stops it cleanly.
 */
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { loadClassifier, type Classify } from './classifier.js'
import { HttpError, readJsonBody, sendError, sendJson } from './http-body.js'
import { buildOpenApi, type DescriptorApi } from './openapi.js'

const MAX_BODY_BYTES = 1024 * 1024
/** 100 kB of UTF-8: a long document's text, far more than the model needs to decide. */
export const MAX_TEXT_BYTES = 100_000
/** The label each answered request got, for its log line. */
const LABELS = new WeakMap<ServerResponse, string>()

function readText(body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(422, 'INVALID_BODY', 'send a JSON object: {"text": "…"}')
  const unknown = Object.keys(body).filter((key) => key !== 'text')
  if (unknown.length > 0) throw new HttpError(422, 'INVALID_BODY', `unknown field ${JSON.stringify(unknown[0])}; the body is {"text": "…"}`)
  const text = (body as { text?: unknown }).text
  if (text === undefined) throw new HttpError(422, 'INVALID_TEXT', '"text" is required')
  if (typeof text !== 'string') throw new HttpError(422, 'INVALID_TEXT', `"text" must be a string, not ${text === null ? 'null' : typeof text}`)
  if (text.trim() === '') throw new HttpError(422, 'INVALID_TEXT', '"text" is empty')
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > MAX_TEXT_BYTES) throw new HttpError(413, 'TEXT_TOO_LARGE', `"text" is ${bytes} bytes of UTF-8; at most ${MAX_TEXT_BYTES} are accepted`)
  return text
}

function route(classify: Classify, openapi: unknown) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (path === '/health' && req.method === 'GET') return sendJson(res, 200, { status: 'ok' })
    if (path === '/openapi.json' && req.method === 'GET') return sendJson(res, 200, openapi)
    if (path === '/classify' && req.method === 'POST') {
      const result = classify(readText(await readJsonBody(req, MAX_BODY_BYTES)))
      LABELS.set(res, result.label)
      return sendJson(res, 200, result)
    }
    req.resume()
    const known = ['/health', '/openapi.json', '/classify'].includes(path)
    throw known ? new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}`) : new HttpError(404, 'NOT_FOUND', `${path} is not served here; see /openapi.json`)
  }
}

async function main(): Promise<void> {
  const classify = await loadClassifier(new URL('../model/model.json', import.meta.url))
  const descriptor = JSON.parse(await readFile(new URL('../descriptor.json', import.meta.url), 'utf8')) as DescriptorApi
  const handle = route(classify, buildOpenApi(descriptor))
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint()
    res.on('finish', () => {
      if (req.url === '/health' && res.statusCode === 200) return // Ferry polls it every few seconds
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      const label = LABELS.get(res)
      console.log(`${req.method} ${req.url} ${res.statusCode} ${ms.toFixed(1)}ms${label ? ` label=${label}` : ''}`)
    })
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return sendError(res, error)
      console.error(error)
      if (!res.headersSent) sendError(res, new HttpError(500, 'INTERNAL', 'internal error'))
    })
  })
  const port = Number(process.env.PORT ?? 8000)
  const host = process.env.HOST ?? '127.0.0.1'
  server.listen(port, host, () => console.log(`doc-classifier listening on http://${host}:${port}`))
  process.once('SIGTERM', () => server.close(() => process.exit(0)))
}

await main()
