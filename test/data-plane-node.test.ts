/** The data-plane contract (data-plane.contract.ts) against the Node plane: the gateway's own proxy. */
import { startGateway } from '../gateway/server.js'
import { FAST } from './_deployer-helpers.js'
import { runDataPlaneContract } from './data-plane.contract.js'

runDataPlaneContract({
  name: 'node',
  async start(t, dataDir, { upstreamTimeoutMs }) {
    const gateway = await startGateway({ port: 0, host: '127.0.0.1', dataDir, upstreamTimeoutMs, deployer: { ...FAST, healthIntervalMs: 1000, unhealthyThreshold: 3 } })
    t.after(() => gateway.close())
    return gateway
  },
})
