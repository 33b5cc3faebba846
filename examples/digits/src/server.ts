/**
 * The digits service (node:http, no framework): GET /health, GET /openapi.json and POST /predict,
 * which classifies a JSON 8x8 image or a PNG/JPEG of one digit with the MLP in model/weights.json.
 * Ferry gives it PORT and HOST. The weights are loaded before it listens, so /health answering
 * means ready; a missing or malformed weights file stops it at start-up with the reason.
 */
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import { DigitsError } from './errors.js'
import { decodeImage } from './image-decode.js'
import { imageToPixels } from './image-to-pixels.js'
import { classify, type Mlp } from './mlp.js'
import { buildOpenApi } from './openapi.js'
import { parsePixelsBody } from './pixels-input.js'
import { readBody } from './request-body.js'
import { readWeightsFile } from './weights-file.js'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/jpg'])
// /predict/image is /predict for images alone: a second endpoint, so that protocols with one body
// form per endpoint (a Gradio Image input, an OIP BYTES tensor) can offer both.
const ROUTES: Record<string, string[]> = { '/health': ['GET'], '/openapi.json': ['GET'], '/predict': ['POST'], '/predict/image': ['POST'] }

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

/** POST /predict: the body's form is chosen by its content-type; the answer is the digit and its scores. */
async function predict(mlp: Mlp, req: IncomingMessage, imagesOnly = false): Promise<object> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (imagesOnly && !IMAGE_TYPES.has(type)) {
    req.resume()
    throw new DigitsError('E_UNSUPPORTED_MEDIA_TYPE', `/predict/image takes image/png or image/jpeg, not "${type || '(none)'}"; send JSON pixels to /predict`)
  }
  if (type !== 'application/json' && !IMAGE_TYPES.has(type)) {
    req.resume()
    throw new DigitsError('E_UNSUPPORTED_MEDIA_TYPE', `content-type "${type || '(none)'}" is not accepted; send application/json {"pixels": [...]}, image/png or image/jpeg`)
  }
  const body = await readBody(req)
  if (body.length === 0) throw new DigitsError('E_EMPTY_BODY', `the body is empty; send ${type === 'application/json' ? '{"pixels": [64 numbers 0-16]}' : 'the image bytes'}`)
  const fromImage = type !== 'application/json'
  const pixels = fromImage ? imageToPixels(decodeImage(body)) : parsePixelsBody(body)
  const { digit, scores } = classify(mlp, pixels)
  const rounded = scores.map((s) => Number(s.toFixed(6)))
  return fromImage ? { digit, scores: rounded, pixels } : { digit, scores: rounded }
}

function main(): void {
  const weights = readWeightsFile(here('../model/weights.json'))
  const descriptor = JSON.parse(readFileSync(here('../descriptor.json'), 'utf8')) as Parameters<typeof buildOpenApi>[0] & { model?: { name?: string } }
  const openApi = buildOpenApi(descriptor)
  const health = { status: 'ready', model: descriptor.model?.name ?? 'digits', heldOutAccuracy: weights.training.heldOutAccuracy }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const methods = ROUTES[path]
    const handle = async (): Promise<void> => {
      if (!methods) throw new DigitsError('E_NOT_FOUND', `${path} is not served here; see GET /openapi.json`)
      if (!methods.includes(req.method ?? '')) throw new DigitsError('E_METHOD_NOT_ALLOWED', `${path} takes ${methods.join(', ')}, not ${req.method}`)
      if (path === '/health') return sendJson(res, 200, health)
      if (path === '/openapi.json') return sendJson(res, 200, openApi)
      sendJson(res, 200, await predict(weights.network, req, path === '/predict/image'))
    }
    handle().catch((error: unknown) => {
      if (error instanceof DigitsError) {
        const allow: Record<string, string> = error.code === 'E_METHOD_NOT_ALLOWED' && methods ? { allow: methods.join(', ') } : {}
        return sendJson(res, error.status, { error: { code: error.code, message: error.message } }, allow)
      }
      console.error(`${req.method} ${path} failed:`, error)
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'E_INTERNAL', message: 'internal error; see the service log' } })
      else res.destroy()
    })
  })

  const port = Number(process.env.PORT ?? 8000)
  const host = process.env.HOST ?? '127.0.0.1'
  server.listen(port, host, () => console.log(`digits listening on http://${host}:${port} (held-out accuracy ${weights.training.heldOutAccuracy})`))
  const stop = (): void => {
    server.close(() => process.exit(0))
    server.closeIdleConnections()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main()
