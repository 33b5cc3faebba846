/**
 * The limits of batch jobs, resolved once: explicit value → environment variable → default.
 */
import { UsageError } from '../../packager/ferry-error.js'

export interface JobOptions {
  /** Inputs a job may hold (FERRY_JOB_MAX_INPUTS, default 10,000). */
  maxInputs?: number
  /** The highest concurrency a job may ask for (FERRY_JOB_MAX_CONCURRENCY, default 32). */
  maxConcurrency?: number
  /** Bytes of one file of a zip job (FERRY_JOB_MAX_INPUT_BYTES, default 64 MiB). */
  maxInputBytes?: number
  /** Bytes of a zip job's body, and of what its files inflate to (FERRY_JOB_MAX_BYTES, default 1 GiB). */
  maxJobBytes?: number
  /**
   * Bytes of a JSON job's body (FERRY_JOB_MAX_JSON_BYTES, default 64 MiB). Smaller than a zip's: the
   * JSON is parsed whole in the gateway's own thread, and 500 MB of `[0,0,…]` would hold it for
   * seconds and take gigabytes of heap; files go in a zip.
   */
  maxJsonBytes?: number
  /** How long an input waits through 503s for a ready replica (FERRY_JOB_WAIT_READY_MS, default 120 s). */
  waitReadyMs?: number
}

export type ResolvedJobOptions = Readonly<Required<JobOptions>> & { readonly defaultConcurrency: number }

const DEFAULTS: Required<JobOptions> = { maxInputs: 10_000, maxConcurrency: 32, maxInputBytes: 64 * 1024 * 1024, maxJobBytes: 1024 * 1024 * 1024, maxJsonBytes: 64 * 1024 * 1024, waitReadyMs: 120_000 }
const VARIABLES: Record<keyof JobOptions, string> = { maxInputs: 'FERRY_JOB_MAX_INPUTS', maxConcurrency: 'FERRY_JOB_MAX_CONCURRENCY', maxInputBytes: 'FERRY_JOB_MAX_INPUT_BYTES', maxJobBytes: 'FERRY_JOB_MAX_BYTES', maxJsonBytes: 'FERRY_JOB_MAX_JSON_BYTES', waitReadyMs: 'FERRY_JOB_WAIT_READY_MS' }

/** @example resolveJobOptions({}, process.env).maxInputs // 10000 */
export function resolveJobOptions(options: JobOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedJobOptions {
  const resolved = {} as Record<keyof JobOptions, number>
  for (const key of Object.keys(DEFAULTS) as Array<keyof JobOptions>) {
    const raw = options[key] ?? env[VARIABLES[key]]
    const value = raw === undefined || raw === '' ? DEFAULTS[key] : Number(raw)
    if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${VARIABLES[key]} must be a whole number of at least 1, not "${raw}"`)
    resolved[key] = value
  }
  return Object.freeze({ ...resolved, defaultConcurrency: Math.min(4, resolved.maxConcurrency) })
}
