/**
 * The data directory holds every package, log, run, the databases and the keys: only the user
 * running Ferry may read it. It is created 0700, its files 0600, and a directory found readable by
 * others (made by an older Ferry, or under umask 000) is tightened on start with a warning. The
 * models' own unpacked files (`instances/`) keep their modes: a sandboxed model reads them.
 */
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'

const OTHERS = 0o077
/** Left as unpacked: the models' files, which a sandboxed model (another user) must read. */
const KEEP_MODES = new Set(['instances'])

async function tighten(path: string, isDirectory: boolean): Promise<boolean> {
  const info = await lstat(path)
  if (info.isSymbolicLink() || (info.mode & OTHERS) === 0) return false
  await chmod(path, isDirectory ? 0o700 : 0o600)
  return true
}

async function tightenTree(dir: string, top: boolean): Promise<number> {
  let fixed = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (top && KEEP_MODES.has(entry.name)) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (await tighten(path, true)) fixed++
      fixed += await tightenTree(path, false)
    } else if (entry.isFile() && (await tighten(path, false))) {
      fixed++
    }
  }
  return fixed
}

/**
 * Creates `dir` (0700) or tightens it and what it holds; returns the warnings to show, one line each.
 * @example for (const line of await secureDataDir('.ferry')) console.warn(line)
 */
export async function secureDataDir(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const warnings: string[] = []
  if (await tighten(dir, true)) warnings.push(`warning: the data directory ${dir} was readable by other users; it is now 0700`)
  const fixed = await tightenTree(dir, true)
  if (fixed > 0) warnings.push(`warning: ${fixed} file(s) and folder(s) in ${dir} were readable by other users; they are now 0600 (folders 0700)`)
  return warnings
}
