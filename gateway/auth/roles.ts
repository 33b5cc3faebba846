/**
 * Who may call what under /api: the one table of roles. The rule is "GET/HEAD → viewer, any other
 * method → deployer", unless a prefix below says otherwise; routes added later (rollouts, jobs, …)
 * fall under the rule without an entry. `inference` tokens call their model under /models/ and
 * nothing under /api.
 * Batch jobs (/api/jobs) keep the rule on purpose: reading a job's progress and results is viewer,
 * submitting, cancelling and removing one is deployer (a job spends a model's capacity for
 * minutes, the way a deploy does; an inference token may call its model, not queue work for it).
 */

export const ROLES = ['admin', 'deployer', 'viewer', 'inference'] as const
export type Role = (typeof ROLES)[number]

/** What a route needs: one of the management roles, or nothing at all (`public`: sign-in). */
export type RouteRequirement = 'admin' | 'deployer' | 'viewer' | 'public'

/** Prefixes whose requirement overrides the method rule, first match wins. Append new ones at the end. */
export const ROUTE_ROLES: ReadonlyArray<{ prefix: string; role: RouteRequirement }> = Object.freeze([
  { prefix: '/api/session', role: 'public' }, // sign-in and sign-out check the token themselves
  { prefix: '/api/tokens', role: 'admin' },
  { prefix: '/api/trust', role: 'admin' },
  { prefix: '/api/audit', role: 'admin' },
])

const RANK: Readonly<Record<string, number>> = { viewer: 1, deployer: 2, admin: 3 }

const matches = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`)

/**
 * The role a request needs.
 * @example requiredRole('POST', '/api/tokens') // 'admin'; requiredRole('GET', '/api/instances') // 'viewer'
 */
export function requiredRole(method: string, path: string): RouteRequirement {
  const entry = ROUTE_ROLES.find((e) => matches(path, e.prefix))
  if (entry) return entry.role
  return method === 'GET' || method === 'HEAD' ? 'viewer' : 'deployer'
}

/** True when `role` may do what `required` needs (admin ⊃ deployer ⊃ viewer; inference: nothing under /api). */
export function roleAllows(role: Role, required: RouteRequirement): boolean {
  if (required === 'public') return true
  return (RANK[role] ?? 0) >= RANK[required]!
}
