/**
 * The merged OpenAPI document as /docs shows it: each model endpoint once per version. The full
 * /openapi.json lists every endpoint under its version's path and under each alias (`latest` also
 * at /models/name/…), which Swagger UI would show three times; here the copies (marked
 * `x-ferry-copy-of` by mergeOpenApi) are left out and the path that stays says where else it is
 * served.
 * @example viewForDocs(merged).paths['/models/echo@latest/predict'] // undefined; '/models/echo/predict' stays
 */
import { COPY_OF, type OpenApiDocument } from './openapi.js'
import { cloneJson } from './_openapi-refs.js'
import { HTTP_METHODS, isObject } from './_openapi-types.js'

export function viewForDocs(document: OpenApiDocument): OpenApiDocument {
  const view = cloneJson(document)
  const also = new Map<string, string[]>()
  for (const [path, item] of Object.entries(view.paths)) {
    const of = isObject(item) ? item[COPY_OF] : undefined
    if (typeof of !== 'string' || !(of in view.paths)) continue
    also.set(of, [...(also.get(of) ?? []), path])
    delete view.paths[path]
  }
  for (const [path, copies] of also) {
    const item = view.paths[path]!
    delete item[COPY_OF]
    for (const method of HTTP_METHODS) {
      const operation = item[method]
      if (!isObject(operation)) continue
      const note = `Also served at ${copies.map((c) => `\`${c}\``).join(', ')}.`
      operation.description = typeof operation.description === 'string' && operation.description ? `${operation.description}\n\n${note}` : note
    }
  }
  return view
}
