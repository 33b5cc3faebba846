/**
 * The OCR service's entry (`node build/server.js`): a node:http server that listens at once, then
 * loads the recognition workers; GET /health answers 503 until all are loaded, then 200. Routes:
 * POST /recognize, GET /health, GET /openapi.json. If the workers cannot load, it says why on
 * stderr and exits 1, so the deploy fails with that line in its log.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { OcrError } from './errors.js'
import { sendError, sendJson } from './http-reply.js'
import { buildOpenApiDocument } from './openapi.js'
import { resolveOcrOptions } from './options.js'
import { handleRecognize, type RecognizeContext } from './recognize-route.js'
import { createRecognizerPool } from './recognizer-pool.js'
import { createRunRecorder } from './run-recorder.js'
import { createTrackingClient } from './tracking-client.js'

function log(message: string): void {
  process.stderr.write(`ocr: ${message}\n`)
}

function fail(message: string): never {
  log(`error: ${message}`)
  process.exit(1)
}

async function route(req: IncomingMessage, res: ServerResponse, context: RecognizeContext, openApi: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const allow = (method: string): void => {
    if (req.method !== method) {
      res.setHeader('allow', method)
      throw new OcrError('E_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}: use ${method}.`)
    }
  }
  switch (url.pathname) {
    case '/recognize':
      allow('POST')
      return handleRecognize(req, res, url, context)
    case '/health': {
      allow('GET')
      const { pool } = context
      const body = { status: pool.isReady() ? 'ok' : 'loading', workers: pool.size, loaded: pool.loaded() }
      return sendJson(res, pool.isReady() ? 200 : 503, body, pool.isReady() ? {} : { 'retry-after': '2' })
    }
    case '/openapi.json':
      allow('GET')
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(openApi) })
      return void res.end(openApi)
    default:
      throw new OcrError('E_NOT_FOUND', `No route ${url.pathname}: see GET /openapi.json.`)
  }
}

async function main(): Promise<void> {
  let options
  try {
    options = resolveOcrOptions()
  } catch (error) {
    fail((error as Error).message)
  }
  const pool = createRecognizerPool(options, (error) => fail(`${error.message}; stopping so the replica is restarted`))
  const recorder = options.tracking ? createRunRecorder(createTrackingClient(options.tracking)) : null
  const context: RecognizeContext = { pool, recorder, maxPdfPages: options.maxPdfPages }
  const openApi = JSON.stringify(buildOpenApiDocument(options.version, options.maxPdfPages))

  const server = createServer((req, res) => {
    route(req, res, context, openApi).catch((error: unknown) => sendError(res, error))
  })
  server.listen(options.port, options.host, () => log(`listening on http://${options.host}:${options.port}; loading ${options.workers} recognition worker(s) from ${options.langPath}`))

  const stop = (): void => {
    server.close()
    server.closeIdleConnections()
    void Promise.all([recorder?.drain(), pool.close()]).finally(() => process.exit(0))
  }
  process.once('SIGTERM', stop).once('SIGINT', stop)

  const started = performance.now()
  try {
    await pool.load()
  } catch (error) {
    fail((error as Error).message)
  }
  log(`ready: ${pool.size} worker(s) loaded in ${Math.round(performance.now() - started)} ms${options.tracking ? '; runs are tracked' : ''}`)
}

void main()
