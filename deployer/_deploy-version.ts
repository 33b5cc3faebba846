/**
 * Deploying a version: the deployer's biggest operation, kept apart from its public API. It
 * records the version, brings it up under its lock and then either tags it (moving `latest`) once
 * healthy, or hands the healthy candidate to its rollout; a redeploy of what runs is a no-op or a
 * make-before-break rescale.
 */
import type { Descriptor } from '../descriptors/descriptor.js'
import type { InstanceInfo } from './_catalog.js'
import { createDeployerError } from './errors.js'
import { checkAliasName } from './ref.js'
import type { VersionRegistry } from './registry/version-registry.js'
import type { RolloutController } from './rollout/controller.js'
import { resolveRolloutOptions, type RolloutRequest } from './rollout/rollout-options.js'
import type { StateStore } from './state-store.js'
import type { Supervisor } from './supervisor/supervisor.js'

const ROLLOUT_FIELDS = ['strategy', 'step', 'maxWeight', 'interval', 'threshold', 'minSuccessRate', 'maxLatencyRatio', 'minRequests', 'metrics', 'sticky', 'mirror', 'compare', 'minAgreement', 'keepWarm', 'acceptance'] as const

/** A deploy's rollout options (see rollout/rollout-options.ts); the descriptor's `rollout` fills the rest. */
export interface DeployRequest extends RolloutRequest {
  /** A package digest, or `name@version` of a version deployed before. */
  package: string
  replicas?: number
  /** Another alias to move to the version once it is ready (besides `latest`). */
  alias?: string
  /** Wait until ready (default) or return at once with the version installing. */
  wait?: boolean
  /** When the package's version is taken by another package, deploy it as the next free patch version. */
  bump?: boolean
}

/** The deployer's parts a deploy drives. */
export interface DeployParts {
  state: StateStore
  registry: VersionRegistry
  supervisor: Supervisor
  rollouts: RolloutController
  setAlias(name: string, alias: string, version: string): void
}

/** Which version was deployed, and what InstanceInfo's answer says besides its state (a bumped version, a redeploy). */
export type DeployOutcome = { name: string; version: string } & Pick<InstanceInfo, 'requestedVersion' | 'alreadyRunning'>

/** Deploys `request.package` (see Deployer.deploy). */
export async function deployVersion(parts: DeployParts, request: DeployRequest): Promise<DeployOutcome> {
  const { state, registry, supervisor, rollouts } = parts
  if (request.alias !== undefined) checkAliasName(request.alias)
  const pkg = registry.findPackageFor(request)
  const version = registry.chooseVersion(pkg, request)
  const ref = `${pkg.name}@${version}`
  const known = state.getVersion(pkg.name, version)
  const descriptor = pkg.descriptor as Descriptor & { rollout?: RolloutRequest }
  const replicas = request.replicas ?? known?.replicas ?? descriptor.resources?.replicas ?? 1
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 64) throw createDeployerError('E_REPLICAS_INVALID', `replicas must be a whole number from 1 to 64, not ${replicas}`, { details: { replicas } })
  // A new version rolls out (by the request's strategy, else the descriptor's, else replace);
  // starting a version deployed before does not, unless a strategy is asked for.
  const running = known?.desired === 'running' && supervisor.instance(ref) !== undefined && supervisor.instance(ref)!.state.state !== 'failed'
  const rollout = !running && (!known?.tagged || request.strategy !== undefined)
    ? resolveRolloutOptions(Object.fromEntries(ROLLOUT_FIELDS.filter((f) => request[f] !== undefined).map((f) => [f, request[f]])), descriptor.rollout)
    : undefined
  const release = rollout ? rollouts.reserve(pkg.name) : () => undefined
  try {
    state.createVersion({ name: pkg.name, version, digest: pkg.digest, replicas })
  } catch (error) {
    release()
    throw error
  }
  const work = supervisor.withLock(ref, async () => {
    try {
      const record = state.getVersion(pkg.name, version)!
      const live = supervisor.instance(ref)
      if (live && record.desired === 'running' && live.state.state !== 'failed') {
        if (record.replicas !== replicas) await supervisor.replaceInstance({ ...state.updateVersion(pkg.name, version, { replicas }) })
        if (request.alias) parts.setAlias(pkg.name, request.alias, version)
        return
      }
      await supervisor.bringUp(state.updateVersion(pkg.name, version, { desired: 'running', replicas }), {
        supervise: false,
        ...(rollout ? {} : { onHealthy: () => registry.tagVersion(pkg.name, version, request.alias) }),
      })
      if (rollout) await beginRollout(parts, pkg.name, version, rollout, request.alias)
    } finally {
      release()
    }
  })
  if (request.wait === false) work.catch(() => undefined)
  else await work
  return {
    name: pkg.name, version,
    ...(version !== pkg.version ? { requestedVersion: pkg.version } : {}),
    // Redeploying what runs says so, rather than looking like a fresh deploy that became ready.
    ...(running ? { alreadyRunning: known!.replicas === replicas ? 'none' as const : 'rescaled' as const } : {}),
  }
}

/** Runs the rollout of a healthy candidate; one that fails acceptance is stopped here (under its lock). */
async function beginRollout(parts: DeployParts, name: string, version: string, rollout: ReturnType<typeof resolveRolloutOptions>, alias: string | undefined): Promise<void> {
  try {
    await parts.rollouts.begin(name, version, rollout, alias)
  } catch (error) {
    parts.state.updateVersion(name, version, { desired: 'stopped' })
    await parts.supervisor.stopInstance(`${name}@${version}`)
    parts.supervisor.setVersionState(name, version, 'failed', (error as Error).message)
    throw error
  }
}
