/**
 * What a start does before anything runs: removes half-written uploads and unpacks, stops the
 * processes a previous (killed) run left behind, and relaunches every version that should run.
 */
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { findLeftoverProcesses, stopProcessGroups } from '../_leftover-processes.js'
import type { LogStore } from '../log-store.js'
import type { ResolvedDeployerOptions } from '../options.js'
import { removeIncompleteUploads, type PackageStore } from '../package-store.js'
import type { StateStore, VersionRecord } from '../state-store.js'
import type { Supervisor } from './supervisor.js'

export interface RecoverConfig {
  options: ResolvedDeployerOptions
  packages: PackageStore
  state: StateStore
  logs: LogStore
  supervisor: Supervisor
  /** Starts a version that should run (in the background; failures are recorded, not thrown). */
  relaunch(version: VersionRecord): void
}

/** Cleans the data directory and relaunches what should run; does not wait for it to be ready. */
export async function recoverDataDir({ options, packages, state, logs, supervisor, relaunch }: RecoverConfig): Promise<void> {
  await removeIncompleteUploads(join(options.dataDir, 'packages'))
  await removeUnrecordedPackages(packages, state, logs)
  await removePartialDirectories(join(options.dataDir, 'instances'))
  const leftovers = await findLeftoverProcesses({ key: 'FERRY_HOME_ID', value: options.homeId })
  if (leftovers.length > 0) {
    await stopProcessGroups([...new Set(leftovers.map((p) => p.pgid))], options.stopGraceMs)
    logs.append('deployer', { stream: 'system', line: `stopped ${leftovers.length} process(es) left by the previous run` })
  }
  for (const p of state.listProcesses()) state.forgetProcess(p.name, p.version, p.replica)
  for (const version of state.listVersions()) {
    if (version.desired !== 'running') {
      if (version.state !== 'stopped' && version.state !== 'failed') state.updateVersion(version.name, version.version, { state: 'stopped', stateReason: 'server restarted' })
      continue
    }
    // What the database says is from before the restart: nothing runs until relaunched.
    supervisor.setVersionState(version.name, version.version, 'starting', 'server restarted')
    relaunch(version)
  }
}

/**
 * A zip in the store with no record was never acknowledged (an older Ferry named uploads before
 * checking them, and a crash mid-check left them): nothing refers to it and nothing could delete it.
 */
async function removeUnrecordedPackages(packages: PackageStore, state: StateStore, logs: LogStore): Promise<void> {
  for (const stored of await packages.list()) {
    if (state.getPackage(stored.digest)) continue
    await packages.delete(stored.digest)
    logs.append('deployer', { stream: 'system', line: `removed package ${stored.digest}: stored but never recorded (an interrupted upload)` })
  }
}

async function removePartialDirectories(root: string): Promise<void> {
  for (const name of await readdir(root).catch(() => [] as string[])) {
    for (const entry of await readdir(join(root, name)).catch(() => [] as string[])) {
      if (entry.includes('.partial-')) await rm(join(root, name, entry), { recursive: true, force: true })
    }
  }
}
