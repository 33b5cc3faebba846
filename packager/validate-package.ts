/**
 * validatePackage: what `ferry validate <dir|zip>` runs. Reads descriptor.json from a model folder
 * or a package zip, lists the package's files the way `ferry pack` would, and reports every
 * problem at once. Only a path that is neither a folder nor a zip throws.
 */
import { readFileSync } from 'node:fs'
import { open, readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Descriptor } from '../descriptors/descriptor.js'
import { createPackagerError } from './errors.js'
import { DESCRIPTOR_NAME, listPackageFiles, MANIFEST_NAME, type PackageFile } from './file-list.js'
import { parseJson } from './_json-parse.js'
import { normalizeRelativePath, type PackageContents } from './package-contents.js'
import { createProblem, sortProblems, type Problem } from './problem.js'
import { validateDescriptor } from './validate-descriptor.js'

export interface PackageValidation {
  kind: 'folder' | 'zip'
  /** Absolute path of what was validated. */
  path: string
  valid: boolean
  descriptor: Descriptor | undefined
  errors: Problem[]
  warnings: Problem[]
  /** The files a pack would include (folders only). */
  files: PackageFile[]
}

interface Loaded {
  text: string | undefined
  contents: (json: unknown) => Promise<{ contents: PackageContents; files: PackageFile[]; problems: Problem[] }>
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function dependencyOption(json: unknown, key: string): unknown {
  const runtime = isObject(json) ? json['runtime'] : undefined
  const deps = isObject(runtime) ? runtime['dependencies'] : undefined
  return isObject(deps) ? deps[key] : undefined
}

async function loadFolder(dir: string, exclude: string[]): Promise<Loaded> {
  const text = await readFile(join(dir, DESCRIPTOR_NAME), 'utf8').catch(() => undefined)
  return {
    text,
    async contents(json) {
      const { files, problems } = await listPackageFiles(dir, { bundleNodeModules: dependencyOption(json, 'bundleNodeModules') === true, exclude })
      const byPath = new Map(files.map((f) => [f.path, f.absolutePath]))
      const readText = (path: string) => {
        const absolute = byPath.get(normalizeRelativePath(path))
        try { return absolute === undefined ? undefined : readFileSync(absolute, 'utf8') } catch { return undefined }
      }
      return { contents: { files: new Set(byPath.keys()), readText }, files, problems }
    },
  }
}

async function loadZip(path: string): Promise<Loaded> {
  const { default: unzipper } = await import('unzipper')
  let directory: Awaited<ReturnType<typeof unzipper.Open.file>>
  try {
    directory = await unzipper.Open.file(path)
  } catch (error) {
    throw createPackagerError('E_ZIP_INVALID', `"${path}" is not a readable zip: ${(error as Error).message}`, { path, cause: error })
  }
  const entries = new Map(directory.files.filter((f) => f.type === 'File').map((f) => [f.path, f]))
  const readEntry = async (name: string) => { const entry = entries.get(name); return entry ? (await entry.buffer()).toString('utf8') : undefined }
  const text = await readEntry(DESCRIPTOR_NAME)
  return {
    text,
    async contents(json) {
      const packageJson = dependencyOption(json, 'packageJson')
      const texts = new Map<string, string>()
      if (typeof packageJson === 'string') {
        const name = normalizeRelativePath(packageJson)
        const body = await readEntry(name).catch(() => undefined)
        if (body !== undefined) texts.set(name, body)
      }
      const problems: Problem[] = []
      if (!entries.has(MANIFEST_NAME)) problems.push(createProblem('W_MANIFEST_MISSING', '/', `the zip has no ${MANIFEST_NAME}`))
      else {
        const manifest = parseJson((await readEntry(MANIFEST_NAME)) ?? '')
        if (!manifest.ok || !isObject(manifest.value) || !Array.isArray(manifest.value['files'])) {
          problems.push(createProblem('E_MANIFEST_INVALID', '/', `${MANIFEST_NAME} is not a Ferry manifest`))
        }
      }
      const files = new Set([...entries.keys()].filter((name) => name !== MANIFEST_NAME))
      return { contents: { files, readText: (p) => texts.get(normalizeRelativePath(p)) }, files: [], problems }
    },
  }
}

async function isZipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r')
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0)
    return bytesRead === 4 && buffer.readUInt32LE(0) === 0x04034b50
  } finally {
    await handle.close()
  }
}

/**
 * Validates a model folder or a package zip, collecting every problem.
 * @example
 * const result = await validatePackage('examples/echo')
 * if (!result.valid) for (const e of result.errors) console.log(e.path, e.code, e.message)
 */
export async function validatePackage(target: string, options: { cwd?: string; exclude?: string[] } = {}): Promise<PackageValidation> {
  const path = resolve(options.cwd ?? process.cwd(), target)
  const info = await stat(path).catch(() => undefined)
  if (!info) throw createPackagerError('E_PATH_NOT_FOUND', `"${target}" does not exist`, { path })
  let kind: PackageValidation['kind']
  if (info.isDirectory()) kind = 'folder'
  else if (info.isFile() && (await isZipFile(path))) kind = 'zip'
  else throw createPackagerError('E_NOT_A_PACKAGE', `"${target}" is neither a folder nor a zip`, { path })

  const loaded = kind === 'folder' ? await loadFolder(path, options.exclude ?? []) : await loadZip(path)
  const result: PackageValidation = { kind, path, valid: false, descriptor: undefined, errors: [], warnings: [], files: [] }
  if (loaded.text === undefined) {
    result.errors.push(createProblem('E_DESCRIPTOR_MISSING', '/', `no ${DESCRIPTOR_NAME} at the root of "${target}"`))
    return result
  }
  const parsed = parseJson(loaded.text)
  if (!parsed.ok) {
    const { code, message, line, column, pointer } = parsed.failure
    result.errors.push(createProblem(code, pointer ?? '/', message, { line, column }))
    return result
  }
  const { contents, files, problems } = await loaded.contents(parsed.value)
  const validation = validateDescriptor(parsed.value, contents)
  const all = sortProblems([...problems, ...validation.errors, ...validation.warnings])
  result.errors = all.filter((p) => p.severity === 'error')
  result.warnings = all.filter((p) => p.severity === 'warning')
  result.valid = result.errors.length === 0
  result.descriptor = result.valid ? validation.descriptor : undefined
  result.files = files
  return result
}
