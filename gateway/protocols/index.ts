/**
 * The ecosystem's protocols on top of every model's own HTTP API: the Gradio app protocol at
 * /gradio/<name>/ and the Open Inference Protocol v2 at /v2/. One caller sends every protocol's
 * calls through the gateway's own model proxy.
 * @example
 * const protocols = createProtocols({ deployer, gatewayUrl: url, upstreamTimeoutMs: 60_000, serverVersion })
 * app.route('/', protocols.routes)
 */
import { Hono } from 'hono'
import type { Deployer } from '../../deployer/index.js'
import { GradioAppClients } from './gradio/app-client.js'
import { claimsGradioAppCall, createGradioAppRoutes } from './gradio/app-routes.js'
import { createGradioBridge } from './gradio/bridge-routes.js'
import { createModelCaller } from './model-caller.js'
import { createOipRoutes } from './oip/oip-routes.js'

export interface Protocols {
  routes: Hono
  /** True for a request under /models/ the gateway answers instead of the proxy (a Gradio app's /api/<name> call). */
  claims(url: string): boolean
  close(): Promise<void>
}

export interface ProtocolOptions {
  deployer: Deployer
  /** The gateway's own URL: calls go through its /models/ proxy. */
  gatewayUrl: string
  upstreamTimeoutMs: number
  serverVersion: string
}

export function createProtocols(options: ProtocolOptions): Protocols {
  const caller = createModelCaller(options.gatewayUrl, options.upstreamTimeoutMs)
  const gradio = createGradioBridge({ deployer: options.deployer, caller })
  const apps = new GradioAppClients(options.gatewayUrl)
  const routes = new Hono()
  routes.route('/', gradio.routes)
  routes.route('/', createGradioAppRoutes(options.deployer, apps))
  routes.route('/', createOipRoutes({ deployer: options.deployer, caller, serverVersion: options.serverVersion }))
  return {
    routes,
    claims: (url) => claimsGradioAppCall(options.deployer, url),
    async close() {
      apps.close()
      gradio.close()
      await caller.close()
    },
  }
}
