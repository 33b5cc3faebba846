/**
 * The deployer's public surface: what the gateway and `ferry serve` use. A package zip becomes a
 * supervised, versioned instance `name@version`; see deployer.ts.
 */
export { Deployer, type DeployRequest, type InstanceInfo, type ModelInfo, type ResolvedTarget } from './deployer.js'
export { resolveDeployerOptions, type DeployerOptions, type InstanceEnv, type ResolvedDeployerOptions } from './options.js'
export { DEPLOYER_ERRORS, createDeployerError, modelNotFound, type DeployerErrorCode } from './errors.js'
export { toEnvironmentError } from './environment-error.js'
export { secureDataDir } from './data-dir.js'
export type { Launcher, LaunchSpec, LaunchedProcess, ExitInfo } from './launcher.js'
export { createChildProcessLauncher } from './child-process-launcher.js'
export type { LogEntry, LogStore, LogStream } from './log-store.js'
export type { EventRecord, InstanceState, PackageRecord, PackageSigner, VersionRecord, AliasRecord, RolloutRecord, RolloutStatus, RolloutStrategy } from './state-store.js'
export { resolveRolloutOptions, ROLLOUT_STRATEGIES, isJsonPointer, type RolloutConfig, type RolloutRequest } from './rollout/rollout-options.js'
export type { RolloutRoute, ShadowFigures, TrafficSource, WindowFigures } from './rollout/traffic.js'
export type { WindowCheck } from './rollout/_checks.js'
export { parseRef, type VersionRef } from './ref.js'
export { openSqliteDatabase } from './sqlite-database.js'
export { detectSandbox, createSandboxedLauncher, type SandboxMode, type SandboxStatus, type SandboxInfo } from './sandbox/index.js'
export { isPipeline } from './pipeline/pipeline-version.js'
export { readZipTrailer, ZipTrailerError, type ZipTrailer } from './_zip-trailer.js'
