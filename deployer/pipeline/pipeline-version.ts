/**
 * A pipeline version (runtime.type "pipeline"): no process, nothing to unpack or install. It is
 * ready once its package is stored; the gateway runs its graph (gateway/pipelines/). Versions,
 * aliases, tagging and `latest` are the deployer's as for any model: only bringing it up differs.
 */
import type { Descriptor } from '../../descriptors/descriptor.js'
import { createDeployerError } from '../errors.js'
import type { PackageStore } from '../package-store.js'
import type { InstanceState, VersionRecord } from '../state-store.js'

/** True for a descriptor the gateway runs itself, e.g. `isPipeline(pkg.descriptor)`. */
export function isPipeline(descriptor: Pick<Descriptor, 'runtime'> | undefined): boolean {
  return descriptor?.runtime.type === 'pipeline'
}

export interface PipelineBringUp {
  packages: PackageStore
  setVersionState(name: string, version: string, state: InstanceState, reason: string | null): void
}

/**
 * Marks a pipeline version ready once its package is on disk; fails like a deploy otherwise.
 * @example await bringUpPipeline(version, { packages, setVersionState })
 */
export async function bringUpPipeline(version: VersionRecord, parts: PipelineBringUp): Promise<void> {
  const stored = await parts.packages.locate(version.digest)
  if (!stored) throw createDeployerError('E_PACKAGE_NOT_FOUND', `the package of ${version.name}@${version.version} (${version.digest}) is missing from the store`, { details: { digest: version.digest } })
  parts.setVersionState(version.name, version.version, 'ready', null)
}
