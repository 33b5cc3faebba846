/**
 * The data-plane contract (data-plane.contract.ts) against the nginx plane: `startGateway` with
 * `dataPlane: 'nginx'`, a real nginx (Debian's `nginx`, installed in CI) in front of the instances.
 */
import { startGateway } from '../gateway/server.js'
import { FAST } from './_deployer-helpers.js'
import { runDataPlaneContract } from './data-plane.contract.js'

runDataPlaneContract({
  name: 'nginx',
  knownGaps: ['response-connection-named'],
  async start(t, dataDir, { upstreamTimeoutMs }) {
    const gateway = await startGateway({ port: 0, host: '127.0.0.1', dataDir, upstreamTimeoutMs, dataPlane: 'nginx', deployer: { ...FAST, healthIntervalMs: 1000, unhealthyThreshold: 3 } })
    t.after(() => gateway.close())
    return gateway
  },
})
