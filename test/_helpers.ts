/**
 * Shared test helpers: temporary folders removed when the test file's process exits, trees written
 * from plain objects, and the real `ferry` CLI run as a child process.
 */
import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { TestContext } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'

const tempDirs = new Set<string>()
process.on('exit', () => {
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 })
    } catch (error) {
      console.error(`test cleanup: ${dir} left behind: ${(error as Error).message}`)
    }
  }
})

/**
 * A fresh temporary folder, removed when the test file's process exits. Not in a `t.after` hook:
 * node runs a test's hooks first registered first, so a folder made before a gateway was opened
 * would be removed while that gateway still writes into it, and a hook that throws skips the
 * hooks after it (the gateway's close), leaving its processes to keep the file running for ever.
 */
export async function makeTempDir(_t: TestContext, prefix = 'ferry-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  tempDirs.add(dir)
  return dir
}

/** Writes files from `{ 'a/b.txt': 'text' }` under `dir`; objects are written as JSON. */
export async function writeTree(dir: string, tree: Record<string, string | Buffer | object>): Promise<void> {
  for (const [path, content] of Object.entries(tree)) {
    const absolute = join(dir, path)
    await mkdir(dirname(absolute), { recursive: true })
    const data = typeof content === 'string' || Buffer.isBuffer(content) ? content : `${JSON.stringify(content, null, 2)}\n`
    await writeFile(absolute, data)
  }
}

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs `ferry <args>` through bin/ferry.js, e.g. `await runFerry(['validate', dir, '--json'])`. */
export function runFerry(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [ferryPath('bin', 'ferry.js'), ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

/** A minimal valid node model: descriptor plus entry. Override fields with `descriptor`. */
export function minimalModel(descriptor: Record<string, unknown> = {}): Record<string, string | object> {
  return {
    'descriptor.json': {
      name: 'tiny',
      version: '1.0.0',
      description: 'a tiny test model',
      runtime: { type: 'node', entry: 'server.js' },
      api: { health: '/health', endpoints: [{ method: 'POST', path: '/predict' }] },
      ...descriptor,
    },
    'server.js': 'console.log("hi")\n',
  }
}
