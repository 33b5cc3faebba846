/**
 * Which version a pack gets: an explicit --version wins; --bump raises the highest of the
 * descriptor's version and the versions of that name already in the output folder; with neither,
 * the descriptor's version, else the highest already packed, else 0.1.0.
 */
import { readdir } from 'node:fs/promises'
import semver from 'semver'
import { createPackagerError } from './errors.js'

export type BumpKind = 'patch' | 'minor' | 'major'
export const BUMP_KINDS: readonly BumpKind[] = ['patch', 'minor', 'major']
export const DEFAULT_VERSION = '0.1.0'

export interface VersionRequest {
  explicit?: string | undefined
  bump?: BumpKind | undefined
  descriptorVersion?: string | undefined
  /** Versions of this name already packed (e.g. in the output folder). */
  existing: string[]
}

/**
 * Resolves the version to pack.
 * @example resolvePackVersion({ bump: 'minor', descriptorVersion: '1.2.3', existing: ['1.4.0'] }) // '1.5.0'
 */
export function resolvePackVersion(request: VersionRequest): { version: string; source: 'explicit' | 'bump' | 'descriptor' | 'existing' | 'default' } {
  if (request.explicit !== undefined) {
    if (!semver.valid(request.explicit)) throw createPackagerError('E_VERSION_NOT_SEMVER', `--version "${request.explicit}" is not a semantic version`, { path: '/version' })
    return { version: semver.clean(request.explicit)!, source: 'explicit' }
  }
  const known = [...request.existing, ...(request.descriptorVersion ? [request.descriptorVersion] : [])].filter((v) => semver.valid(v))
  const highest = known.sort(semver.rcompare)[0]
  if (request.bump) return { version: semver.inc(highest ?? '0.0.0', request.bump)!, source: 'bump' }
  if (request.descriptorVersion) return { version: request.descriptorVersion, source: 'descriptor' }
  if (highest) return { version: highest, source: 'existing' }
  return { version: DEFAULT_VERSION, source: 'default' }
}

/** Versions of `name` packed into `dir` as `<name>-<version>.zip`. */
export async function listPackedVersions(dir: string, name: string): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[])
  const prefix = `${name}-`
  return entries
    .filter((f) => f.startsWith(prefix) && f.endsWith('.zip'))
    .map((f) => f.slice(prefix.length, -'.zip'.length))
    .filter((v) => semver.valid(v) !== null)
}
