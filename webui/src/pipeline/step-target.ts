/**
 * Which version a call step reaches now, read from the routing table the data plane serves
 * (GET /api/routing), by the rules the gateway calls it by: `name` is `name@latest`, a selector is
 * a version or else an alias (gateway/routing/routing-table.ts lookupRoute), and it is ready when
 * that version has a ready endpoint, or for a pipeline its paths (gateway/pipelines/step-caller.ts).
 */
import type { RoutingAnswer } from '../types.js'

export type StepTarget =
  | { ready: true; ref: string }
  | { ready: false; ref: string | null; reason: string }

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/

/** @example stepTarget(table, 'ocr') // { ready: true, ref: 'ocr@1.2.0' } */
export function stepTarget(table: RoutingAnswer, target: string): StepTarget {
  const at = target.indexOf('@')
  const name = at === -1 ? target : target.slice(0, at)
  const selector = at === -1 ? 'latest' : target.slice(at + 1)
  const model = Object.hasOwn(table.models, name) ? table.models[name] : undefined
  if (!model) return { ready: false, ref: null, reason: `${name} is not deployed` }
  const version = SEMVER.test(selector) && Object.hasOwn(model.versions, selector) ? selector : Object.hasOwn(model.aliases, selector) ? model.aliases[selector] : undefined
  const route = version === undefined ? undefined : model.versions[version]
  if (!route) return { ready: false, ref: null, reason: `${name} has no version or alias ${selector}` }
  const ready = model.servedBy === 'gateway' ? route.gatewayPaths.length > 0 : route.endpoints.length > 0
  return ready ? { ready, ref: route.ref } : { ready, ref: route.ref, reason: `${route.ref} has no ready replica` }
}
