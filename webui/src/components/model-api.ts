/**
 * A model's part of the API docs: the operations the merged /openapi.json holds under
 * /models/name@version/, with their request and response schemas (references resolved) and a
 * link to try each one. The full document is at /docs.
 */
import { h, replace } from '../dom.js'
import { href } from '../router.js'
import { errorBox } from './notice.js'
import { openApiDocument } from '../openapi-doc.js'

type Json = Record<string, unknown>
interface Operation { summary?: string; description?: string; requestBody?: { content?: Record<string, { schema?: unknown }> }; responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }> }
interface OpenApi { paths?: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, unknown> } }

const METHODS = ['get', 'post', 'put', 'patch', 'delete']

/** Inlines `#/components/schemas/X` references (cycles left as the reference). */
function resolve(value: unknown, doc: OpenApi, seen: Set<string> = new Set()): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, doc, seen))
  if (!value || typeof value !== 'object') return value
  const ref = (value as Json)['$ref']
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = decodeURIComponent(ref.slice('#/components/schemas/'.length))
    const target = doc.components?.schemas?.[name]
    if (target === undefined || seen.has(name)) return value
    return resolve(target, doc, new Set([...seen, name]))
  }
  return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, resolve(v, doc, seen)]))
}

function schemaBlock(label: string, content: Record<string, { schema?: unknown }> | undefined, doc: OpenApi): HTMLElement | null {
  if (!content) return null
  return h('div', { class: 'schema' }, Object.entries(content).map(([type, media]) => h('details', null,
    h('summary', null, `${label}: `, h('code', null, type)),
    h('pre', { class: 'json' }, JSON.stringify(resolve(media.schema ?? {}, doc), null, 2)))))
}

export function modelApiSection(name: string): { element: HTMLElement; show(version: string): void } {
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading the API…'))
  async function show(version: string): Promise<void> {
    if (!version) return void replace(body, h('p', { class: 'muted' }, `No version of ${name} to document yet.`))
    try {
      const document = (await openApiDocument()) as OpenApi
      const prefix = `/models/${name}@${version}`
      const operations = Object.entries(document.paths ?? {}).filter(([path]) => path.startsWith(`${prefix}/`))
        .flatMap(([path, ops]) => METHODS.filter((m) => ops[m]).map((m) => ({ path, method: m.toUpperCase(), op: ops[m]! })))
      if (operations.length === 0) {
        replace(body, h('p', { class: 'muted' }, `${name}@${version} has no operations in the API docs: only ready versions are listed.`))
        return
      }
      replace(body, h('ul', { class: 'operations' }, operations.map(({ path, method, op }) => h('li', { class: 'operation' },
        h('div', { class: 'op-head' }, h('span', { class: `method ${method.toLowerCase()}` }, method), h('code', { class: 'op-path' }, path),
          h('a', { class: 'button small', href: `${href('models', name, 'try')}?version=${encodeURIComponent(version)}&endpoint=${encodeURIComponent(`${method} ${path.slice(prefix.length)}`)}` }, 'Try it')),
        op.summary ? h('p', null, op.summary) : null,
        schemaBlock('Request', op.requestBody?.content, document),
        Object.entries(op.responses ?? {}).map(([status, r]) => schemaBlock(`Response ${status}`, r.content, document))))))
    } catch (error) {
      replace(body, errorBox(error, 'Could not read /openapi.json'))
    }
  }
  const element = h('section', { 'aria-labelledby': 'api-heading' },
    h('h2', { id: 'api-heading' }, 'API'),
    h('p', { class: 'muted' }, 'From the merged OpenAPI document; the whole of it is at ', h('a', { href: '/docs' }, '/docs'), '.'),
    body)
  return { element, show: (version) => void show(version) }
}
