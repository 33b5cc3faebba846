/**
 * Helpers for deployer tests: packages built from test/fixtures/packages (packed for real, or
 * zipped without validation for the invalid ones), a Deployer on a temporary data directory with
 * fast timings, and HTTP calls to a replica.
 */
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Deployer, type DeployerOptions } from '../deployer/index.js'
import { listPackageFiles, MANIFEST_NAME } from '../packager/file-list.js'
import { MANIFEST_FORMAT, serializeManifest } from '../packager/manifest.js'
import { packFolder } from '../packager/pack.js'
import { ferryPath } from '../packager/repo-root.js'
import { ReproducibleZip } from '../packager/zip-writer.js'
import { makeTempDir } from './_helpers.js'

export const FIXTURES = ferryPath('test', 'fixtures', 'packages')

/** Packs test/fixtures/packages/<name> with `ferry pack` into `outDir`; returns the zip path. */
export async function packFixture(name: string, outDir: string, options: { version?: string } = {}): Promise<string> {
  return (await packFolder({ dir: join(FIXTURES, name), outDir, ...options })).path
}

/** Copies a fixture, lets `edit` change it, and packs the copy (for variants of one model). */
export async function packVariant(name: string, tmp: string, edit: (dir: string) => Promise<void>, options: { version?: string } = {}): Promise<string> {
  const dir = join(tmp, `${name}-variant-${Math.random().toString(36).slice(2)}`)
  await cp(join(FIXTURES, name), dir, { recursive: true })
  await edit(dir)
  return (await packFolder({ dir, outDir: join(dir, '..', 'variants'), ...options })).path
}

/** Zips a fixture the way `ferry pack` does but without validating it (for invalid packages). */
export async function zipFixtureUnchecked(name: string, outPath: string): Promise<string> {
  const { files } = await listPackageFiles(join(FIXTURES, name))
  const zip = new ReproducibleZip(outPath)
  const entries = []
  for (const file of files) entries.push(await zip.addFile(file))
  await zip.addBuffer(MANIFEST_NAME, serializeManifest({ format: MANIFEST_FORMAT, name, version: '1.0.0', files: entries }))
  await zip.finish()
  return outPath
}

/** Fast timings so supervision can be watched in a test. */
export const FAST: DeployerOptions = { healthIntervalMs: 150, unhealthyThreshold: 2, restartInitialDelayMs: 50, restartMaxDelayMs: 400, stopGraceMs: 1500 }

/** A Deployer on a fresh data directory, closed (instances stopped) when the test ends. */
export async function openDeployer(t: TestContext, options: DeployerOptions = {}): Promise<{ deployer: Deployer; dataDir: string; tmp: string }> {
  const tmp = await makeTempDir(t, 'ferry-deployer-')
  const dataDir = join(tmp, 'data')
  const deployer = await Deployer.open({ dataDir, ...FAST, ...options })
  t.after(() => deployer.close())
  return { deployer, dataDir, tmp }
}

/** GET or POST to a replica on 127.0.0.1. */
export async function callReplica(port: number, path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, init)
  const text = await response.text()
  let body: unknown = text
  try { body = JSON.parse(text) } catch { /* plain text */ }
  return { status: response.status, body }
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

/** True while a process exists and is not a zombie. */
export { isProcessRunning } from '../deployer/_leftover-processes.js'
