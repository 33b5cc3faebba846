/**
 * Models run sandboxed: bubblewrap where it is installed (detect.ts), with each version's own
 * user, private home and limits (version-sandbox.ts, limits.ts), through a launcher wrapper
 * (sandboxed-launcher.ts) around the child-process launcher.
 */
export { detectSandbox, SANDBOX_MODES, type SandboxMode, type SandboxStatus } from './detect.js'
export { createSandboxedLauncher } from './sandboxed-launcher.js'
export { createVersionSandbox, sandboxUid, SANDBOX_UID_BASE, type SandboxInfo, type VersionSandbox } from './version-sandbox.js'
export { resolveLimits, reportLimits, describeLimits, type LimitsReport, type ResolvedLimits } from './limits.js'
export { buildBwrapArgs, type SandboxTools, type SystemEntry } from './_bwrap-args.js'
