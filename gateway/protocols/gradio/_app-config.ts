/**
 * A model's descriptor as a Gradio app: the `config` (components, one dependency per endpoint,
 * protocol sse_v3, api_prefix /gradio_api) and the `info` @gradio/client reads with view_api.
 * `root` is left out on purpose: behind a path prefix the client would join it with the route and
 * a trailing slash breaks the join; without it the client uses the URL it connected to.
 */
import type { Descriptor } from '../../../descriptors/descriptor.js'
import { describeModel, type EndpointSignature } from '../signature.js'
import { describeParameter, describeReturns, inputComponent, outputComponents, type GradioComponent } from './_components.js'

export const API_PREFIX = '/gradio_api'

export interface GradioDependency {
  id: number
  api_name: string
  inputs: number[]
  outputs: number[]
  targets: Array<[number, string]>
  queue: boolean
  backend_fn: boolean
  js: null
  types: { generator: boolean; cancel: boolean }
  trigger_mode: 'once'
  show_progress: 'full'
  show_api: boolean
  rendered_in: null
}

export interface GradioApp {
  config: Record<string, unknown> & { components: GradioComponent[]; dependencies: GradioDependency[] }
  info: { named_endpoints: Record<string, unknown>; unnamed_endpoints: Record<string, unknown> }
  /** The endpoint each dependency calls, by fn_index. */
  endpoints: EndpointSignature[]
}

const cache = new WeakMap<Descriptor, GradioApp>()

/**
 * @example buildGradioApp(descriptor).info.named_endpoints['/predict'].parameters[0].parameter_name // 'pixels'
 */
export function buildGradioApp(descriptor: Descriptor, version: string): GradioApp {
  const cached = cache.get(descriptor)
  if (cached) return cached
  const components: GradioComponent[] = []
  const dependencies: GradioDependency[] = []
  const named: Record<string, unknown> = {}
  const endpoints = describeModel(descriptor).endpoints
  const add = (type: GradioComponent['type'], props: Record<string, unknown>) => {
    const id = components.length + 1
    components.push({ id, type, props: { visible: true, ...props, name: type, _selectable: false } })
    return id
  }
  const seen = new Set<string>()
  for (const signature of endpoints) {
    // Two endpoints with the same name (POST and GET /predict): the second becomes predict_1.
    let apiName = signature.apiName
    for (let i = 1; seen.has(apiName); i++) apiName = `${signature.apiName}_${i}`
    seen.add(apiName)
    const inputs = signature.inputs.map((field) => add(inputComponent(field), { label: field.label, show_label: true, interactive: true, ...(field.description ? { info: field.description } : {}), ...(field.default !== undefined ? { value: field.default } : {}) }))
    const outputs = outputComponents(signature.output).map((type) => add(type, { label: type === 'label' ? signature.output.classification?.label ?? 'label' : 'output', show_label: true, interactive: false }))
    const button = add('button', { value: signature.endpoint.summary ? signature.endpoint.summary.slice(0, 60) : apiName, variant: 'primary', interactive: true })
    dependencies.push({ id: dependencies.length, api_name: apiName, inputs, outputs, targets: [[button, 'click']], queue: true, backend_fn: true, js: null, types: { generator: false, cancel: false }, trigger_mode: 'once', show_progress: 'full', show_api: true, rendered_in: null })
    named[`/${apiName}`] = { parameters: signature.inputs.map(describeParameter), returns: describeReturns(signature), show_api: true }
  }
  const app: GradioApp = {
    config: {
      version: '5.0.0',
      mode: 'blocks',
      app_id: appId(`${descriptor.name}@${version}`),
      title: descriptor.name,
      description: descriptor.description ?? '',
      protocol: 'sse_v3',
      api_prefix: API_PREFIX,
      enable_queue: true,
      show_api: true,
      is_space: false,
      connect_heartbeat: false,
      components,
      dependencies,
      layout: { id: 0, children: components.map((c) => ({ id: c.id })) },
    },
    info: { named_endpoints: named, unnamed_endpoints: {} },
    endpoints,
  }
  cache.set(descriptor, app)
  return app
}

/** A stable number per version (Gradio's app_id lets a client notice the app changed). */
function appId(ref: string): number {
  let hash = 0
  for (const char of ref) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  return hash
}
