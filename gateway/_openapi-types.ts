/**
 * The slice of the OpenAPI 3.1 document model that Ferry builds and merges. Loose on purpose:
 * instance documents are foreign JSON, so everything past the top level is `unknown`.
 */

export type JsonObject = Record<string, unknown>

export interface OpenApiDocument {
  openapi: string
  info: { title: string; version: string; description?: string; [key: string]: unknown }
  paths: Record<string, JsonObject>
  components?: Record<string, Record<string, unknown>>
  tags?: Array<{ name: string; description?: string }>
  /** Problems met while merging (an instance document that was not usable, a path clash). */
  'x-ferry-warnings'?: string[]
  [key: string]: unknown
}

/** The HTTP methods of a Path Item Object. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A component name: OpenAPI allows only `^[a-zA-Z0-9.\-_]+$`. */
export function toComponentName(text: string): string {
  return text.replace(/[^a-zA-Z0-9._-]+/g, '_')
}

/** An identifier of word characters, runs of anything else folded into one `_`. */
export function toIdentifier(text: string): string {
  return text.replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '')
}

/** RFC 6901 JSON pointer token escaping. */
export function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1')
}

export function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~')
}
