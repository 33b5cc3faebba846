/**
 * The Node data plane's view of the routing table: `resolve()` for the model proxy, answered from
 * the published table alone (never the deployer or a database). Answers are kept per table
 * revision, so a request costs one map lookup; the token check is a sha256 against the hashes
 * the table lists for the model.
 */
import type { IncomingMessage } from 'node:http'
import { createDeployerError } from '../../deployer/index.js'
import { createGatewayError } from '../errors.js'
import { checkInferenceToken, lookupRoute, type ModelRoute, type RoutingTable, type VersionRoute } from '../routing/index.js'
import type { ModelProxyOptions, ProxyResolution } from './model-proxy.js'

type Cached = { ok: true; model: ModelRoute; resolution: ProxyResolution } | { ok: false; error: Error }

const toEndpoints = (v: VersionRoute) => v.endpoints.map((e) => ({ replica: e.replica, port: e.port }))

/**
 * @example createModelProxy({ resolve: createTableResolver(() => publisher.current()) })
 */
export function createTableResolver(currentTable: () => RoutingTable): ModelProxyOptions['resolve'] {
  let revision = -1
  const cache = new Map<string, Cached>()
  return (name: string, selector: string, req: IncomingMessage): ProxyResolution => {
    const table = currentTable()
    if (table.revision !== revision) {
      revision = table.revision
      cache.clear()
    }
    const key = `${name}@${selector}`
    let found = cache.get(key)
    if (!found) {
      found = resolveOnce(table, name, selector)
      if (cache.size > 10_000) cache.clear() // selectors are client input: keep the cache bounded
      cache.set(key, found)
    }
    if (!found.ok) throw found.error
    if (!checkInferenceToken(found.model, req.headers.authorization)) {
      throw createGatewayError('E_MODEL_TOKEN_REQUIRED', `inference on ${name} requires its token`, { details: { name } })
    }
    return found.resolution
  }
}

function resolveOnce(table: RoutingTable, name: string, selector: string): Cached {
  const found = lookupRoute(table, name, selector)
  if (!found.ok) return { ok: false, error: createDeployerError(found.code, found.message, { details: found.details }) }
  const { model, version, rollout } = found
  const resolution: ProxyResolution = { version: version.version, ref: version.ref, endpoints: toEndpoints(version) }
  const split = rollout?.split && model.versions[rollout.split.version]
  if (rollout?.split && split) resolution.split = { version: split.version, ref: split.ref, weight: rollout.split.weight, sticky: rollout.split.sticky, endpoints: toEndpoints(split) }
  const mirror = rollout?.mirror && model.versions[rollout.mirror.version]
  if (rollout?.mirror && mirror) resolution.mirror = { version: mirror.version, ref: mirror.ref, percent: rollout.mirror.percent, compare: rollout.mirror.compare, endpoints: toEndpoints(mirror) }
  return { ok: true, model, resolution }
}
