/**
 * GET /openapi.json: one OpenAPI 3.1 document with the gateway's own API and every ready
 * instance's endpoints, under /models/name@version/... and under each alias (`latest` also at
 * /models/name/...). An instance's part comes from its own document when it serves one, else from
 * its descriptor's endpoints. Pure functions: the gateway calls mergeOpenApi again on every
 * deploy, stop and alias change.
 */
import type { Descriptor } from '../descriptors/descriptor.js'
import { buildEndpointsDocument } from './_openapi-endpoints.js'
import { cloneJson, prefixComponents, rewriteRefs } from './_openapi-refs.js'
import { HTTP_METHODS, isObject, toComponentName, toIdentifier, type JsonObject, type OpenApiDocument } from './_openapi-types.js'

export { buildEndpointsDocument }
export { fetchInstanceOpenApi, MAX_OPENAPI_BYTES } from './_openapi-fetch.js'
export type { OpenApiDocument }

export interface ModelApi {
  name: string
  version: string
  /** Aliases pointing at this version, e.g. ['latest', 'stable']. */
  aliases: string[]
  descriptor: Descriptor
  /** The instance's own OpenAPI document, when it serves one (see fetchInstanceOpenApi). */
  document?: unknown
}

/**
 * The merged document. The gateway's own paths are kept as they are; each model's are copied
 * under its version's prefix and every alias's, tagged `name@version`, with its components
 * renamed `name_version_X` so that models never collide.
 * @example
 * const doc = mergeOpenApi(gatewayDocument, [{ name: 'ocr', version: '1.0.0', aliases: ['latest'], descriptor }])
 * Object.keys(doc.paths) // ['/api/versions', '/models/ocr@1.0.0/predict', '/models/ocr@latest/predict', '/models/ocr/predict']
 */
export function mergeOpenApi(gateway: OpenApiDocument, models: ModelApi[]): OpenApiDocument {
  const base = cloneJson(gateway)
  const warnings = [...(base['x-ferry-warnings'] ?? [])]
  const merged: OpenApiDocument = {
    ...base,
    openapi: '3.1.0',
    info: { ...base.info, title: 'Ferry', version: base.info?.version ?? '0.0.0' },
    paths: { ...base.paths },
    components: { ...base.components },
    tags: [...(base.tags ?? [])],
  }
  const sorted = [...models].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version, 'en', { numeric: true }))
  for (const model of sorted) {
    const source = chooseSource(model, warnings)
    if (source) addModel(merged, model, source, warnings)
  }
  if (Object.keys(merged.components!).length === 0) delete merged.components
  if (warnings.length > 0) merged['x-ferry-warnings'] = warnings
  else delete merged['x-ferry-warnings']
  return merged
}

/** The instance's document when usable, else one built from the descriptor's endpoints. */
function chooseSource(model: ModelApi, warnings: string[]): OpenApiDocument | undefined {
  const label = `${model.name}@${model.version}`
  const document = model.document
  if (document !== undefined) {
    const reason = !isObject(document) ? 'is not a JSON object'
      : !isObject(document.paths) ? 'has no "paths" object'
      : typeof document.swagger === 'string' ? 'is Swagger 2.0, not OpenAPI 3'
      : typeof document.openapi === 'string' && !document.openapi.startsWith('3.') ? `is OpenAPI ${document.openapi}, not 3.x`
      : undefined
    // A 3.0 document is taken as it is: the differences (nullable, exclusiveMinimum as a boolean)
    // only loosen validation hints in the docs page.
    if (reason === undefined) return cloneJson(document) as OpenApiDocument
    warnings.push(`${label}: its OpenAPI document ${reason}; ignored${model.descriptor.api.endpoints ? ', the descriptor\'s endpoints are shown instead' : ''}`)
  }
  if (model.descriptor.api.endpoints?.length) return buildEndpointsDocument(model.descriptor)
  warnings.push(`${label}: no OpenAPI document and no endpoints in its descriptor; its API is not documented`)
  return undefined
}

/** The extension on a path item that repeats another under a version or alias prefix. */
export const COPY_OF = 'x-ferry-copy-of'

function addModel(merged: OpenApiDocument, model: ModelApi, source: OpenApiDocument, warnings: string[]): void {
  const label = `${model.name}@${model.version}`
  const versionPrefix = `/models/${label}`
  const componentPrefix = toComponentName(`${model.name}_${model.version}_`)
  const rewrite = prefixComponents(isObject(source.components) ? source.components : {}, componentPrefix, versionPrefix)
  rewriteRefs(source.paths, rewrite, componentPrefix, true)
  rewriteRefs(source.components, rewrite, componentPrefix)
  for (const [kind, entries] of Object.entries(source.components ?? {})) {
    if (isObject(entries)) merged.components![kind] = { ...merged.components![kind], ...entries }
  }
  // Top-level security applies to each operation that does not say otherwise.
  const security = rewriteSecurity(source.security, componentPrefix)

  merged.tags!.push({ name: label, description: describe(model) })
  const prefixes: Array<[string, string]> = [[versionPrefix, model.version]]
  for (const alias of [...model.aliases].sort()) {
    prefixes.push([`/models/${model.name}@${alias}`, alias])
    if (alias === 'latest') prefixes.push([`/models/${model.name}`, ''])
  }
  // One copy is the one to read (what clients call: /models/name/… for latest, else the version's);
  // the others say which it is (`x-ferry-copy-of`), so /docs can show each endpoint once.
  const canonical = model.aliases.includes('latest') ? `/models/${model.name}` : versionPrefix
  for (const [prefix, ref] of prefixes) {
    for (const [path, item] of Object.entries(source.paths)) {
      if (!isObject(item)) continue
      const full = prefix + (path.startsWith('/') ? path : `/${path}`)
      if (full in merged.paths) {
        warnings.push(`${label}: ${full} is already in the document; this copy is left out`)
        continue
      }
      merged.paths[full] = preparePathItem(cloneJson(item), path, model.name, ref, label, security)
      if (prefix !== canonical) merged.paths[full]![COPY_OF] = canonical + (path.startsWith('/') ? path : `/${path}`)
    }
  }
}

/** Drops servers (the gateway is the server), tags each operation, makes operationIds unique. */
function preparePathItem(item: JsonObject, path: string, name: string, ref: string, tag: string, security: unknown): JsonObject {
  delete item.servers
  for (const method of HTTP_METHODS) {
    const operation = item[method]
    if (!isObject(operation)) continue
    delete operation.servers
    operation.tags = [tag]
    const own = typeof operation.operationId === 'string' ? operation.operationId : `${method}_${path}`
    // Descriptor-built ids already start with the model's name.
    const id = toIdentifier(own).replace(new RegExp(`^${toIdentifier(name)}_`), '')
    operation.operationId = toIdentifier(`${name}_${ref}_${id}`)
    if (security !== undefined && operation.security === undefined) operation.security = cloneJson(security)
  }
  return item
}

function rewriteSecurity(security: unknown, prefix: string): unknown {
  if (!Array.isArray(security)) return undefined
  const holder = { security: cloneJson(security) }
  rewriteRefs(holder, (ref) => ref, prefix)
  return holder.security
}

function describe(model: ModelApi): string {
  const parts = [model.descriptor.description ?? `${model.name} version ${model.version}`]
  const at = [`/models/${model.name}@${model.version}`, ...model.aliases.map((a) => `/models/${model.name}@${a}`)]
  if (model.aliases.includes('latest')) at.push(`/models/${model.name}`)
  parts.push(`Served at ${at.join(', ')}.`)
  return parts.join(' ')
}
