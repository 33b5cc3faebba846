/**
 * GET /api/routing: the routing table the data plane serves now, and which plane it is. Token
 * hashes are not shown (a viewer may read this): each model says only whether inference needs a
 * token and how many are accepted.
 */
import { Hono } from 'hono'
import type { RoutingTable } from './routing-table.js'

export interface RoutingView {
  current(): RoutingTable
  dataPlane: 'node' | 'nginx'
}

export function createRoutingRoutes(routing: RoutingView): Hono {
  const routes = new Hono()
  routes.get('/routing', (c) => {
    const table = routing.current()
    const models = Object.fromEntries(Object.entries(table.models).map(([name, model]) => {
      const { tokenSha256, ...auth } = model.auth
      return [name, { ...model, auth: { ...auth, tokens: tokenSha256.length } }]
    }))
    return c.json({ dataPlane: routing.dataPlane, revision: table.revision, builtAt: table.builtAt, models })
  })
  return routes
}
