/**
 * Try it: pick a version (or alias) and one of its endpoints; the form is built from the
 * endpoint's input (see try/form-kind.ts); the answer shows with its time and the version that
 * answered. Requests go through the gateway's /models/name@selector/… like any client's.
 */
import { api, authHeaders, seg } from '../api.js'
import { endpointPath, type CapturedExchange } from '../components/captured-body.js'
import { errorBox } from '../components/notice.js'
import { descriptorOfDigest, endpointsOf } from '../descriptor.js'
import { field, h, replace } from '../dom.js'
import { currentInstances, refreshInstances } from '../live.js'
import { href, type Cleanup, type Route } from '../router.js'
import { compareVersions } from '../semver.js'
import { digitsForm } from '../try/digits-form.js'
import { chooseForm } from '../try/form-kind.js'
import { imageForm } from '../try/image-form.js'
import { jsonForm } from '../try/json-form.js'
import { responseView } from '../try/response-view.js'
import { textForm } from '../try/text-form.js'
import type { SampleSource, TryForm } from '../try/try-form.js'
import type { Descriptor, Endpoint, InstanceInfo } from '../types.js'
import { openApiDocument } from '../openapi-doc.js'

const endpointKey = (e: Endpoint) => `${e.method} ${e.path}`

function examplesFor(descriptor: Descriptor, endpoint: Endpoint): Array<{ name: string; body: unknown }> {
  return (descriptor.examples ?? []).filter((x) => x.endpoint === endpointKey(endpoint) && x.body !== undefined).map((x) => ({ name: x.name, body: x.body }))
}

/** Package sample files (examples[].file) through GET /api/packages/:digest/files/<path>, when the server offers it. */
async function sampleSource(descriptor: Descriptor, digest: string, endpoint: Endpoint): Promise<SampleSource | undefined> {
  const list = (descriptor.examples ?? []).filter((x) => x.file && x.endpoint === endpointKey(endpoint)).map((x) => ({ name: x.name, file: x.file!, ...(x.contentType ? { contentType: x.contentType } : {}) }))
  if (list.length === 0) return undefined
  const fetchFile = async (file: string) => {
    const response = await fetch(`/api/packages/${digest}/files/${file.split('/').map(encodeURIComponent).join('/')}`, { headers: authHeaders() })
    if (!response.ok) throw new Error(`${file}: ${response.status}`)
    return response.blob()
  }
  try { await fetchFile(list[0]!.file) } catch { return undefined }
  return { list, fetch: fetchFile }
}

/**
 * The image types an endpoint takes besides its declared input: those its version's part of
 * /openapi.json lists for it, and those of the descriptor's image examples for it (the digits
 * model takes {pixels} or a PNG or JPEG on the same /predict).
 */
async function alsoImages(descriptor: Descriptor, ref: string, endpoint: Endpoint): Promise<string[]> {
  const types = new Set((descriptor.examples ?? []).filter((x) => x.endpoint === endpointKey(endpoint) && x.file && x.contentType?.startsWith('image/')).map((x) => x.contentType!))
  try {
    const doc = (await openApiDocument()) as { paths?: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>> }
    const content = doc.paths?.[`/models/${ref}${endpoint.path}`]?.[endpoint.method.toLowerCase()]?.requestBody?.content ?? {}
    for (const type of Object.keys(content)) if (type.startsWith('image/')) types.add(type)
  } catch { /* the examples are enough */ }
  return [...types]
}

async function buildForm(descriptor: Descriptor, instance: InstanceInfo, endpoint: Endpoint, example: unknown): Promise<TryForm | undefined> {
  const digest = instance.digest
  const kind = chooseForm(endpoint)
  switch (kind.kind) {
    case 'image': return imageForm({ contentType: kind.contentType, multipartField: kind.multipartField, samples: await sampleSource(descriptor, digest, endpoint) })
    case 'digits': {
      const images = await alsoImages(descriptor, instance.ref, endpoint)
      if (images.length === 0) return digitsForm(example)
      const samples = await sampleSource(descriptor, digest, endpoint)
      const imageSamples = samples && { ...samples, list: samples.list.filter((s) => s.contentType?.startsWith('image/')) }
      return digitsForm(example, imageForm({ contentType: images.length === 1 ? images[0]! : 'image/*', samples: imageSamples }))
    }
    case 'text': return textForm({ field: kind.field, example })
    case 'plain': return textForm({ contentType: kind.contentType, example })
    case 'none': return undefined
    case 'json': return jsonForm(example)
  }
}

export function renderTry(main: HTMLElement, route: Route): Cleanup {
  const name = route.params['name']!
  let instances: InstanceInfo[] = []
  let descriptor: Descriptor | undefined
  let endpoints: Endpoint[] = []
  let form: TryForm | undefined
  const versionSelect = h('select', { name: 'version' })
  const endpointSelect = h('select', { name: 'endpoint' })
  const token = h('input', { type: 'password', autocomplete: 'off', placeholder: 'only if the model requires one' })
  const formHost = h('div', { class: 'form-host' })
  const exampleSelect = h('select', { name: 'example' })
  const exampleField = field('Example', exampleSelect, 'From the descriptor\'s examples.')
  const summary = h('p', { class: 'muted' })
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send')
  const result = h('section', { class: 'card try-result', 'aria-live': 'polite', 'aria-labelledby': 'response-heading', hidden: true })
  let generation = 0
  let left = false
  /** A captured request to send again (?replay=<request id>): its endpoint and its body, parsed when JSON. */
  let replayed: { endpoint: string; body: unknown } | undefined
  const replayId = route.query.get('replay')
  const replayLoaded = replayId ? api.get<CapturedExchange>(`/requests/${seg(replayId)}/body`).then((c) => {
    let body: unknown = c.request.text
    try { body = JSON.parse(c.request.text ?? '') } catch { /* sent as text */ }
    replayed = { endpoint: `${c.method} ${endpointPath(c.path)}`, body }
  }, () => undefined) : Promise.resolve()

  const selectedInstance = () => {
    const selector = versionSelect.value
    return instances.find((i) => i.version === selector) ?? instances.find((i) => i.aliases.includes(selector))
  }

  async function loadEndpoint(): Promise<void> {
    const endpoint = endpoints.find((e) => endpointKey(e) === endpointSelect.value)
    const instance = selectedInstance()
    if (!endpoint || !descriptor || !instance) return
    const mine = ++generation
    summary.textContent = endpoint.summary ?? ''
    const examples = examplesFor(descriptor, endpoint)
    exampleField.hidden = examples.length === 0
    if (exampleSelect.dataset['endpoint'] !== endpointKey(endpoint)) {
      exampleSelect.dataset['endpoint'] = endpointKey(endpoint)
      replace(exampleSelect, examples.map((x, i) => h('option', { value: String(i) }, x.name)))
    }
    const built = await buildForm(descriptor, instance, endpoint, replayed?.endpoint === endpointKey(endpoint) ? replayed.body : examples[Number(exampleSelect.value || 0)]?.body)
    if (mine !== generation) return
    form = built
    replace(formHost, form?.element ?? h('p', { class: 'muted' }, 'This endpoint takes no body.'))
  }

  async function loadVersion(): Promise<void> {
    const instance = selectedInstance()
    if (!instance) return
    try {
      descriptor = await descriptorOfDigest(instance.digest)
      delete exampleSelect.dataset['endpoint']
      endpoints = await endpointsOf(descriptor, instance.ref)
      const wanted = route.query.get('endpoint') ?? endpointSelect.value
      replace(endpointSelect, endpoints.map((e) => h('option', { value: endpointKey(e), selected: endpointKey(e) === wanted }, `${endpointKey(e)}${e.summary ? ` — ${e.summary}` : ''}`)))
      await loadEndpoint()
    } catch (error) {
      replace(formHost, errorBox(error, 'Could not read the version\'s descriptor'))
    }
  }

  const formEl = h('form', { class: 'card try-form' },
    h('div', { class: 'row' }, field('Version or alias', versionSelect), field('Endpoint', endpointSelect)),
    summary, exampleField, formHost,
    h('details', null, h('summary', null, 'Inference token'), field('Model token', token, 'Sent as Authorization: Bearer … when the model requires one.')),
    h('div', { class: 'button-row' }, send))
  // Ctrl+Enter (Cmd+Enter on a Mac) sends from anywhere on the page, the JSON box included.
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !send.disabled && formEl.isConnected) {
      event.preventDefault()
      formEl.requestSubmit(send)
    }
  }
  document.addEventListener('keydown', onKey)
  send.setAttribute('aria-keyshortcuts', 'Control+Enter Meta+Enter')
  send.title = 'Ctrl+Enter (⌘+Enter)'
  formEl.addEventListener('submit', async (event) => {
    event.preventDefault()
    const endpoint = endpoints.find((e) => endpointKey(e) === endpointSelect.value)
    if (!endpoint) return
    send.disabled = true
    try {
      const request = form ? await form.build() : {}
      const headers: Record<string, string> = {}
      if (request.contentType) headers['content-type'] = request.contentType
      if (token.value) headers['authorization'] = `Bearer ${token.value}`
      const url = `/models/${encodeURIComponent(name)}@${encodeURIComponent(versionSelect.value)}${endpoint.path}`
      result.hidden = false
      replace(result, h('h2', { id: 'response-heading' }, 'Response'), h('p', { class: 'muted' }, `Sending ${endpoint.method} ${url}…`))
      const started = performance.now()
      const response = await fetch(url, { method: endpoint.method, headers, ...(request.body !== undefined ? { body: request.body } : {}) })
      const body = await response.blob()
      const ms = performance.now() - started
      replace(result, h('h2', { id: 'response-heading' }, 'Response'), h('p', { class: 'muted small' }, h('code', null, `${endpoint.method} ${url}`)), await responseView({ response, body, ms, image: request.image }))
    } catch (error) {
      result.hidden = false
      replace(result, h('h2', { id: 'response-heading' }, 'Response'), errorBox(error))
    } finally {
      send.disabled = false
    }
  })

  versionSelect.addEventListener('change', () => void loadVersion())
  endpointSelect.addEventListener('change', () => void loadEndpoint())
  exampleSelect.addEventListener('change', () => void loadEndpoint())

  const head = h('div', { class: 'page-head' }, h('div', null, h('p', { class: 'crumbs' }, h('a', { href: href('models', name) }, name), ' / try it'), h('h1', { tabindex: '-1' }, `Try ${name}`)))
  replace(main, head, h('p', { class: 'muted' }, 'Loading…'))

  void (async () => {
    try {
      await refreshInstances()
    } catch (error) {
      if (!left) replace(main, head, errorBox(error))
      return
    }
    await replayLoaded
    if (left) return
    instances = currentInstances().filter((i) => i.name === name).sort((a, b) => compareVersions(b.version, a.version))
    if (instances.length === 0) {
      replace(main, head, h('div', { class: 'empty' }, h('p', null, `${name} has no versions.`), h('a', { class: 'button primary', href: href('deploy') }, 'Deploy one')))
      return
    }
    const aliases = [...new Set(instances.flatMap((i) => i.aliases))].sort((a, b) => (a === 'latest' ? -1 : b === 'latest' ? 1 : a.localeCompare(b)))
    const wanted = route.query.get('version') ?? aliases[0] ?? instances[0]!.version
    replace(versionSelect,
      aliases.length ? h('optgroup', { label: 'Aliases' }, aliases.map((a) => h('option', { value: a, selected: a === wanted }, `${a} → ${instances.find((i) => i.aliases.includes(a))!.version}`))) : null,
      h('optgroup', { label: 'Versions' }, instances.map((i) => h('option', { value: i.version, selected: i.version === wanted }, `${i.version} (${i.state})`))))
    replace(main, head, formEl, result)
    await loadVersion()
  })()
  return () => { generation++; left = true; document.removeEventListener('keydown', onKey) }
}
