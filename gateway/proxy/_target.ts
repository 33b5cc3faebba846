/**
 * The inference proxy's choice of where a request goes: the model path parsed, the version
 * resolved, one ready replica picked round robin; or the error to answer instead.
 */
import type { IncomingMessage } from 'node:http'
import { FerryError, isFerryError } from '../../packager/ferry-error.js'
import { createGatewayError } from '../errors.js'
import { parseModelPath, type ModelPath } from './_path.js'
import type { ModelProxyOptions } from './model-proxy.js'

export interface ProxyTarget {
  path: ModelPath
  version: string
  /** `name@version`, sent as X-Ferry-Version. */
  ref: string
  ports: number[]
}

export type TargetResult =
  | { ok: true; target: ProxyTarget }
  | { ok: false; model: string; ref: string | null; error: FerryError; headers: Record<string, string> }

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
  const ref = resolved.ref
  if (resolved.endpoints.length === 0) {
    const error = createGatewayError('E_NO_READY_INSTANCE', `${ref} has no ready replica`, { details: { name: path.name, version: resolved.version } })
    return { ok: false, model: path.name, ref, headers: { 'retry-after': '5' }, error }
  }
  return { ok: true, target: { path, version: resolved.version, ref, ports: resolved.endpoints.map((e) => e.port) } }
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
