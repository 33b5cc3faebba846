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
}
