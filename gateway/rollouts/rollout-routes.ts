/**
 * The rollout API under /api/rollouts (GET reads, every other method acts): list and show
 * rollouts with their steps, checks and figures; promote, abort, pause, resume; and rollback,
 * which aborts an active rollout or starts the previous version and switches `latest` to it.
 */
import { Hono } from 'hono'
import type { Deployer } from '../../deployer/index.js'
import { createGatewayError } from '../errors.js'
import { readJsonBody } from '../_json-body.js'

/** What POST /api/deployments accepts besides the package: the rollout's options (checked by the deployer). */
export const ROLLOUT_BODY_FIELDS = {
  strategy: { type: 'string' }, step: { type: 'number' }, maxWeight: { type: 'number' }, interval: { type: 'any' },
  threshold: { type: 'number' }, minSuccessRate: { type: 'number' }, maxLatencyRatio: { type: 'number' }, minRequests: { type: 'number' },
  metrics: { type: 'object' }, sticky: { type: 'boolean' }, mirror: { type: 'number' }, compare: { type: 'string' },
  minAgreement: { type: 'number' }, keepWarm: { type: 'number' }, acceptance: { type: 'boolean' },
} as const

/** A body is optional on the actions; when sent it must be a JSON object of the known fields. */
async function readOptionalBody(c: Parameters<typeof readJsonBody>[0], spec: Parameters<typeof readJsonBody>[1]): Promise<Record<string, unknown>> {
  const length = c.req.header('content-length')
  if (!c.req.header('content-type') && (length === undefined || length === '0')) return {}
  return readJsonBody(c, spec)
}

export function createRolloutRoutes(deployer: Deployer): Hono {
  const routes = new Hono()
  const { rollouts } = deployer

  routes.get('/rollouts', (c) => {
    const model = c.req.query('model')
    const active = c.req.query('active')
    const limitText = c.req.query('limit')
    const limit = limitText === undefined ? 100 : Number(limitText)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw createGatewayError('E_QUERY_INVALID', `limit must be a whole number from 1 to 1000, not "${limitText}"`, { path: 'limit' })
    if (active !== undefined && active !== '1' && active !== '0' && active !== 'true' && active !== 'false') throw createGatewayError('E_QUERY_INVALID', `active must be 1 or 0, not "${active}"`, { path: 'active' })
    return c.json(rollouts.list({ ...(model ? { name: model } : {}), active: active === '1' || active === 'true', limit }).map((r) => rollouts.describe(r)))
  })
  routes.get('/rollouts/:ref', (c) => c.json(rollouts.describe(rollouts.get(c.req.param('ref')))))
  routes.post('/rollouts/:name/promote', async (c) => {
    const body = await readOptionalBody(c, { force: { type: 'boolean' } })
    return c.json(await rollouts.promote(c.req.param('name'), { force: body['force'] === true }))
  })
  routes.post('/rollouts/:name/abort', async (c) => {
    const body = await readOptionalBody(c, { reason: { type: 'string' } })
    return c.json(await rollouts.abort(c.req.param('name'), typeof body['reason'] === 'string' ? `aborted by request: ${body['reason']}` : undefined))
  })
  routes.post('/rollouts/:name/pause', async (c) => c.json(await rollouts.pause(c.req.param('name'))))
  routes.post('/rollouts/:name/resume', async (c) => c.json(await rollouts.resume(c.req.param('name'))))
  routes.post('/rollouts/:name/rollback', async (c) => c.json(await deployer.rollback(c.req.param('name'))))
  return routes
}
