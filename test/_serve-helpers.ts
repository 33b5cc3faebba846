/**
 * A real `ferry serve` for end-to-end tests: started as its own process on a free port with a
 * fresh data directory, killed when the test ends. `deployFolder` packs and deploys a model folder
 * with the real CLI (`ferry deploy <dir>`) and returns the ready instance.
 * @example
 * const ferry = await startFerryServe(t)
 * const instance = await ferry.deployFolder(ferryPath('examples', 'digits'))
 * const res = await fetch(`${ferry.url}/models/digits/predict`, { method: 'POST', body })
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { TestContext } from 'node:test'
import { findLeftoverProcesses, stopProcessGroups } from '../deployer/_leftover-processes.js'
import { resolveDeployerOptions } from '../deployer/options.js'
import { ferryPath } from '../packager/repo-root.js'
import { runFerry } from './_helpers.js'

/** What `ferry deploy --json` prints, plus `name` and `version` split from `ref`. */
export interface DeployedVersion { ref: string; name: string; version: string; url: string; digest: string; state: string; aliases: string[] }

export interface FerryServe {
  url: string
  token: string
  /** Where the token was read: `<dataDir>/token`. */
  tokenSource: string
  dataDir: string
  child: ChildProcess
  /** What the server printed on stderr so far (for assertion messages). */
  stderr(): string
  /** fetch() against the gateway with the admin token; `path` starts with `/`. */
  api(path: string, init?: RequestInit): Promise<Response>
  /** `ferry deploy <folder> --json` against this server; resolves to the ready instance. */
  deployFolder(folder: string, args?: string[]): Promise<DeployedVersion>
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>
}

function withoutFerryVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('FERRY_')))
}

/** `dataDir`: a data directory to use (e.g. a second start on the first one's); default a fresh one. */
export async function startFerryServe(t: TestContext, options: { env?: NodeJS.ProcessEnv; args?: string[]; dataDir?: string } = {}): Promise<FerryServe> {
  // The temporary folder is removed by the hook below once the server is gone: t.after hooks run
  // in the order they were added, and removing it under a live server fails (ENOTEMPTY) and skips
  // the kill, which left a test waiting on the server's pipes.
  const tempDir = options.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'ferry-serve-')) : undefined
  const dataDir = options.dataDir ?? join(tempDir!, 'data')
  const child = spawn(process.execPath, [ferryPath('bin', 'ferry.js'), 'serve', '--port', '0', '--data', dataDir, '--json', ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...withoutFerryVariables(process.env), ...options.env },
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  // SIGTERM first so the server stops its instances; whatever still runs after that (a server that
  // hung, or died by SIGKILL) is found by its data directory's marker and killed, so no test
  // leaves model processes behind.
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    }
    const marker = { key: 'FERRY_HOME_ID', value: resolveDeployerOptions({ dataDir: await realpath(dataDir).catch(() => dataDir) }).homeId }
    await stopProcessGroups([...new Set((await findLeftoverProcesses(marker)).map((p) => p.pgid))], 2000)
    if (tempDir) await rm(tempDir, { recursive: true, force: true, maxRetries: 3 })
  })
  const { url, tokenSource } = await new Promise<{ url: string; tokenSource: string }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line) as { url: string; tokenSource: string }))
    child.once('exit', (code) => reject(new Error(`ferry serve exited with ${code}: ${stderr}`)))
  })
  const token = (await readFile(tokenSource, 'utf8')).trim()
  const auth = { authorization: `Bearer ${token}` }
  return {
    url,
    token,
    tokenSource,
    dataDir,
    child,
    stderr: () => stderr,
    api: (path, init = {}) => fetch(url + path, { ...init, headers: { ...auth, ...(init.headers as Record<string, string> | undefined) } }),
    async deployFolder(folder, args = []) {
      const run = await runFerry(['deploy', folder, '--gateway', url, '--token', token, '--json', ...args])
      if (run.code !== 0) throw new Error(`ferry deploy ${folder} exited ${run.code}: ${run.stderr}${run.stdout}`)
      const deployed = JSON.parse(run.stdout) as Omit<DeployedVersion, 'name' | 'version'>
      const at = deployed.ref.lastIndexOf('@')
      return { ...deployed, name: deployed.ref.slice(0, at), version: deployed.ref.slice(at + 1) }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}
