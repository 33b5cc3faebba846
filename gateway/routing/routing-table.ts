/**
 * The routing table: everything a data plane needs to carry inference requests, as one plain,
 * frozen value computed by the control plane (build-routing-table.ts) and published on every
 * change (routing-publisher.ts). A data plane reads it and nothing else on a request: the Node
 * proxy looks names up in it, the nginx plane renders it into a configuration, and a Kubernetes
 * renderer (Gateway API HTTPRoute weights, RequestMirror) can consume the same value. So it holds
 * nothing process-specific: no sockets, no pools, no functions; only names, addresses and numbers.
 */
import { modelNotFound, versionNotFound } from '../../deployer/errors.js'

/** One place a version answers: a ready replica. */
export interface RouteEndpoint {
  replica: number
  host: string
  port: number
}

export interface VersionRoute {
  version: string
  /** `name@version`, sent back as X-Ferry-Version. */
  ref: string
  /** Ready replicas only; empty means 503 E_NO_READY_INSTANCE. */
  endpoints: RouteEndpoint[]
  /** Path prefixes under `/models/<name>@<version>` that the gateway answers itself (a Gradio app's `/api/`). */
  gatewayPaths: string[]
  /** Request batching for this version; null: each request is forwarded as it comes (no descriptor field sets it yet). */
  batching: { maxBatchSize: number; maxDelayMs: number } | null
}

/** While a rollout is active, how `latest` is split or mirrored (weights in percent). */
export interface RolloutRouting {
  id: number
  /** Canary: the candidate takes `weight` percent of `latest`; sticky: by X-Ferry-Session / ferry_session cookie. */
  split?: { version: string; weight: number; sticky: boolean }
  /** Shadow: `percent` of `latest` requests are copied to the candidate, answers compared at `compare`. */
  mirror?: { version: string; percent: number; compare: string }
}

export interface ModelRoute {
  name: string
  /** `instances`: proxied to replicas; `gateway`: answered by the gateway itself (a pipeline, no process). */
  servedBy: 'instances' | 'gateway'
  versions: Record<string, VersionRoute>
  /** alias → version (`latest` included when the model has a healthy version). */
  aliases: Record<string, string>
  rollout: RolloutRouting | null
  /** Inference needs `Authorization: Bearer <token>` whose sha256 (hex) is one of these; empty: open. */
  auth: { required: boolean; tokenSha256: string[] }
}

export interface RoutingTable {
  /** Grows by one on every change. */
  revision: number
  builtAt: string
  models: Record<string, ModelRoute>
}

/** What a lookup finds: the model, the version a selector names, and `latest`'s rollout when it applies. */
export type RouteLookup =
  | { ok: true; model: ModelRoute; version: VersionRoute; rollout: RolloutRouting | null }
  | { ok: false; code: 'E_MODEL_NOT_FOUND' | 'E_VERSION_NOT_FOUND'; message: string; details: Record<string, unknown> }

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/

/**
 * Which version `name@selector` (a version or an alias) names; the same answers, codes and
 * messages as the deployer's own resolution, computed from the table alone.
 * @example lookupRoute(table, 'echo', 'latest') // { ok: true, version: { ref: 'echo@1.0.0', ... } }
 */
export function lookupRoute(table: RoutingTable, name: string, selector: string): RouteLookup {
  const model = Object.hasOwn(table.models, name) ? table.models[name] : undefined
  if (!model) {
    const known = Object.keys(table.models)
    const error = modelNotFound(name, known)
    return { ok: false, code: 'E_MODEL_NOT_FOUND', message: error.message, details: error.details! }
  }
  const byVersion = SEMVER.test(selector) && Object.hasOwn(model.versions, selector) ? selector : undefined
  const version = byVersion ?? (Object.hasOwn(model.aliases, selector) ? model.aliases[selector] : undefined)
  const route = version === undefined ? undefined : model.versions[version]
  if (!route) {
    const versions = Object.keys(model.versions)
    const aliases = Object.keys(model.aliases)
    const error = versionNotFound(name, selector, versions, aliases)
    return { ok: false, code: 'E_VERSION_NOT_FOUND', message: error.message, details: error.details! }
  }
  return { ok: true, model, version: route, rollout: selector === 'latest' ? model.rollout : null }
}

/** An empty table (before the control plane published one). */
export const EMPTY_ROUTING_TABLE: RoutingTable = Object.freeze({ revision: 0, builtAt: new Date(0).toISOString(), models: Object.freeze({}) })
