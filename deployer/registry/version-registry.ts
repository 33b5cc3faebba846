/**
 * The version registry: which package a deploy names, which version it is recorded as, tagging a
 * version once it is healthy, aliases, inference tokens and which version a name, version or
 * alias resolves to (cached until the next recorded event). Everything here is state, no process.
 */
import semver from 'semver'
import { createDeployerError } from '../errors.js'
import { checkAliasName, LATEST, parseRef, type VersionRef } from '../ref.js'
import type { EventRecord, PackageRecord, StateStore, VersionRecord } from '../state-store.js'
import { listModelInfo, resolveVersion, type ModelInfo, type ResolvedTarget } from '../_catalog.js'

/** Appends an event to the history (and tells listeners). */
export type RecordEvent = (event: Omit<EventRecord, 'id' | 'time'>) => void

/** What a deploy names: a package digest or `name@version`, and whether to bump past a taken version. */
export interface PackageSelector {
  package: string
  bump?: boolean
}

const DIGEST = /^[0-9a-f]{64}$/

export class VersionRegistry {
  /** resolve()'s answers by `name\0selector`; cleared on every recorded event. */
  private readonly routes = new Map<string, Omit<ResolvedTarget, 'endpoints'>>()
  /** Inference token hashes by model (null: open), read once from the state store. */
  private readonly tokenHashes = new Map<string, string | null>()

  constructor(private readonly state: StateStore, private readonly record: RecordEvent) {}

  /** Forgets cached answers; called whenever versions, states or aliases change. */
  invalidate(): void {
    this.routes.clear()
  }

  getPackage(digest: string): PackageRecord {
    const record = this.state.getPackage(digest)
    if (!record) throw createDeployerError('E_PACKAGE_NOT_FOUND', `no package with digest ${digest}`, { details: { digest } })
    return record
  }

  /** The package a deploy names: by digest, or the package of a version deployed before. */
  findPackageFor(request: PackageSelector): PackageRecord {
    if (DIGEST.test(request.package)) return this.getPackage(request.package)
    const ref = parseRef(request.package)
    if (!ref.version) throw createDeployerError('E_REF_INVALID', `"${request.package}" is neither a package digest nor name@version`, { details: { ref: request.package } })
    return this.getPackage(this.requireVersion(ref).digest)
  }

  requireVersion(ref: VersionRef): VersionRecord {
    const version = ref.version ? this.state.getVersion(ref.name, ref.version) : undefined
    if (!version) {
      const known = this.state.listVersions(ref.name).map((v) => `${v.name}@${v.version}`)
      throw createDeployerError('E_VERSION_NOT_FOUND', `${ref.name}@${ref.version ?? '?'} is not deployed${known.length ? `; known: ${known.join(', ')}` : ''}`, { details: { name: ref.name, version: ref.version, known } })
    }
    return version
  }

  /**
   * The version to record: the one named (`name@version`), the version this digest already has,
   * the package's own, or the next free patch when bumping past a conflict.
   */
  chooseVersion(pkg: PackageRecord, request: PackageSelector): string {
    if (!DIGEST.test(request.package)) return parseRef(request.package).version!
    const versions = this.state.listVersions(pkg.name)
    const same = versions.find((v) => v.digest === pkg.digest)
    if (same) return same.version
    const existing = versions.find((v) => v.version === pkg.version)
    if (!existing || request.bump !== true) return pkg.version
    const taken = new Set(versions.map((v) => v.version))
    let candidate = pkg.version
    do candidate = semver.inc(candidate, 'patch')!
    while (taken.has(candidate))
    return candidate
  }

  /**
   * Records the version as deployed and moves aliases to it in one transaction: `latest` the first
   * time it is healthy (unless `moveLatest` is false), and `alias` when given.
   */
  tagVersion(name: string, version: string, alias: string | undefined, moveLatest = true): void {
    const before = this.state.getVersion(name, version)!
    const aliases = [...(before.tagged || !moveLatest ? [] : ['latest']), ...(alias ? [alias] : [])]
    this.state.transaction(() => {
      this.state.updateVersion(name, version, { tagged: true })
      for (const a of aliases) this.state.setAlias(name, a, version)
    })
    this.record({ name, version, replica: null, type: 'deploy', state: 'ready', reason: null, details: { tagged: !before.tagged, aliases } })
    for (const a of aliases) this.record({ name, version, replica: null, type: 'alias', state: null, reason: null, details: { alias: a } })
  }

  /** Points `alias` of `name` at an existing version; the alias must be a slug (E_ALIAS_INVALID). */
  setAlias(name: string, alias: string, version: string): void {
    checkAliasName(alias)
    this.requireVersion({ name, version })
    this.state.setAlias(name, alias, version)
    this.record({ name, version, replica: null, type: 'alias', state: null, reason: null, details: { alias } })
  }

  /** Removes an alias of `name` (not `latest`, which every model keeps). */
  removeAlias(name: string, alias: string): void {
    const found = this.state.getAlias(name, alias)
    if (!found) {
      const aliases = this.state.listAliases(name).map((a) => a.alias)
      throw createDeployerError('E_ALIAS_NOT_FOUND', `${name} has no alias "${alias.slice(0, 80)}"${aliases.length ? `; aliases: ${aliases.join(', ')}` : ''}`, { details: { name, alias: alias.slice(0, 200), aliases } })
    }
    if (alias === LATEST) throw createDeployerError('E_ALIAS_RESERVED', `${name}@latest cannot be removed: it is how /models/${name}/ is routed`, { details: { name, alias } })
    this.state.deleteAlias(name, alias)
    this.record({ name, version: found.version, replica: null, type: 'alias', state: null, reason: 'removed', details: { alias, removed: true } })
  }

  /**
   * What `stop` and `rm` of a version do about `latest` (one rule for both): when `latest` points
   * at it while another version is ready, taking it away would take the model down for nothing,
   * so it is refused (E_VERSION_SERVES_LATEST) unless `force`, which first moves `latest` to the
   * newest other ready version. Returns that version, or undefined when `latest` was not moved.
   */
  handOverLatest(version: VersionRecord, force: boolean): string | undefined {
    if (this.state.getAlias(version.name, LATEST)?.version !== version.version) return undefined
    const ready = this.state.listVersions(version.name).filter((v) => v.version !== version.version && v.tagged && v.desired === 'running' && v.state === 'ready')
    const next = ready.at(-1)
    if (!next) return undefined
    if (!force) {
      throw createDeployerError('E_VERSION_SERVES_LATEST', `${version.name}@${version.version} is what ${version.name}@latest points to, and ${ready.map((v) => v.version).join(', ')} ${ready.length > 1 ? 'are' : 'is'} ready: move latest first, or force it to move latest to ${next.version}`, {
        details: { name: version.name, version: version.version, ready: ready.map((v) => v.version), wouldMoveTo: next.version },
      })
    }
    this.setAlias(version.name, LATEST, next.version)
    return next.version
  }

  /** Requires a token for inference on `name` (its sha256), or opens it again with `undefined`. */
  setInferenceTokenHash(name: string, tokenHash: string | undefined): void {
    if (this.state.listVersions(name).length === 0) resolveVersion(this.state, name, 'latest') // throws E_MODEL_NOT_FOUND listing the models
    this.state.setModelTokenHash(name, tokenHash)
    this.tokenHashes.delete(name)
  }

  /** The sha256 of the model's inference token, or undefined when inference on it is open (cached). */
  inferenceTokenHash(name: string): string | undefined {
    let hash = this.tokenHashes.get(name)
    if (hash === undefined) this.tokenHashes.set(name, (hash = this.state.getModelTokenHash(name) ?? null))
    return hash ?? undefined
  }

  listModels(): ModelInfo[] {
    return listModelInfo(this.state)
  }

  /** The version `selector` (a version or an alias) of `name` names, cached. */
  resolve(name: string, selector: string): Omit<ResolvedTarget, 'endpoints'> {
    const key = `${name}\0${selector}`
    let resolved = this.routes.get(key)
    if (!resolved) {
      resolved = resolveVersion(this.state, name, selector)
      this.routes.set(key, resolved)
    }
    return resolved
  }
}
