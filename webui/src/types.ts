/**
 * The shapes the management API answers with, as the console reads them (mirrors of
 * deployer/_catalog.ts, deployer/state-store.ts, deployer/log-store.ts and the runs contract).
 */

export type InstanceState = 'installing' | 'starting' | 'ready' | 'unhealthy' | 'crashed' | 'restarting' | 'failed' | 'stopping' | 'stopped'

export interface ReplicaStatus {
  index: number
  state: string
  reason: string | null
  since: string
  pid: number | null
  port: number | null
  restarts: number
  startedAt: string | null
}

export interface InstanceInfo {
  name: string
  version: string
  ref: string
  digest: string
  state: InstanceState
  reason: string | null
  since: string
  desired: 'running' | 'stopped'
  tagged: boolean
  aliases: string[]
  replicas: ReplicaStatus[]
  replicaCount: number
  description: string | null
  requestedVersion?: string
  /** A deploy of a version that was running already: 'none' (nothing changed) or 'rescaled'. */
  alreadyRunning?: 'none' | 'rescaled'
  /** A pipeline: it runs in the gateway, with no replicas. */
  pipeline?: true
}

export interface ModelInfo {
  name: string
  aliases: Record<string, string>
  versions: Array<{ version: string; state: InstanceState; tagged: boolean; replicaCount: number; desired: string }>
  inferenceTokenRequired: boolean
  /** The model's own token is set (PUT /api/models/:name/token). */
  modelTokenSet?: boolean
  /** Names of the named inference tokens that call this model. */
  inferenceTokens?: string[]
}

export interface PackageSummary {
  digest: string
  name: string
  version: string
  size: number
  createdAt?: string
  created?: boolean
  /** Who signed it, as checked at upload (gateway/trust/signer-view.ts); null: unsigned. */
  signer?: PackageSigner | null
}

export interface PackageSigner {
  keyId: string
  publicKey: string
  name: string | null
  trusted: boolean
  verifiedAt: string
  /** Where the key stands now: trusted, removed from trust since the upload, or never trusted. */
  trust: 'trusted' | 'removed' | 'unknown'
}

export interface TrustedKey {
  keyId: string
  name: string
  publicKey: string
  line: string
  addedAt: string
}

export interface PackageRecord extends PackageSummary {
  descriptor: Descriptor
  manifest: unknown
}

export interface EventRecord {
  id: number
  time: string
  name: string
  version: string
  replica: number | null
  type: string
  state: InstanceState | null
  reason: string | null
  details: unknown
}

export interface LogEntry {
  seq: number
  time: string
  source: string
  stream: 'stdout' | 'stderr' | 'setup' | 'system' | 'access'
  replica: number | null
  line: string
  continues?: true
}

export interface Payload {
  contentType?: string
  schema?: Record<string, unknown> | boolean
  name?: string
  fields?: Record<string, { datatype?: string; shape?: number[]; order?: number }>
}

export interface Endpoint {
  method: string
  path: string
  summary?: string
  input?: Payload
  output?: Payload
  apiName?: string
  query?: Array<{ name: string; description?: string; schema?: unknown }>
}

export interface Example {
  name: string
  endpoint: string
  body?: unknown
  file?: string
  contentType?: string
}

export interface Descriptor {
  name: string
  version?: string
  description?: string
  model?: { name: string; version?: string; framework?: string; license?: string }
  runtime: { type: string; entry?: string }
  resources?: { replicas?: number }
  api: { health: string; openapi?: string; endpoints?: Endpoint[]; protocol?: 'http' | 'gradio' | 'oip-v2'; defaultEndpoint?: string }
  examples?: Example[]
}

/** One node of GET /api/instances/:ref/steps (gateway/pipelines/step-report.ts). */
export interface PipelineStepNode {
  id: string
  kind: 'call' | 'sequence' | 'switch' | 'ensemble' | 'unknown'
  branch?: string
  repeat?: true
  description?: string
  model?: string
  endpoint?: string
  timeoutSeconds?: number
  target?: { ready: boolean; ref: string | null; reason: string | null }
  figures?: { calls: number; failed: number; p95Ms: number | null }
  on?: string
  hasDefault?: boolean
  children: PipelineStepNode[]
}

/** GET /api/instances/:ref/steps: a pipeline version's steps graph, what each call step reaches now and has done. */
export interface PipelineSteps { ref: string; served: { ready: boolean; reason: string | null }; start: string; callSteps: number; unavailable: number; tree: PipelineStepNode; unreached: string[] }

/** One validation problem (packager/problem.ts), as details.errors of E_PACKAGE_INVALID. */
export interface Problem {
  severity: 'error' | 'warning'
  code: string
  path: string
  message: string
  hint?: string
  line?: number
  column?: number
}

export interface RunArtifact { name: string; size: number; contentType: string; url: string }

export interface Run {
  id: number
  model: string
  version: string
  status: 'running' | 'finished' | 'failed'
  startedAt: string
  endedAt: string | null
  params: Record<string, string | number | boolean>
  metrics: Record<string, number>
  tags: Record<string, string>
  requestId: string | null
  artifacts: RunArtifact[]
  /** With a search (`q`): where the words matched, matches marked. */
  snippet?: Array<{ text: string; match?: true }>
}

export interface RequestRecord {
  id: number
  time: string
  model: string
  version: string | null
  method: string
  path: string
  status: number
  durationMs: number
  requestBytes: number
  responseBytes: number
  requestId: string | null
  /** Its bodies were kept (body capture). */
  captured?: true
}
