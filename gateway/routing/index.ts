/** The routing table (control plane → data planes): its type, lookups, builder and publisher. */
export { EMPTY_ROUTING_TABLE, lookupRoute, type ModelRoute, type RolloutRouting, type RouteEndpoint, type RouteLookup, type RoutingTable, type VersionRoute } from './routing-table.js'
export { buildRoutingTable, type RoutingSources } from './build-routing-table.js'
export { RoutingPublisher } from './routing-publisher.js'
export { checkInferenceToken } from './_token-check.js'
