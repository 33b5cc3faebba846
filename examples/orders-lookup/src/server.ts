/**
 * The orders-lookup service (node:http, no dependencies): loads the orders CSV once (ORDERS_CSV, by
 * default data/orders.csv in the package), then answers GET /health, GET /openapi.json and
 * POST /lookup {text, limit?, minScore?} → {query, matches: [{order, score, row, matchedOn}]}.
 * Ferry gives it PORT and HOST; a CSV that cannot be read stops start-up with the line at fault.
 */
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import { LookupError } from './errors.js'
import { readJsonBody, sendError, sendJson } from './http-reply.js'
import { readLookupRequest } from './lookup-request.js'
import { matchOrders } from './matcher.js'
import { buildOpenApi, type DescriptorApi } from './openapi.js'
import { loadOrders, type OrderRow } from './orders-table.js'

const MAX_BODY_BYTES = 256 * 1024
const ROUTES: Record<string, string> = { '/lookup': 'POST', '/health': 'GET', '/openapi.json': 'GET' }

function route(rows: readonly OrderRow[], openapi: unknown) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const method = ROUTES[path]
    if (method === undefined) {
      req.resume()
      throw new LookupError('E_NOT_FOUND', `No route ${path}: see GET /openapi.json.`)
    }
    if (req.method !== method) {
      req.resume()
      res.setHeader('allow', method)
      throw new LookupError('E_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}: use ${method}.`)
    }
    if (path === '/health') return sendJson(res, 200, { status: 'ok', orders: rows.length })
    if (path === '/openapi.json') return sendJson(res, 200, openapi)
    const request = readLookupRequest(await readJsonBody(req, MAX_BODY_BYTES))
    const matches = matchOrders(request.text, rows, request)
    sendJson(res, 200, { query: request.text, matches })
  }
}

function main(): void {
  const csvPath = process.env['ORDERS_CSV'] || fileURLToPath(new URL('../data/orders.csv', import.meta.url))
  let rows: OrderRow[]
  try {
    rows = loadOrders(csvPath)
  } catch (error) {
    process.stderr.write(`orders-lookup: error: ${(error as Error).message}\n`)
    process.exit(1)
  }
  const descriptor = JSON.parse(readFileSync(new URL('../descriptor.json', import.meta.url), 'utf8')) as DescriptorApi
  const handle = route(rows, buildOpenApi(descriptor))
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, error))
  })
  const port = Number(process.env['PORT'] ?? 8000)
  const host = process.env['HOST'] || '127.0.0.1'
  server.listen(port, host, () => process.stderr.write(`orders-lookup: listening on http://${host}:${port}; ${rows.length} orders from ${csvPath}\n`))
  process.once('SIGTERM', () => server.close(() => process.exit(0)))
}

main()
