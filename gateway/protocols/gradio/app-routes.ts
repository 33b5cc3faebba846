/**
 * `POST /models/<name>[@version|@alias]/api/<api_name>` `{data: [...]}` for a model that is a
 * Gradio app: Ferry calls the app's endpoint with @gradio/client (app-client.ts) and answers
 * `{data: [...outputs]}`; the rest of /models/<name>/ is proxied to the app untouched. Errors are
 * Ferry's own JSON (this is a Ferry route): unknown endpoint 404, the app's refusal 422.
 */
import { Hono } from 'hono'
import type { Deployer } from '../../../deployer/index.js'
import { createGatewayError } from '../../errors.js'
import { parseJsonBody } from '../../_json-body.js'
import { checkModelToken, resolveModel, splitTarget } from '../model-access.js'
import type { GradioAppClients } from './app-client.js'

const ROUTE = /^\/models\/([^/?]+)\/api\/[a-z_][a-z0-9_]*(?:\?|$)/

/** True when the gateway (not the proxy) answers `url`: an /api/<api_name> call of a Gradio app. */
export function claimsGradioAppCall(deployer: Deployer, url: string): boolean {
  if (!url.startsWith('/models/') || !url.includes('/api/')) return false
  const match = ROUTE.exec(url)
  if (!match) return false
  try {
    const { name, selector } = splitTarget(decodeURIComponent(match[1]!))
    return deployer.resolveTarget(name, selector).descriptor.api.protocol === 'gradio'
  } catch {
    return false
  }
}

export function createGradioAppRoutes(deployer: Deployer, clients: GradioAppClients): Hono {
  const routes = new Hono()
  routes.post('/models/:target/api/:apiName', async (c) => {
    const model = resolveModel(deployer, c.req.param('target'))
    if (model.descriptor.api.protocol !== 'gradio') throw createGatewayError('E_PROTOCOL_UNSUPPORTED', `${model.name}@${model.version} is not a Gradio app`)
    const authorization = c.req.header('authorization')
    checkModelToken(deployer, model.name, authorization)
    const body = await parseJsonBody(c)
    const data = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { data?: unknown }).data : undefined
    if (!Array.isArray(data)) throw createGatewayError('E_BODY_INVALID', 'send {"data": [one value per input]}', { path: '/data' })
    const apiName = c.req.param('apiName')
    try {
      return c.json({ data: await clients.call(model.name, model.selector, apiName, data, authorization) })
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      if (/No endpoint matching/.test(message)) throw createGatewayError('E_GRADIO_ENDPOINT_UNKNOWN', message, { path: `/api/${apiName}` })
      return c.json({ error: { code: 'E_PROTOCOL_MODEL_ERROR', message: `${model.name}@${model.version} /${apiName}: ${message}`, hint: 'The app refused or failed the call; fix the input, or read its logs.' } }, 422)
    }
  })
  return routes
}
