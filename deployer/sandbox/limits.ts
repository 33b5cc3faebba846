/**
 * A version's resource limits: the descriptor's `resources.limits` with defaults, and how each is
 * (or is not) enforced, for the log and the instance info. In the sandbox they are RLIMITs set
 * with prlimit: open files and data memory per process, processes and threads per version (each
 * version runs as its own user, and RLIMIT_NPROC counts that user's tasks).
 */
import type { Descriptor } from '../../descriptors/descriptor.js'

export const DEFAULT_OPEN_FILES = 4096
export const DEFAULT_PROCESSES = 1024

export interface ResolvedLimits {
  openFiles: number
  processes: number
  /** Unlimited when undefined. */
  memoryBytes: number | undefined
}

/** Each limit with where it is enforced: `rlimit` names the resource, `null` means not enforced. */
export interface LimitsReport {
  openFiles: { value: number; enforcedAs: string | null }
  processes: { value: number; enforcedAs: string | null }
  memoryMb: { value: number | null; enforcedAs: string | null }
}

/**
 * The limits a descriptor asks for, defaults filled in.
 * @example resolveLimits(descriptor) // { openFiles: 4096, processes: 1024, memoryBytes: undefined }
 */
export function resolveLimits(descriptor: Descriptor): ResolvedLimits {
  const limits = descriptor.resources?.limits ?? {}
  return {
    openFiles: limits.openFiles ?? DEFAULT_OPEN_FILES,
    processes: limits.processes ?? DEFAULT_PROCESSES,
    memoryBytes: limits.memoryMb === undefined ? undefined : limits.memoryMb * 1024 * 1024,
  }
}

/**
 * How the limits apply: in bwrap as RLIMITs (processes only when the version has its own user),
 * without a sandbox not at all.
 */
export function reportLimits(limits: ResolvedLimits, how: { sandboxed: boolean; ownUser: boolean }): LimitsReport {
  const memoryMb = limits.memoryBytes === undefined ? null : limits.memoryBytes / 1024 / 1024
  return {
    openFiles: { value: limits.openFiles, enforcedAs: how.sandboxed ? 'RLIMIT_NOFILE per process' : null },
    processes: { value: limits.processes, enforcedAs: how.sandboxed && how.ownUser ? 'RLIMIT_NPROC of the version\'s user' : null },
    memoryMb: { value: memoryMb, enforcedAs: memoryMb === null ? null : how.sandboxed ? 'RLIMIT_DATA per process (cgroup v2 memory is not used)' : null },
  }
}

/** One line for the log: what is limited and what is not. */
export function describeLimits(report: LimitsReport): string {
  const part = (what: string, value: number | null, unit: string, enforcedAs: string | null) =>
    value === null ? `${what} unlimited` : `${what} ${value}${unit} ${enforcedAs ? `(${enforcedAs})` : '(NOT enforced)'}`
  return [
    part('open files', report.openFiles.value, '', report.openFiles.enforcedAs),
    part('processes', report.processes.value, '', report.processes.enforcedAs),
    part('memory', report.memoryMb.value, ' MiB', report.memoryMb.enforcedAs),
  ].join(', ')
}
