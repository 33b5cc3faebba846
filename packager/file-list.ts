/**
 * Lists the files of a model folder that go into its package: every regular file, sorted by path,
 * less what is ignored (.git, .ferry, node_modules unless bundled, .ferryignore patterns). Links
 * are followed while they stay inside the folder; anything else is a problem, collected, not thrown.
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises'
import { join, sep } from 'node:path'
import ignore, { type Ignore } from 'ignore'
import { createProblem, type Problem } from './problem.js'

/** Written by the packer into every package; a folder may not hold its own. */
export const MANIFEST_NAME = 'ferry.manifest.json'
export const DESCRIPTOR_NAME = 'descriptor.json'
export const IGNORE_FILE_NAME = '.ferryignore'
const ALWAYS_IGNORED = ['.git/', '.ferry/', IGNORE_FILE_NAME]

export interface PackageFile {
  /** POSIX path inside the package, e.g. "weights/model.onnx". */
  path: string
  /** Where the bytes are read from (a link's target when the file is a link). */
  absolutePath: string
  size: number
  executable: boolean
}

export interface FileListOptions {
  bundleNodeModules?: boolean
  /** Absolute paths left out as well, e.g. the output folder when it lies inside the model folder. */
  exclude?: string[]
}

export interface FileList {
  files: PackageFile[]
  problems: Problem[]
}

async function loadIgnore(root: string, options: FileListOptions): Promise<Ignore> {
  const rules = ignore().add(ALWAYS_IGNORED)
  if (!options.bundleNodeModules) rules.add('node_modules/')
  const text = await readFile(join(root, IGNORE_FILE_NAME), 'utf8').catch(() => '')
  return rules.add(text)
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Lists what `ferry pack` would put in the package.
 * @example
 * const { files, problems } = await listPackageFiles('examples/echo')
 */
export async function listPackageFiles(dir: string, options: FileListOptions = {}): Promise<FileList> {
  const root = await realpath(dir)
  const rules = await loadIgnore(root, options)
  const excluded = new Set(options.exclude ?? [])
  const files: PackageFile[] = []
  const problems: Problem[] = []
  const visited = new Set<string>([root])
  const inside = (real: string) => real === root || real.startsWith(root + sep)

  async function walk(absoluteDir: string, relDir: string): Promise<void> {
    const entries = (await readdir(absoluteDir)).sort(byteOrder)
    for (const name of entries) {
      const rel = relDir ? `${relDir}/${name}` : name
      const absolute = join(absoluteDir, name)
      if (excluded.has(absolute)) continue
      let info = await lstat(absolute)
      let source = absolute
      if (info.isSymbolicLink()) {
        const target = await realpath(absolute).catch(() => undefined)
        if (target === undefined) {
          if (!rules.ignores(rel)) problems.push(createProblem('E_FILE_UNREADABLE', '/', `"${rel}" is a link to a file that does not exist`))
          continue
        }
        if (!inside(target)) {
          if (!rules.ignores(rel)) problems.push(createProblem('E_SYMLINK_OUTSIDE', '/', `"${rel}" links to "${target}", outside the folder`))
          continue
        }
        info = await stat(target)
        source = target
      }
      if (info.isDirectory()) {
        if (rules.ignores(`${rel}/`) || visited.has(source)) continue
        visited.add(source)
        await walk(source, rel)
      } else if (rules.ignores(rel)) {
        continue
      } else if (info.isFile()) {
        files.push({ path: rel, absolutePath: source, size: info.size, executable: (info.mode & 0o111) !== 0 })
      } else {
        problems.push(createProblem('E_FILE_TYPE_UNSUPPORTED', '/', `"${rel}" is not a regular file or folder`))
      }
    }
  }

  await walk(root, '')
  files.sort((a, b) => byteOrder(a.path, b.path))
  problems.push(...findNameProblems(files))
  return { files, problems }
}

function findNameProblems(files: PackageFile[]): Problem[] {
  const problems: Problem[] = []
  const lower = new Map<string, string>()
  for (const { path } of files) {
    if (path === MANIFEST_NAME) problems.push(createProblem('E_RESERVED_NAME', '/', `"${path}" is written by Ferry; the folder may not hold its own`))
    const key = path.toLowerCase()
    const other = lower.get(key)
    if (other !== undefined) problems.push(createProblem('E_CASE_COLLISION', '/', `"${path}" and "${other}" differ only in case`))
    else lower.set(key, path)
  }
  return problems
}
