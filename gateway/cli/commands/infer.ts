/**
 * `ferry infer <name[@version|@alias]> --input NAME=VALUE …`: one Open Inference Protocol v2 call
 * of a model through the gateway. The model's metadata (GET /v2/models/<name>) gives each input's
 * datatype and shape; a value is JSON, or `@file.json` (a file holding the value, or an object
 * holding it under NAME). Prints each output tensor; a refused request exits 1 with the
 * protocol's error and code.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { FerryError, UsageError } from '../../../packager/ferry-error.js'
import { createGatewayError } from '../../errors.js'
import { defineCommand } from '../command.js'

interface TensorMetadata { name: string; datatype: string; shape: number[] }
interface Tensor extends TensorMetadata { data: unknown[] }
export interface InferResult { model_name: string; model_version?: string; id?: string; outputs: Tensor[] }

async function readValue(raw: string, name: string, cwd: string): Promise<unknown> {
  if (!raw.startsWith('@')) {
    try { return JSON.parse(raw) } catch { return raw } // a bare word is a string (BYTES)
  }
  const parsed = JSON.parse(await readFile(resolve(cwd, raw.slice(1)), 'utf8')) as unknown
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && name in parsed ? (parsed as Record<string, unknown>)[name] : parsed
}

/** The metadata's shape with each -1 filled so that the shape holds `count` values. */
function fitShape(shape: number[], count: number): number[] {
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1)
  return shape.map((d) => (d === -1 ? Math.max(1, Math.round(count / known)) : d))
}

export default defineCommand<InferResult>({
  usage: 'ferry infer <name[@version|@alias]> --input NAME=VALUE [--input …] [--id ID] [--gateway URL] [--model-token TOKEN]',
  description: 'Call a model through the Open Inference Protocol v2: each --input is a tensor named in its metadata (GET /v2/models/<name>), VALUE JSON or @file.json.',
  options: {
    input: { type: 'string', short: 'i', multiple: true, value: 'NAME=VALUE', description: 'an input tensor: NAME=JSON (e.g. pixels=[0,1,…]) or NAME=@file.json' },
    id: { type: 'string', value: 'ID', description: 'the request id, echoed in the answer' },
    gateway: { type: 'string', value: 'URL', description: 'the gateway (default FERRY_GATEWAY, else http://127.0.0.1:8080)' },
    'model-token': { type: 'string', value: 'TOKEN', description: 'the model\'s inference token, when it has one (default FERRY_MODEL_TOKEN)' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }, context) {
    const gateway = String(values['gateway'] ?? context.env['FERRY_GATEWAY'] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')
    const token = (values['model-token'] as string | undefined) ?? context.env['FERRY_MODEL_TOKEN']
    const [name, selector] = positionals[0]!.split('@') as [string, string | undefined]
    const base = `${gateway}/v2/models/${encodeURIComponent(name)}${selector ? `/versions/${encodeURIComponent(selector)}` : ''}`
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }
    const request = async <T>(url: string, body?: unknown): Promise<T> => {
      let response: Response
      try {
        response = await fetch(url, { method: body === undefined ? 'GET' : 'POST', headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
      } catch (error) {
        throw createGatewayError('E_GATEWAY_UNREACHABLE', `cannot reach the gateway at ${gateway}: ${(error as Error).message}`, { cause: error })
      }
      const answer = await response.json().catch(() => ({})) as { error?: string; code?: string }
      if (!response.ok) throw new FerryError(answer.code ?? 'E_INTERNAL', { status: response.status, hint: '' }, answer.error ?? `HTTP ${response.status}`)
      return answer as T
    }
    const metadata = await request<{ inputs: TensorMetadata[] }>(base)
    const inputs: Tensor[] = []
    for (const item of (values['input'] as string[] | undefined) ?? []) {
      const at = item.indexOf('=')
      if (at < 1) throw new UsageError(`--input takes NAME=VALUE, not "${item}"`)
      const inputName = item.slice(0, at)
      const declared = metadata.inputs.find((m) => m.name === inputName)
      if (!declared) throw new UsageError(`${name} has no input "${inputName}"; its inputs are ${metadata.inputs.map((m) => `${m.name} (${m.datatype} [${m.shape.join(', ')}])`).join(', ')}`)
      const value = await readValue(item.slice(at + 1), inputName, context.cwd)
      const data = Array.isArray(value) ? value.flat(Infinity) : [typeof value === 'object' && value !== null ? JSON.stringify(value) : value]
      inputs.push({ name: inputName, datatype: declared.datatype, shape: fitShape(declared.shape, data.length), data })
    }
    const id = values['id'] as string | undefined
    return { result: await request<InferResult>(`${base}/infer`, { ...(id ? { id } : {}), inputs }) }
  },
  render(result) {
    const head = `${result.model_name}@${result.model_version ?? '?'}${result.id ? ` (id ${result.id})` : ''}`
    return [head, ...result.outputs.map((o) => `  ${o.name}  ${o.datatype} [${o.shape.join(', ')}]  ${JSON.stringify(o.data).slice(0, 200)}`)].join('\n')
  },
})
