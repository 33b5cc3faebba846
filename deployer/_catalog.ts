/**
 * The read side of the deployer: how versions, models and aliases are described to callers, and
 * which version a name, version or alias resolves to. Pure functions over the state store.
 */
import semver from 'semver'
import type { Descriptor } from '../descriptors/descriptor.js'
import { modelNotFound, versionNotFound } from './errors.js'
import { isPipeline } from './pipeline/pipeline-version.js'
import type { Instance } from './supervisor/instance.js'
import type { ReplicaStatus } from './supervisor/replica.js'
import type { SandboxInfo } from './sandbox/version-sandbox.js'
import type { InstanceState, StateStore, VersionRecord } from './state-store.js'

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
  /** Set when `bump` changed the version: the version the package asked for. */
  requestedVersion?: string
  /** Set by a deploy of a version that was running already: what it did ('none', or 'rescaled' to the replicas asked). */
  alreadyRunning?: 'none' | 'rescaled'
  /** How the version runs: sandboxed or not, its user, and its limits with how each is enforced. */
  sandbox?: SandboxInfo
  /** Set for a pipeline: it runs in the gateway, with no process and so no replicas. */
  pipeline?: true
}

export interface ModelInfo {
  name: string
  aliases: Record<string, string>
  versions: Array<Pick<InstanceInfo, 'version' | 'state' | 'tagged' | 'replicaCount' | 'desired'>>
  /** True when inference on this model needs its token. */
  inferenceTokenRequired: boolean
}

export interface ResolvedTarget {
  name: string
  version: string
  ref: string
  endpoints: Array<{ replica: number; port: number }>
  descriptor: Descriptor
  /** `latest` during a canary: the candidate, its share in percent and its ready replicas. */
  split?: { version: string; ref: string; weight: number; sticky: boolean; endpoints: Array<{ replica: number; port: number }> }
  /** `latest` during a shadow rollout: where copies go, how many, and what is compared. */
  mirror?: { version: string; ref: string; percent: number; compare: string; endpoints: Array<{ replica: number; port: number }> }
}

/** A version as callers see it, with its live replicas when it runs. */
export function describeVersion(state: StateStore, live: Instance | undefined, version: VersionRecord): InstanceInfo {
  const descriptor = state.getPackage(version.digest)?.descriptor as Descriptor | undefined
  return {
    name: version.name, version: version.version, ref: `${version.name}@${version.version}`, digest: version.digest,
    state: version.state, reason: version.stateReason, since: version.stateChangedAt, desired: version.desired,
    tagged: version.tagged,
    aliases: state.listAliases(version.name).filter((a) => a.version === version.version).map((a) => a.alias).sort(),
    replicas: live?.replicaStatuses ?? [], replicaCount: version.replicas,
    description: descriptor?.description ?? null,
    ...(isPipeline(descriptor) ? { pipeline: true as const } : {}),
  }
}

/** Every model with its versions and aliases. */
export function listModelInfo(state: StateStore): ModelInfo[] {
  const names = [...new Set(state.listVersions().map((v) => v.name))]
  return names.map((name) => ({
    name,
    aliases: Object.fromEntries(state.listAliases(name).map((a) => [a.alias, a.version])),
    inferenceTokenRequired: state.getModelTokenHash(name) !== undefined,
    versions: state.listVersions(name).map((v) => ({ version: v.version, state: v.state, tagged: v.tagged, replicaCount: v.replicas, desired: v.desired })),
  }))
}

/** The version `selector` (a version or an alias) names; 404s list what exists. */
export function resolveVersion(state: StateStore, name: string, selector: string): Omit<ResolvedTarget, 'endpoints'> {
  const versions = state.listVersions(name)
  if (versions.length === 0) {
    const known = listModelInfo(state).map((m) => m.name)
    throw modelNotFound(name, known)
  }
  const byVersion = semver.valid(selector) ? state.getVersion(name, selector) : undefined
  const version = byVersion?.version ?? state.getAlias(name, selector)?.version
  if (!version) {
    const aliases = state.listAliases(name).map((a) => a.alias)
    throw versionNotFound(name, selector, versions.map((v) => v.version), aliases)
  }
  const record = state.getVersion(name, version)!
  return { name, version, ref: `${name}@${version}`, descriptor: state.getPackage(record.digest)!.descriptor as Descriptor }
}
