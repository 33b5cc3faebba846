/** `name@version` (or `name@alias`, or just `name`): how versions are named everywhere. */
import { isModelName } from '../packager/model-name.js'
import { createDeployerError } from './errors.js'

export interface VersionRef {
  name: string
  /** A version or an alias; undefined for a bare name. */
  version?: string | undefined
}

const SELECTOR = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,127}$/

/**
 * Parses a reference, refusing anything that is not a slug name with an optional version or alias.
 * @example parseRef('echo@1.0.0') // { name: 'echo', version: '1.0.0' }
 */
export function parseRef(ref: string): VersionRef {
  const at = ref.indexOf('@')
  const name = at === -1 ? ref : ref.slice(0, at)
  const version = at === -1 ? undefined : ref.slice(at + 1)
  if (!isModelName(name) || (version !== undefined && !SELECTOR.test(version))) {
    throw createDeployerError('E_REF_INVALID', `"${ref}" is not a valid name@version`, { details: { ref } })
  }
  return { name, version }
}

/** The alias every model has: moved by deploys and rollbacks, never removed. */
export const LATEST = 'latest'

/**
 * Refuses an alias name that is not a slug (the model-name rule: lowercase letters, digits and
 * hyphens, starting with a letter, at most 63 characters). So an alias never looks like a version
 * (`1.0.0` would be shadowed by the version), a path (`../../x`) or prose (`Bad Alias!`).
 * @example checkAliasName('stable') // ok; checkAliasName('1.0.0') throws E_ALIAS_INVALID
 */
export function checkAliasName(alias: string): void {
  if (!isModelName(alias)) {
    throw createDeployerError('E_ALIAS_INVALID', `"${alias.length > 80 ? `${alias.slice(0, 80)}…` : alias}" is not a valid alias: use lowercase letters, digits and hyphens, starting with a letter, at most 63 characters (not a version number)`, { details: { alias: alias.slice(0, 200) } })
  }
  if (RESERVED_ALIASES.has(alias)) {
    throw createDeployerError('E_ALIAS_NAME_RESERVED', `"${alias}" cannot be an alias: it reads as a rule (which version is ${alias}) that Ferry does not follow; an alias only moves when someone moves it`, { details: { alias, reserved: [...RESERVED_ALIASES] } })
  }
}

/**
 * Words refused as alias names: each reads as a rule computed from the versions ("the previous
 * one", "the newest", "none"), but an alias is a pointer that stays where it was put, so such a
 * name would lie as soon as another version is deployed. (`latest` is the one alias Ferry moves
 * itself; it can be pointed elsewhere, never created anew or removed.)
 */
export const RESERVED_ALIASES: ReadonlySet<string> = new Set([
  'current', 'previous', 'next', 'newest', 'oldest', 'last', 'first', 'head', 'default', 'all', 'any', 'none', 'null', 'undefined',
])
