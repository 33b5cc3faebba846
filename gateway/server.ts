/**
 * `ferry serve` in one process: the deployer (supervising every instance), the Hono app and the
 * model proxy (/models/*, ahead of Hono for speed) on one node:http server. Closing stops taking connections, lets in-flight requests
 * finish, then stops the instances (their desired state is kept, so the next start brings them
 * back) and flushes state.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { Deployer, type DeployerOptions } from '../deployer/index.js'
import { isAuthorizedByHash, loadAdminToken } from './admin-token.js'
import { createGatewayError } from './errors.js'
import { createGatewayApp } from './app.js'
import { createModelProxy } from './model-proxy.js'
import { createObservability } from './observability.js'
import { readFerryVersion } from '../packager/repo-root.js'
import { resolveGatewayOptions, type GatewayOptions } from './options.js'

export interface RunningGateway {
  url: string
  port: number
  token: string
  /** Where the token is kept ("FERRY_TOKEN" when it came from the environment). */
  tokenSource: string
  dataDir: string
  deployer: Deployer
  close(): Promise<void>
}

/** How long in-flight requests may take to finish when the server closes. */
const DRAIN_MS = 10_000

/**
 * Starts the gateway and the deployer.
 * @example
 * const gateway = await startGateway({ port: 0, dataDir: '/tmp/ferry' })
 * await fetch(`${gateway.url}/health`)
 */
export async function startGateway(options: GatewayOptions & { deployer?: DeployerOptions } = {}): Promise<RunningGateway> {
  const resolved = resolveGatewayOptions(options)
  const deployer = await Deployer.open({ ...options.deployer, dataDir: resolved.dataDir, ...(options.env ? { env: options.env } : {}) })
  const { token, source } = await loadAdminToken(resolved.dataDir, resolved.token)
  const observability = createObservability(deployer, readFerryVersion())
  const app = createGatewayApp({ deployer, token, maxUploadBytes: resolved.maxUploadBytes, observability })
  const listener = getRequestListener(app.fetch)
  // Inference bypasses Hono: /models/* is proxied at the socket level, streaming both ways.
  const proxy = createModelProxy({
    upstreamTimeoutMs: resolved.upstreamTimeoutMs,
    resolve(name, selector, req) {
      const target = deployer.resolveTarget(name, selector)
      const tokenHash = deployer.inferenceTokenHash(name)
      if (tokenHash !== undefined && !isAuthorizedByHash(req.headers.authorization, tokenHash)) {
        throw createGatewayError('E_MODEL_TOKEN_REQUIRED', `inference on ${name} requires its token`, { details: { name } })
      }
      return target
    },
    onResponse(record) {
      if (record.version) observability.metrics.recordRequest({ model: record.model, version: record.version, code: record.status, durationSeconds: record.durationMs / 1000 })
      deployer.logs.append('gateway', { stream: 'access', line: JSON.stringify(record) })
    },
  })
  const server: Server = createServer((req, res) => {
    if (!proxy.handle(req, res)) void listener(req, res)
  })
  server.on('upgrade', (req, socket, head) => {
    if (!proxy.handleUpgrade(req, socket, head)) socket.destroy()
  })
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(resolved.port, resolved.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host
  let closing: Promise<void> | undefined
  return {
    url: `http://${host}:${port}`, port, token, tokenSource: source, dataDir: resolved.dataDir, deployer,
    close() {
      closing ??= (async () => {
        const drained = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeIdleConnections()
        const timer = setTimeout(() => server.closeAllConnections(), DRAIN_MS)
        await drained
        clearTimeout(timer)
        proxy.close()
        await deployer.close()
        observability.close()
      })()
      return closing
    },
  }
}
