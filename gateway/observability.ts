/**
 * What the gateway knows about its instances beyond the deployer: metrics fed by deployer events
 * (instance up, restarts, deploy results), and the merged API document, rebuilt only after an
 * event that can change it (a deploy, a state change, an alias, a removal), from each running
 * replica's own document read once (not once per rebuild).
 */
import type { Deployer, EventRecord } from '../deployer/index.js'
import { createGatewayOpenApi } from './_gateway-openapi.js'
import { createMetrics, type Metrics } from './metrics.js'
import { fetchInstanceOpenApi, mergeOpenApi, type ModelApi, type OpenApiDocument } from './openapi.js'
import { GradioAppClients } from './protocols/gradio/app-client.js'
import { addProtocolPaths } from './protocols/openapi-paths.js'

export interface Observability {
  metrics: Metrics
  /** The merged OpenAPI document (cached until the next relevant event). */
  openApi(): Promise<OpenApiDocument>
  /**
   * The same document as UTF-8 JSON bytes, serialised and encoded once per rebuild: at 50 versions
   * (~1 MB) serialising per request was most of its time, and encoding the cached string per
   * request still cost 8-28 ms a read against 2-5 ms for the bytes (curl, same server).
   */
  openApiJson(): Promise<Uint8Array<ArrayBuffer>>
  close(): void
}

function feedMetrics(metrics: Metrics, event: EventRecord): void {
  if (event.type === 'replica' && event.replica !== null) {
    metrics.setInstanceUp(event.name, event.version, event.replica, event.state === 'ready')
    if (event.state === 'restarting') metrics.recordRestart(event.name, event.version)
  } else if (event.type === 'deploy' && (event.state === 'ready' || event.state === 'failed')) {
    metrics.recordDeploy(event.state === 'ready' ? 'success' : 'failure')
  } else if (event.type === 'rollout') {
    const d = event.details as { status: string; strategy: string; stable: string | null; candidate: string; weight: number }
    const active = (d.status === 'running' || d.status === 'paused') && d.stable !== null
    const role = d.strategy === 'shadow' ? 'shadow' as const : 'canary' as const
    const stableWeight = d.strategy === 'canary' ? 100 - d.weight : 100
    metrics.setRolloutWeights(event.name, active ? [{ version: d.stable!, role: 'stable', weight: stableWeight }, { version: d.candidate, role, weight: d.strategy === 'manual' ? 0 : d.weight }] : undefined)
  } else if (event.type === 'remove' || (event.type === 'state' && event.state === 'stopped')) {
    metrics.removeInstance(event.name, event.version)
  }
}

/**
 * Each ready instance's own document, read once per running replica: a rebuild after an event
 * (one alias moved among 50 versions) merges what is known and fetches only what is new. Keyed by
 * version and port (a restarted replica is asked again); a failed read is not kept.
 */
type InstanceDocuments = Map<string, Promise<unknown | undefined>>

/** `isNewest`: false once a later rebuild has started (only the newest forgets the documents it did not ask for). */
async function collectModelApis(deployer: Deployer, documents: InstanceDocuments, isNewest: () => boolean): Promise<ModelApi[]> {
  const ready = deployer.list().filter((i) => i.state === 'ready')
  const wanted = new Set<string>()
  const read = (key: string, fetchIt: () => Promise<unknown | undefined>) => {
    wanted.add(key)
    let document = documents.get(key)
    if (!document) {
      document = fetchIt()
      documents.set(key, document)
      void document.then((value) => { if (value === undefined && documents.get(key) === document) documents.delete(key) }, () => documents.delete(key))
    }
    return document
  }
  const apis = await Promise.all(ready.map(async (instance) => {
    const target = deployer.resolveTarget(instance.name, instance.version)
    const api: ModelApi = { name: instance.name, version: instance.version, aliases: instance.aliases, descriptor: target.descriptor }
    const port = target.endpoints[0]?.port
    const openapi = target.descriptor.api.openapi
    if (openapi && port) api.document = await read(`${instance.name}@${instance.version}:${port}:${openapi}`, () => fetchInstanceOpenApi(port, openapi))
    // A Gradio app's API is read with @gradio/client (view_api); a failure leaves it undocumented, with a warning.
    else if (target.descriptor.api.protocol === 'gradio' && port) api.document = await read(`${instance.name}@${instance.version}:${port}:gradio`, () => GradioAppClients.readApi(port).then((info) => GradioAppClients.buildDocument(info, instance.name), () => undefined))
    return api
  }))
  if (isNewest()) for (const key of documents.keys()) if (!wanted.has(key)) documents.delete(key)
  return apis
}

/** Metrics and API docs for `deployer`; `version` is Ferry's own. */
export function createObservability(deployer: Deployer, version: string): Observability {
  const metrics = createMetrics()
  let cached: Promise<OpenApiDocument> | undefined
  const documents: InstanceDocuments = new Map()
  let rebuilds = 0
  /** `cached` as UTF-8 JSON bytes, made on first ask; dropped whenever `cached` is rebuilt. */
  let cachedJson: Promise<Uint8Array<ArrayBuffer>> | undefined
  const unsubscribe = deployer.onEvent((event) => {
    feedMetrics(metrics, event)
    if (['deploy', 'state', 'alias', 'remove', 'restart'].includes(event.type)) cached = undefined
  })
  return {
    metrics,
    openApi() {
      if (!cached) {
        const rebuild = ++rebuilds
        cached = collectModelApis(deployer, documents, () => rebuild === rebuilds).then((models) => addProtocolPaths(mergeOpenApi(createGatewayOpenApi(version), models), models))
        cached.catch(() => { cached = undefined })
        cachedJson = undefined
      }
      return cached
    },
    openApiJson() {
      const document = this.openApi()
      cachedJson ??= document.then((value) => Buffer.from(JSON.stringify(value)))
      return cachedJson
    },
    close() {
      unsubscribe()
      metrics.close()
    },
  }
}
