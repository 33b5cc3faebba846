/**
 * Batch jobs (gateway/jobs/): a job's inputs fed to a model through the gateway's own /models/
 * proxy with a concurrency limit, each result kept in jobs.db as it comes, resumed after a
 * restart or a SIGKILL. `openJobs` opens the database, the runner and the routes together.
 */
import { join } from 'node:path'
import type { Deployer } from '../../deployer/index.js'
import { openJobsDatabase } from './jobs-db.js'
import { resolveJobOptions, type JobOptions, type ResolvedJobOptions } from './job-options.js'
import { createJobRoutes } from './job-routes.js'
import { JobRunner, type JobControl } from './job-runner.js'
import { JobService } from './job-service.js'
import { JobStore } from './job-store.js'

export { resolveJobOptions, type JobOptions, type ResolvedJobOptions } from './job-options.js'
export type { JobView } from './job-service.js'
export type { JobRecord, JobResult, JobStatus } from './job-store.js'

export interface JobsParts {
  dataDir: string
  deployer: Deployer
  /** True when inference on `name` needs a token (such models are refused: a job carries none). */
  guarded: (name: string) => boolean
  options?: JobOptions
  env?: NodeJS.ProcessEnv
  logError?: (message: string) => void
}

export interface Jobs {
  routes: ReturnType<typeof createJobRoutes>
  options: ResolvedJobOptions
  /** Starts the runner against the gateway at `gatewayUrl` and resumes every unfinished job; call once it serves /models/. */
  start(gatewayUrl: string, upstreamTimeoutMs: number): number
  /** Stops the runner (calls in flight are aborted, not kept; their jobs stay running for the next start). */
  stop(): Promise<void>
  /** Closes jobs.db; after stop() and once no request reads it. */
  close(): void
}

/**
 * @example
 * const jobs = openJobs({ dataDir, deployer, guarded: (name) => false })
 * app.route('/api', jobs.routes); jobs.start(url, 60_000)
 */
export function openJobs(parts: JobsParts): Jobs {
  const options = resolveJobOptions(parts.options, parts.env)
  const db = openJobsDatabase(parts.dataDir)
  const store = new JobStore(db)
  let runner: JobRunner | undefined
  const jobsDir = join(parts.dataDir, 'jobs')
  // The routes reach the runner through this stand-in, so they can be mounted before the server listens.
  // Before it starts, a submitted job only waits in jobs.db (marked running): start() resumes it.
  const lazy: JobControl = {
    start: (job) => runner?.start(job),
    cancel: (id) => (runner ? runner.cancel(id) : store.end(id, 'cancelled')),
    activity: (id) => runner?.activity(id),
    watch: (id, listener) => (runner ? runner.watch(id, listener) : () => {}),
  }
  const service = new JobService({ store, runner: lazy, deployer: parts.deployer, guarded: parts.guarded, options, jobsDir })
  return {
    routes: createJobRoutes(service, store, lazy, options),
    options,
    start(gatewayUrl, upstreamTimeoutMs) {
      runner = new JobRunner({ store, inputsDir: (id) => service.inputsDir(id), gatewayUrl, upstreamTimeoutMs, waitReadyMs: options.waitReadyMs, ...(parts.logError ? { logError: parts.logError } : {}) })
      return runner.resumeAll()
    },
    async stop() {
      await runner?.close()
    },
    close() {
      db.close()
    },
  }
}
