/**
 * Gradio apps deployed as packages (`api.protocol: "gradio"`), read and called with the real
 * @gradio/client: `view_api()` gives their endpoints (for /openapi.json, /docs and the console's
 * try-it), and `POST /models/<name>/api/<api_name>` `{data: [...]}` is forwarded as
 * `predict('/<api_name>', data)` through the gateway's own /models/ proxy. Clients are kept per
 * version and caller's credentials, and closed with the gateway.
 */
import { Client } from '@gradio/client'

interface ViewApi { named_endpoints: Record<string, { parameters: Array<{ parameter_name: string | null; label?: string; type?: unknown; component?: string; parameter_has_default?: boolean; python_type?: { description?: string } }>; returns: Array<{ label?: string; component?: string }> }> }

const MAX_CLIENTS = 32

export class GradioAppClients {
  private readonly clients = new Map<string, Promise<Client>>()

  constructor(private readonly gatewayUrl: string) {}

  /** A client for `name@selector` through the proxy, with the caller's Authorization. */
  private client(name: string, selector: string, authorization: string | undefined): Promise<Client> {
    const key = `${name}@${selector}\0${authorization ?? ''}`
    let client = this.clients.get(key)
    if (!client) {
      if (this.clients.size >= MAX_CLIENTS) {
        const [oldest, entry] = this.clients.entries().next().value as [string, Promise<Client>]
        this.clients.delete(oldest)
        void entry.then((c) => c.close(), () => undefined)
      }
      const connecting = Client.connect(`${this.gatewayUrl}/models/${name}@${selector}/`, { events: ['data', 'status'], ...(authorization ? { headers: { authorization } } : {}) })
      connecting.catch(() => this.clients.delete(key))
      this.clients.set(key, connecting)
      return connecting
    }
    return client
  }

  /** Calls `/<apiName>` with `data`; resolves to the outputs' values, rejects with the app's error. */
  async call(name: string, selector: string, apiName: string, data: unknown[], authorization: string | undefined): Promise<unknown[]> {
    const client = await this.client(name, selector, authorization)
    const result = await client.predict(`/${apiName}`, data)
    return (result?.data ?? []) as unknown[]
  }

  /** The endpoints an app lists, read from its own port (metadata, no token needed). */
  static async readApi(port: number): Promise<ViewApi> {
    const client = await Client.connect(`http://127.0.0.1:${port}/`, { events: ['data'] })
    try {
      return await client.view_api() as ViewApi
    } finally {
      client.close()
    }
  }

  /** An OpenAPI document of the app's endpoints as `POST /api/<api_name>` `{data: [...]}` routes. */
  static buildDocument(api: ViewApi, title: string): Record<string, unknown> {
    const paths: Record<string, unknown> = {}
    for (const [endpoint, info] of Object.entries(api.named_endpoints)) {
      const apiName = endpoint.replace(/^\//, '')
      // view_api turns each parameter's JSON Schema into a type name; the component says the rest.
      const items = info.parameters.map((p) => ({ title: p.parameter_name ?? p.label ?? 'value', ...componentSchema(p.component), ...(p.python_type?.description ? { description: p.python_type.description } : {}) }))
      paths[`/api/${apiName}`] = {
        post: {
          operationId: apiName,
          summary: `Gradio /${apiName}: ${info.parameters.map((p) => `${p.parameter_name ?? p.label} (${p.component})`).join(', ') || 'no inputs'} → ${info.returns.map((r) => r.component).join(', ')}`,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object', required: ['data'], additionalProperties: false, properties: { data: { type: 'array', prefixItems: items, minItems: info.parameters.filter((p) => !p.parameter_has_default).length, maxItems: items.length } } } } },
          },
          responses: { '200': { description: 'The outputs, one value per output component.', content: { 'application/json': { schema: { type: 'object', properties: { data: { type: 'array' } } } } } } },
        },
      }
    }
    return { openapi: '3.1.0', info: { title, version: '0' }, paths }
  }

  close(): void {
    for (const client of this.clients.values()) void client.then((c) => c.close(), () => undefined)
    this.clients.clear()
  }
}

const FILE_DATA = { type: 'object', required: ['path'], properties: { path: { type: 'string' }, url: { type: 'string' }, meta: { type: 'object' } }, description: 'A file uploaded to gradio_api/upload: {path, meta: {_type: "gradio.FileData"}}.' }

/** The JSON Schema of a component's value. */
function componentSchema(component: string | undefined): Record<string, unknown> {
  switch (component) {
    case 'Number':
    case 'Slider': return { type: 'number' }
    case 'Textbox':
    case 'Dropdown':
    case 'Radio': return { type: 'string' }
    case 'Checkbox': return { type: 'boolean' }
    case 'Image':
    case 'File':
    case 'Audio':
    case 'Video': return FILE_DATA
    default: return {}
  }
}
