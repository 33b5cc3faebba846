/**
 * Turns an unpacked package into a command to run: installs its dependencies the way its runtime
 * wants (node: `npm ci --omit=dev`; python: a virtual environment per version, pip from bundled
 * wheels when there are any; exec: nothing) and says what to launch. Set-up output goes to the
 * instance's log; a failed step throws E_SETUP_FAILED carrying the log's tail.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { execa } from 'execa'
import type { Descriptor } from '../descriptors/descriptor.js'
import { createDeployerError } from './errors.js'

const SETUP_TIMEOUT_MS = 15 * 60 * 1000

export interface RuntimeCommand {
  command: string
  args: string[]
  /** Working directory of the model process: the unpacked package. */
  cwd: string
}

export interface RuntimeContext {
  descriptor: Descriptor
  /** The unpacked package. */
  appDir: string
  /** The version's own directory (holds appDir, the venv, …). */
  instanceDir: string
  /** Environment for set-up commands (minimal: PATH, HOME, locale, proxies). */
  env: Readonly<Record<string, string>>
  python: string
  /** Stores set-up output line by line; resolves when the stream ends. */
  capture(readable: NodeJS.ReadableStream): Promise<void>
  /** Writes one line to the set-up log. */
  note(line: string): void
  /** The last lines of the set-up log, for error messages. */
  tail(): Promise<string[]>
  signal?: AbortSignal
  /** Turns a step into the command line that runs it sandboxed (deployer/sandbox/); absent: run as is. */
  wrapStep?: (step: { command: string; args: string[]; cwd: string; env: Readonly<Record<string, string>> }) => { command: string; args: string[] }
}

async function runStep(context: RuntimeContext, command: string, args: string[], cwd: string): Promise<void> {
  context.note(`$ ${[command, ...args].join(' ')}`)
  const run = context.wrapStep ? context.wrapStep({ command, args, cwd, env: context.env }) : { command, args }
  const child = execa(run.command, run.args, { cwd, env: context.env, extendEnv: false, stdin: 'ignore', buffer: false, reject: false, timeout: SETUP_TIMEOUT_MS, cancelSignal: context.signal, stripFinalNewline: false })
  const captured = Promise.all([context.capture(child.stdout!), context.capture(child.stderr!)])
  const result = await child
  await captured
  if (result.failed) {
    const why = result.timedOut ? `timed out after ${SETUP_TIMEOUT_MS / 1000} s` : result.exitCode !== undefined ? `exited with code ${result.exitCode}` : (result.originalMessage ?? result.message)
    const tail = await context.tail()
    throw createDeployerError('E_SETUP_FAILED', `set-up step "${command} ${args.join(' ')}" ${why}${tail.length ? `:\n${tail.join('\n')}` : ''}`, { details: { command, args, logTail: tail } })
  }
}

function hasDependencies(packageJsonPath: string): boolean {
  try {
    const deps = (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { dependencies?: object }).dependencies
    return deps !== undefined && Object.keys(deps).length > 0
  } catch {
    return false
  }
}

/** Requirement lines that ask for something (not blank, not comments). */
function hasRequirements(path: string): boolean {
  return existsSync(path) && readFileSync(path, 'utf8').split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#'))
}

async function installNode(context: RuntimeContext): Promise<void> {
  const { descriptor, appDir } = context
  const deps = descriptor.runtime.dependencies ?? {}
  if (deps.packageJson && !deps.bundleNodeModules) {
    const packageJson = join(appDir, deps.packageJson)
    const folder = dirname(packageJson)
    if (hasDependencies(packageJson) && !existsSync(join(folder, 'node_modules'))) {
      await runStep(context, 'npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn'], folder)
    }
  }
}

async function installPython(context: RuntimeContext): Promise<void> {
  const { descriptor, appDir, instanceDir } = context
  const deps = descriptor.runtime.dependencies ?? {}
  const venv = join(instanceDir, 'venv')
  const requirements = deps.requirements ? join(appDir, deps.requirements) : undefined
  const install = requirements !== undefined && hasRequirements(requirements)
  // Run from app/: the sandbox of a set-up step shows app/ and venv/, not the version's folder.
  await runStep(context, context.python, ['-m', 'venv', ...(install ? [] : ['--without-pip']), venv], context.appDir)
  if (install) {
    const wheels = deps.wheels ? ['--no-index', '--find-links', join(appDir, deps.wheels)] : []
    await runStep(context, join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...wheels, '-r', requirements!], appDir)
  }
}

/**
 * Installs what the version needs and returns how to start it.
 * @example
 * const { command, args, cwd } = await prepareRuntime({ descriptor, appDir, instanceDir, env, python: 'python3', capture, note, tail })
 */
export async function prepareRuntime(context: RuntimeContext): Promise<RuntimeCommand> {
  const { type } = context.descriptor.runtime
  if (type === 'node') await installNode(context)
  if (type === 'python') await installPython(context)
  return describeRuntimeCommand(context.descriptor, context.appDir, context.instanceDir)
}

/** How to start an already prepared version (after a server restart), without installing again. */
export function describeRuntimeCommand(descriptor: Descriptor, appDir: string, instanceDir: string): RuntimeCommand {
  const { type, entry: given, args = [] } = descriptor.runtime
  // A pipeline runs no process (deployer/pipeline/); the schema requires an entry of every other type.
  if (type === 'pipeline' || given === undefined) throw createDeployerError('E_DEPLOY_FAILED', `a ${type} version has no process to start`, { details: { type } })
  const entry = given
  if (type === 'node') return { command: process.execPath, args: [entry, ...args], cwd: appDir }
  if (type === 'python') return { command: join(instanceDir, 'venv', 'bin', 'python'), args: [entry, ...args], cwd: appDir }
  return { command: entry.includes('/') && !entry.startsWith('/') ? join(appDir, entry) : entry, args, cwd: appDir }
}
