/**
 * Gets a version's directory ready to launch: unpack the package (verified file by file), install
 * its runtime's dependencies, then write a marker. With the marker present (after a server
 * restart) nothing is redone; without it, whatever a crash left half-done is removed first.
 */
import { readFileSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Descriptor } from '../descriptors/descriptor.js'
import type { LogStore } from './log-store.js'
import type { ResolvedDeployerOptions } from './options.js'
import { describeRuntimeCommand, prepareRuntime, type RuntimeCommand } from './runtime.js'
import { unpackPackage } from './unpack.js'
import type { VersionSandbox } from './sandbox/version-sandbox.js'

const PREPARED_MARKER = '.prepared'

export interface VersionDirectories {
  instanceDir: string
  appDir: string
}

/** `<data>/instances/<name>/<version>` and its `app/` folder. */
export function locateVersion(dataDir: string, name: string, version: string): VersionDirectories {
  const instanceDir = join(dataDir, 'instances', name, version)
  return { instanceDir, appDir: join(instanceDir, 'app') }
}

/** True when this very package (by digest) was fully prepared here before: a restart can launch it at once. */
export function isPrepared(dirs: VersionDirectories, digest: string): boolean {
  try {
    return readFileSync(join(dirs.instanceDir, PREPARED_MARKER), 'utf8').trim() === digest
  } catch {
    return false
  }
}

/**
 * Unpacks and sets up a version unless already done; returns the command to launch.
 * @example
 * const command = await prepareVersion({ zipPath, digest, descriptor, dirs, options, logs, source: 'echo@1.0.0' })
 */
export async function prepareVersion(args: { zipPath: string; digest: string; descriptor: Descriptor; dirs: VersionDirectories; options: ResolvedDeployerOptions; logs: LogStore; source: string; sandbox: VersionSandbox; signal?: AbortSignal }): Promise<RuntimeCommand> {
  const { zipPath, descriptor, dirs, options, logs, source } = args
  if (isPrepared(dirs, args.digest)) return describeRuntimeCommand(descriptor, dirs.appDir, dirs.instanceDir)
  await rm(dirs.instanceDir, { recursive: true, force: true })
  const note = (line: string) => void logs.append(source, { stream: 'setup', line })
  note(`unpacking ${zipPath}`)
  const unpacked = await unpackPackage(zipPath, dirs.appDir, options.unpackLimits, args.signal ? { signal: args.signal } : {})
  note(`unpacked ${unpacked.files} files, ${unpacked.bytes} bytes, every sha256 verified`)
  try {
    await args.sandbox.prepareFiles()
    const command = await prepareRuntime({
      descriptor, appDir: dirs.appDir, instanceDir: dirs.instanceDir, env: args.sandbox.setupEnv(options.setupEnv), python: options.python,
      wrapStep: (step) => args.sandbox.wrapSetupStep(step),
      capture: (readable) => logs.capture(source, readable, { stream: 'setup' }),
      note,
      tail: async () => (await logs.tail(source, 20)).filter((e) => e.stream === 'setup').map((e) => e.line),
      ...(args.signal ? { signal: args.signal } : {}),
    })
    await writeFile(join(dirs.instanceDir, PREPARED_MARKER), `${args.digest}\n`)
    note('set-up complete')
    return command
  } catch (error) {
    await rm(dirs.instanceDir, { recursive: true, force: true })
    throw error
  }
}
