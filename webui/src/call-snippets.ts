/**
 * "How to call it": the same call of a model's main endpoint written five ways (curl, Python
 * requests, JavaScript fetch, @gradio/client, an Open Inference Protocol request), with the
 * gateway's real URL, the endpoint's fields and the descriptor's first example filled in. A Gradio
 * app gets its /api/<name> route and @gradio/client; a model that speaks OIP itself, OIP alone.
 */
import type { Descriptor, Endpoint } from './types.js'

export interface Snippet { id: string; label: string; code: string }

export interface SnippetInput {
  origin: string
  name: string
  descriptor: Descriptor
  /** The model requires its inference token. */
  tokenRequired: boolean
  /** For a Gradio app: its api names, read from /openapi.json (`/models/<name>/api/<x>`). */
  appApiNames?: string[]
}

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/

function primaryEndpoint(descriptor: Descriptor): Endpoint | undefined {
  const endpoints = descriptor.api.endpoints ?? []
  return endpoints.find((e) => `${e.method} ${e.path}` === descriptor.api.defaultEndpoint) ?? endpoints.find((e) => e.method === 'POST') ?? endpoints[0]
}

function apiNameOf(endpoint: Endpoint): string {
  if (endpoint.apiName) return endpoint.apiName
  const last = endpoint.path.split('/').filter((s) => s && !s.startsWith('{')).pop() ?? 'predict'
  return last.toLowerCase().replace(/[^a-z0-9_]/g, '_')
}

/** A value for a JSON Schema: its example, default or first enum value, else a placeholder. */
function sampleValue(schema: Record<string, unknown>): unknown {
  if (schema['default'] !== undefined) return schema['default']
  if (Array.isArray(schema['enum'])) return schema['enum'][0]
  switch (schema['type']) {
    case 'number':
    case 'integer': return 0
    case 'boolean': return false
    case 'string': return 'text'
    case 'array': return Array.from({ length: typeof schema['minItems'] === 'number' ? schema['minItems'] : 1 }, () => sampleValue((schema['items'] ?? {}) as Record<string, unknown>))
    default: return {}
  }
}

interface CallShape {
  endpoint: Endpoint
  kind: 'json' | 'file' | 'text'
  body: unknown
  /** For a file body: its media type and a file name to show. */
  contentType: string
  file: string
}

function callShape(descriptor: Descriptor): CallShape | undefined {
  const endpoint = primaryEndpoint(descriptor)
  if (!endpoint) return undefined
  const contentType = endpoint.input?.contentType ?? 'application/json'
  const key = `${endpoint.method} ${endpoint.path}`
  const example = descriptor.examples?.find((e) => e.endpoint === key && e.body !== undefined) ?? descriptor.examples?.find((e) => e.endpoint === key)
  if (JSON_TYPE.test(contentType)) {
    const schema = typeof endpoint.input?.schema === 'object' ? endpoint.input.schema : {}
    const properties = (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>
    const required = new Set((schema['required'] ?? Object.keys(properties)) as string[])
    const body = example?.body ?? Object.fromEntries(Object.entries(properties).filter(([k]) => required.has(k)).map(([k, s]) => [k, sampleValue(s)]))
    return { endpoint, kind: 'json', body, contentType, file: '' }
  }
  const file = example?.file?.split('/').pop() ?? (contentType.startsWith('image/') ? 'image.png' : 'input.bin')
  const type = example?.contentType ?? (contentType.includes('*') ? (file.endsWith('.jpg') || file.endsWith('.jpeg') ? 'image/jpeg' : 'image/png') : contentType)
  return { endpoint, kind: contentType.startsWith('text/') ? 'text' : 'file', body: undefined, contentType: type, file }
}

const compact = (value: unknown) => JSON.stringify(value)
const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`

function httpSnippets(input: SnippetInput, call: CallShape): Snippet[] {
  const url = `${input.origin}/models/${input.name}${call.endpoint.path}`
  const auth = input.tokenRequired
  const curlAuth = auth ? ` \\\n  -H "authorization: Bearer $MODEL_TOKEN"` : ''
  const pyAuth = auth ? `, headers={"authorization": f"Bearer {os.environ['MODEL_TOKEN']}"}` : ''
  const jsAuth = auth ? `, authorization: \`Bearer \${process.env.MODEL_TOKEN}\`` : ''
  const json = call.kind === 'json'
  return [
    { id: 'curl', label: 'curl', code: json
      ? `curl -X ${call.endpoint.method} ${shellQuote(url)}${curlAuth} \\\n  -H 'content-type: application/json' \\\n  -d ${shellQuote(compact(call.body))}`
      : `curl -X ${call.endpoint.method} ${shellQuote(url)}${curlAuth} \\\n  -H 'content-type: ${call.contentType}' \\\n  --data-binary @${call.file}` },
    { id: 'python', label: 'Python requests', code: `import requests${auth ? ', os' : ''}\n\n` + (json
      ? `answer = requests.${call.endpoint.method.toLowerCase()}(${JSON.stringify(url)}, json=${compact(call.body).replace(/\btrue\b/g, 'True').replace(/\bfalse\b/g, 'False').replace(/\bnull\b/g, 'None')}${pyAuth})`
      : `with open(${JSON.stringify(call.file)}, "rb") as f:\n    answer = requests.${call.endpoint.method.toLowerCase()}(${JSON.stringify(url)}, data=f, headers={"content-type": ${JSON.stringify(call.contentType)}${auth ? `, "authorization": f"Bearer {os.environ['MODEL_TOKEN']}"` : ''}})`) + '\nanswer.raise_for_status()\nprint(answer.json())' },
    { id: 'fetch', label: 'JavaScript fetch', code: (json ? '' : `import { readFile } from 'node:fs/promises'\n\n`) + `const answer = await fetch(${JSON.stringify(url)}, {\n  method: '${call.endpoint.method}',\n  headers: { 'content-type': '${json ? 'application/json' : call.contentType}'${jsAuth} },\n  body: ${json ? `JSON.stringify(${compact(call.body)})` : `await readFile('${call.file}')`},\n})\nconsole.log(await answer.json())` },
  ]
}

function gradioSnippet(input: SnippetInput, call: CallShape): Snippet {
  const apiName = apiNameOf(call.endpoint)
  const token = input.tokenRequired ? ', { token: process.env.MODEL_TOKEN }' : ''
  const args = call.kind === 'json' && typeof call.body === 'object' && call.body !== null && !Array.isArray(call.body)
    ? compact(call.body)
    : call.kind === 'json' ? `[${compact(call.body)}]` : `[handle_file('${call.file}')]`
  return { id: 'gradio', label: '@gradio/client', code: `import { Client${call.kind === 'file' ? ', handle_file' : ''} } from '@gradio/client'\n\nconst app = await Client.connect('${input.origin}/gradio/${input.name}/'${token})\nconst result = await app.predict('/${apiName}', ${args})\nconsole.log(result.data)\napp.close()` }
}

/** One OIP tensor per property (shape and datatype from the descriptor's hints), or a BYTES tensor of the file. */
function oipSnippet(input: SnippetInput, call: CallShape): Snippet {
  const url = `${input.origin}/v2/models/${input.name}/infer`
  const curlAuth = input.tokenRequired ? ` \\\n  -H "authorization: Bearer $MODEL_TOKEN"` : ''
  if (call.kind !== 'json') {
    const name = call.endpoint.input?.name ?? (call.contentType.startsWith('image/') ? 'image' : 'body')
    const body = `{"inputs": [{"name": "${name}", "shape": [1], "datatype": "BYTES", "parameters": {"content_type": "${call.contentType}"}, "data": ["'"$(base64 -w0 ${call.file})"'"]}]}`
    return { id: 'oip', label: 'Open Inference Protocol', code: `curl -X POST ${shellQuote(url)}${curlAuth} \\\n  -H 'content-type: application/json' \\\n  -d '${body}'` }
  }
  const fields = call.endpoint.input?.fields ?? {}
  const record = typeof call.body === 'object' && call.body !== null && !Array.isArray(call.body) ? call.body as Record<string, unknown> : { [call.endpoint.input?.name ?? 'body']: JSON.stringify(call.body) }
  const inputs = Object.entries(record).map(([name, value]) => {
    const hint = fields[name] ?? {}
    const data = Array.isArray(value) ? value.flat(Infinity) : [value]
    const datatype = hint.datatype ?? (data.every((v) => typeof v === 'boolean') ? 'BOOL' : data.every((v) => typeof v === 'number') ? (data.every(Number.isInteger) && !Array.isArray(value) ? 'INT64' : 'FP64') : 'BYTES')
    return { name, shape: hint.shape ?? [data.length], datatype, data: datatype === 'BYTES' ? data.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) : data }
  })
  return { id: 'oip', label: 'Open Inference Protocol', code: `curl -X POST ${shellQuote(url)}${curlAuth} \\\n  -H 'content-type: application/json' \\\n  -d ${shellQuote(compact({ inputs }))}` }
}

/**
 * @example buildCallSnippets({ origin: 'http://127.0.0.1:8080', name: 'digits', descriptor, tokenRequired: false }).map((s) => s.label)
 * // ['curl', 'Python requests', 'JavaScript fetch', '@gradio/client', 'Open Inference Protocol']
 */
export function buildCallSnippets(input: SnippetInput): Snippet[] {
  const { protocol } = input.descriptor.api
  if (protocol === 'gradio') {
    const apiName = input.appApiNames?.[0] ?? 'predict'
    const auth = input.tokenRequired ? ` \\\n  -H "authorization: Bearer $MODEL_TOKEN"` : ''
    return [
      { id: 'curl', label: 'curl', code: `curl -X POST '${input.origin}/models/${input.name}/api/${apiName}'${auth} \\\n  -H 'content-type: application/json' \\\n  -d '{"data": [ /* one value per input */ ]}'` },
      { id: 'gradio', label: '@gradio/client', code: `import { Client } from '@gradio/client'\n\nconst app = await Client.connect('${input.origin}/gradio/${input.name}/'${input.tokenRequired ? ', { token: process.env.MODEL_TOKEN }' : ''})\nconsole.log(await app.view_api())\nconst result = await app.predict('/${apiName}', [ /* one value per input */ ])\nconsole.log(result.data)\napp.close()` },
    ]
  }
  if (protocol === 'oip-v2') {
    return [{ id: 'oip', label: 'Open Inference Protocol', code: `curl '${input.origin}/v2/models/${input.name}'   # inputs and outputs\ncurl -X POST '${input.origin}/v2/models/${input.name}/infer' \\\n  -H 'content-type: application/json' \\\n  -d '{"inputs": [{"name": "…", "shape": […], "datatype": "FP32", "data": […]}]}'` }]
  }
  const call = callShape(input.descriptor)
  if (!call) return []
  return [...httpSnippets(input, call), gradioSnippet(input, call), oipSnippet(input, call)]
}
