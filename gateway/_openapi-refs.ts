/**
 * Moves an instance's components under prefixed names so that two models' "Input" schemas do not
 * collide in the merged document, and rewrites every reference to them: `$ref`s, discriminator
 * mappings and security requirements.
 */
import { escapePointer, isObject, toComponentName, unescapePointer, type JsonObject } from './_openapi-types.js'

/** Keys whose value is a literal (example data, defaults), never walked for `$ref`s. */
const LITERAL_KEYS = new Set(['example', 'default', 'const', 'enum', 'value'])
/** Keys whose value maps user-chosen names to objects: its keys are names, not keywords. */
const NAME_MAP_KEYS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas',
  'paths', 'schemas', 'responses', 'parameters', 'examples', 'requestBodies', 'headers',
  'securitySchemes', 'links', 'callbacks', 'pathItems', 'content', 'encoding', 'variables', 'webhooks'])

/** A function from an old local reference (`#/components/schemas/Input`) to its new one. */
export type RefRewriter = (ref: string) => string

/**
 * Renames every component of `components` to `${prefix}${name}` in place, and returns the
 * rewriter for references to them (and to `#/paths/...`, moved under `pathPrefix`).
 */
export function prefixComponents(components: Record<string, Record<string, unknown>>, prefix: string, pathPrefix: string): RefRewriter {
  for (const [kind, entries] of Object.entries(components)) {
    if (!isObject(entries)) continue
    components[kind] = Object.fromEntries(Object.entries(entries).map(([name, value]) => [toComponentName(prefix + name), value]))
  }
  return (ref) => {
    const match = /^#\/components\/([^/]+)\/([^/]+)(\/.*)?$/.exec(ref)
    if (match) {
      const [, kind, name, rest] = match
      return `#/components/${kind}/${escapePointer(toComponentName(prefix + unescapePointer(name!)))}${rest ?? ''}`
    }
    const path = /^#\/paths\/([^/]+)(\/.*)?$/.exec(ref)
    if (path) return `#/paths/${escapePointer(pathPrefix + unescapePointer(path[1]!))}${path[2] ?? ''}`
    return ref
  }
}

/**
 * Rewrites, in place, every local `$ref` (and `$dynamicRef`) under `node`, the schema names of
 * discriminator mappings, and the scheme names of security requirements.
 */
export function rewriteRefs(node: unknown, rewrite: RefRewriter, schemePrefix: string, inNameMap = false): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteRefs(item, rewrite, schemePrefix)
    return
  }
  if (!isObject(node)) return
  for (const [key, value] of Object.entries(node)) {
    if (inNameMap) {
      rewriteRefs(value, rewrite, schemePrefix)
    } else if ((key === '$ref' || key === '$dynamicRef') && typeof value === 'string') {
      if (value.startsWith('#')) node[key] = rewrite(value)
    } else if (key === 'discriminator' && isObject(value) && isObject(value.mapping)) {
      for (const [tag, target] of Object.entries(value.mapping)) {
        if (typeof target !== 'string') continue
        // A bare name in a mapping means a schema of the same document.
        value.mapping[tag] = target.startsWith('#') ? rewrite(target) : /^[a-zA-Z0-9._-]+$/.test(target) ? toComponentName(schemePrefix + target) : target
      }
    } else if (key === 'security' && Array.isArray(value)) {
      node[key] = value.map((requirement) => isObject(requirement)
        ? Object.fromEntries(Object.entries(requirement).map(([scheme, scopes]) => [toComponentName(schemePrefix + scheme), scopes]))
        : requirement)
    } else if (key === 'examples' && Array.isArray(value)) {
      // JSON Schema's `examples` is an array of literal values.
    } else if (!LITERAL_KEYS.has(key)) {
      rewriteRefs(value, rewrite, schemePrefix, NAME_MAP_KEYS.has(key))
    }
  }
}

export function cloneJson<T>(value: T): T {
  return structuredClone(value)
}

export type { JsonObject }
