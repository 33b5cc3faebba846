/**
 * The inference proxy's choice of where a request goes: the model path parsed, the version
 * resolved, one ready replica picked round robin; or the error to answer instead.
 */
import type { IncomingMessage } from 'node:http'
import { FerryError, isFerryError } from '../../packager/ferry-error.js'
import { createGatewayError } from '../errors.js'
import { parseModelPath, type ModelPath } from './_path.js'
import type { ModelProxyOptions } from './model-proxy.js'

export type ProxyRole = 'stable' | 'canary' | 'shadow'

export interface ProxyTarget {
  path: ModelPath
  version: string
  /** `name@version`, sent as X-Ferry-Version. */
  ref: string
  ports: number[]
  /** canary when a rollout's split sent the request to its candidate. */
  role: ProxyRole
  /** Set when this request is to be copied to a shadow version. */
  mirror?: { ref: string; ports: number[]; compare: string }
}

export type TargetResult =
  | { ok: true; target: ProxyTarget }
  | { ok: false; model: string; ref: string | null; error: FerryError; headers: Record<string, string> }

type Endpoints = ReturnType<ModelProxyOptions['resolve']>['endpoints']
/** Ports of an endpoint list, computed once per list (resolvers hand out the same lists until routes change). */
const PORTS = new WeakMap<Endpoints, number[]>()
function portsOf(endpoints: Endpoints): number[] {
  let ports = PORTS.get(endpoints)
  if (!ports) PORTS.set(endpoints, (ports = endpoints.map((e) => e.port)))
  return ports
}

/** `undefined` when the URL is not under /models/ (the caller does not take the request). */
export function findTarget(req: IncomingMessage, resolve: ModelProxyOptions['resolve']): TargetResult | undefined {
  const parsed = parseModelPath(req.url ?? '/')
  if (!parsed) return undefined
  if (!parsed.ok) {
    return { ok: false, model: '', ref: null, headers: {}, error: createGatewayError('E_PROXY_PATH_INVALID', `refused ${req.url}: ${parsed.reason}`, { path: req.url }) }
  }
  const path = parsed.value
  let resolved: ReturnType<ModelProxyOptions['resolve']>
  try {
    resolved = resolve(path.name, path.selector, req)
  } catch (error) {
    if (isFerryError(error)) return { ok: false, model: path.name, ref: null, headers: {}, error }
    console.error(`model proxy: resolving ${path.name}@${path.selector} failed`, error)
    return { ok: false, model: path.name, ref: null, headers: {}, error: createGatewayError('E_INTERNAL', 'internal error') }
  }
  const { split, mirror } = resolved
  if (split && split.endpoints.length > 0 && (resolved.endpoints.length === 0 || (split.sticky ? stickyBucket(req) : Math.random() * 100) < split.weight)) {
    return { ok: true, target: { path, version: split.version, ref: split.ref, ports: portsOf(split.endpoints), role: 'canary' } }
  }
  const ref = resolved.ref
  if (resolved.endpoints.length === 0) {
    const error = createGatewayError('E_NO_READY_INSTANCE', `${ref} has no ready replica`, { details: { name: path.name, version: resolved.version } })
    return { ok: false, model: path.name, ref, headers: { 'retry-after': '5' }, error }
  }
  const target: ProxyTarget = { path, version: resolved.version, ref, ports: portsOf(resolved.endpoints), role: 'stable' }
  if (mirror && mirror.endpoints.length > 0 && Math.random() * 100 < mirror.percent) target.mirror = { ref: mirror.ref, ports: portsOf(mirror.endpoints), compare: mirror.compare }
  return { ok: true, target }
}

const SESSION_COOKIE = /(?:^|;\s*)ferry_session=([^;]+)/

/**
 * A client's place in [0, 100) from its X-Ferry-Session header or ferry_session cookie (FNV-1a),
 * so one client stays on one side of a split while the weight does not cross it; random without one.
 */
export function stickyBucket(req: IncomingMessage): number {
  const header = req.headers['x-ferry-session']
  const session = (Array.isArray(header) ? header[0] : header) ?? SESSION_COOKIE.exec(req.headers.cookie ?? '')?.[1]
  if (!session) return Math.random() * 100
  let hash = 0x811c9dc5
  for (let i = 0; i < session.length; i++) hash = Math.imul(hash ^ session.charCodeAt(i), 0x01000193)
  return ((hash >>> 0) % 10_000) / 100
}

/** Round robin over each version's replicas; the count per version only ever grows. */
export function createPicker(): (target: ProxyTarget) => number {
  const turns = new Map<string, number>()
  return (target) => {
    const turn = turns.get(target.ref) ?? 0
    turns.set(target.ref, turn + 1)
    return target.ports[turn % target.ports.length]!
  }
}

/** The JSON body of an error response. */
export function errorBody(error: FerryError): Buffer {
  return Buffer.from(JSON.stringify(error))
}
