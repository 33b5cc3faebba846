/**
 * A version's descriptor (what Try-it forms, endpoints and examples are built from), read from
 * its package: GET /api/instances/:ref gives the digest, GET /api/packages/:digest the descriptor.
 * Packages are immutable, so descriptors are cached by digest.
 */
import { api, seg } from './api.js'
import type { Descriptor, Endpoint, InstanceInfo, PackageRecord } from './types.js'
import { openApiDocument } from './openapi-doc.js'

const cache = new Map<string, Promise<Descriptor>>()

export function descriptorOfDigest(digest: string): Promise<Descriptor> {
  let found = cache.get(digest)
  if (!found) {
    found = api.get<PackageRecord>(`/packages/${seg(digest)}`).then((p) => p.descriptor)
    found.catch(() => cache.delete(digest))
    cache.set(digest, found)
  }
  return found
}

export async function descriptorOf(ref: string): Promise<{ instance: InstanceInfo; descriptor: Descriptor }> {
  const instance = await api.get<InstanceInfo>(`/instances/${seg(ref)}`)
  return { instance, descriptor: await descriptorOfDigest(instance.digest) }
}

type OpenApi = { paths?: Record<string, Record<string, { summary?: string; requestBody?: { content?: Record<string, { schema?: unknown }> } }>> }

/**
 * The endpoints a version declares; for one that only serves its own OpenAPI document, those of
 * its part of the merged /openapi.json (under /models/name@version/).
 */
export async function endpointsOf(descriptor: Descriptor, ref: string): Promise<Endpoint[]> {
  if (descriptor.api.endpoints?.length) return descriptor.api.endpoints
  const doc = (await openApiDocument()) as OpenApi
  const prefix = `/models/${ref}`
  const endpoints: Endpoint[] = []
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith(`${prefix}/`)) continue
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue
      const [contentType, media] = Object.entries(op.requestBody?.content ?? {})[0] ?? []
      endpoints.push({
        method: method.toUpperCase(), path: path.slice(prefix.length), ...(op.summary ? { summary: op.summary } : {}),
        ...(contentType ? { input: { contentType, ...(media?.schema && typeof media.schema === 'object' ? { schema: media.schema as Record<string, unknown> } : {}) } } : {}),
      })
    }
  }
  return endpoints
}
