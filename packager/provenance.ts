/**
 * Where a package came from: the git commit of the model folder and whether the folder had
 * uncommitted changes. Absent when the folder is not in a git work tree or git is not installed.
 */
import { execa } from 'execa'

export interface Provenance {
  git?: { commit: string; dirty: boolean }
}

/** Reads git provenance of `dir`, e.g. `{ git: { commit: 'ab12…', dirty: false } }`, or `{}`. */
export async function readProvenance(dir: string): Promise<Provenance> {
  try {
    const commit = await execa('git', ['rev-parse', 'HEAD'], { cwd: dir, reject: true, timeout: 10_000 })
    const status = await execa('git', ['status', '--porcelain', '--untracked-files=normal', '--', '.'], { cwd: dir, reject: true, timeout: 30_000 })
    return { git: { commit: commit.stdout.trim(), dirty: status.stdout.trim() !== '' } }
  } catch {
    return {}
  }
}
