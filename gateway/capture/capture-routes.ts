/**
 * Body capture's part of the management API, mounted at /api:
 * GET/PUT /models/:name/capture (`{enabled, maxBytes}`, off by default) and
 * GET /requests/:requestId/body (what was kept of a request and its answer).
 */
import { Hono } from 'hono'
import type { Deployer } from '../../deployer/index.js'
import { createGatewayError } from '../errors.js'
import { readJsonBody } from '../_json-body.js'
import { DEFAULT_CAPTURE_BYTES, MAX_CAPTURE_BYTES, viewCapture, type CaptureStore } from './capture-store.js'

export function createCaptureRoutes(store: CaptureStore, deployer: Deployer): Hono {
  const api = new Hono()
  // A model is named as it is routed: one that has no version is E_MODEL_NOT_FOUND (with the models there are).
  const model = (name: string) => { if (!deployer.listModels().some((m) => m.name === name)) deployer.resolveTarget(name, 'latest'); return name }
  api.get('/models/:name/capture', (c) => c.json(store.settings(c.req.param('name'))))
  api.put('/models/:name/capture', async (c) => {
    const body = await readJsonBody(c, { enabled: { type: 'boolean', required: true }, maxBytes: { type: 'number' } })
    const maxBytes = (body['maxBytes'] as number | undefined) ?? DEFAULT_CAPTURE_BYTES
    if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_CAPTURE_BYTES) {
      throw createGatewayError('E_CAPTURE_LIMIT_INVALID', `maxBytes must be a whole number from 1 to ${MAX_CAPTURE_BYTES}, not ${maxBytes}`, { details: { field: 'maxBytes', maxBytes } })
    }
    return c.json(store.set(model(c.req.param('name')), body['enabled'] as boolean, maxBytes))
  })
  api.get('/requests/:requestId/body', (c) => {
    const found = store.get(c.req.param('requestId'))
    if (!found) throw createGatewayError('E_CAPTURE_NOT_FOUND', `no bodies were kept for request ${c.req.param('requestId').slice(0, 100)}`, { details: { requestId: c.req.param('requestId').slice(0, 100) } })
    return c.json(viewCapture(found))
  })
  return api
}
