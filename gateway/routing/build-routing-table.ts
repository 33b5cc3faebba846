/**
 * Builds the routing table from the control plane: the deployer's versions, aliases and ready
 * replicas, the rollout controller's splits and mirrors, and which tokens inference on each model
 * accepts (only sha256 hashes, never a secret). Called on every change by the publisher; reads
 * the state store, so it is never on a request's path.
 */
import type { Deployer } from '../../deployer/index.js'
import type { Descriptor } from '../../descriptors/descriptor.js'
import type { ModelRoute, RoutingTable, VersionRoute } from './routing-table.js'

/** What the table is built from; the gateway passes its deployer and token store. */
export interface RoutingSources {
  deployer: Pick<Deployer, 'state' | 'supervisor' | 'rollouts' | 'inferenceTokenHash'>
  /** sha256 (hex) of the named inference tokens of a model (gateway/auth/token-store.ts). */
  inferenceTokenHashes(model: string): string[]
}

const LOOPBACK = '127.0.0.1'

/**
 * One table, frozen.
 * @example const table = buildRoutingTable({ deployer, inferenceTokenHashes: (m) => tokens.inferenceTokenHashes(m) }, 1)
 */
export function buildRoutingTable(sources: RoutingSources, revision: number, protocols = new Map<string, string>()): RoutingTable {
  const { state, supervisor, rollouts } = sources.deployer
  const models: Record<string, ModelRoute> = {}
  const route = (name: string): ModelRoute => (models[name] ??= { name, servedBy: 'instances', versions: {}, aliases: {}, rollout: null, auth: { required: false, tokenSha256: [] } })
  for (const record of state.listVersions()) {
    const ref = `${record.name}@${record.version}`
    // Packages are immutable: a digest's protocol is read once.
    let protocol = protocols.get(record.digest)
    if (protocol === undefined) {
      const descriptor = state.getPackage(record.digest)?.descriptor as Descriptor | undefined
      // A pipeline is answered by the gateway itself (gateway/pipelines/): it has no replicas.
      protocol = descriptor?.runtime.type === 'pipeline' ? 'pipeline' : descriptor?.api.protocol ?? 'http'
      protocols.set(record.digest, protocol)
    }
    const version: VersionRoute = {
      version: record.version, ref,
      endpoints: (supervisor.instance(ref)?.readyEndpoints() ?? []).map((e) => ({ replica: e.replica, host: LOOPBACK, port: e.port })),
      gatewayPaths: protocol === 'gradio' ? ['/api/'] : protocol === 'pipeline' && record.state === 'ready' ? ['/'] : [],
      batching: null,
    }
    route(record.name).versions[record.version] = version
    if (protocol === 'pipeline') route(record.name).servedBy = 'gateway'
  }
  for (const alias of state.listAliases()) if (models[alias.name]) models[alias.name]!.aliases[alias.alias] = alias.version
  for (const model of Object.values(models)) {
    const rollout = rollouts.routeFor(model.name)
    if (rollout && (rollout.split || rollout.mirror)) {
      model.rollout = {
        id: rollout.rollout,
        ...(rollout.split ? { split: { version: rollout.split.version, weight: rollout.split.weight, sticky: rollout.split.sticky } } : {}),
        ...(rollout.mirror ? { mirror: { version: rollout.mirror.version, percent: rollout.mirror.percent, compare: rollout.mirror.compare } } : {}),
      }
    }
    const legacy = sources.deployer.inferenceTokenHash(model.name)
    const hashes = [...(legacy ? [legacy] : []), ...sources.inferenceTokenHashes(model.name)]
    model.auth = { required: hashes.length > 0, tokenSha256: [...new Set(hashes)].sort() }
  }
  return deepFreeze({ revision, builtAt: new Date().toISOString(), models })
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
