/**
 * The merged /openapi.json: documents built from descriptors, instance documents merged under
 * their version and alias prefixes, components renamed without collisions (every $ref checked by
 * a resolver here), unusable documents turned into warnings, and the loopback fetch's limits.
 */
import assert from 'node:assert/strict'
import { viewForDocs } from '../gateway/_docs-view.js'
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import type { Descriptor } from '../descriptors/descriptor.js'
import { buildEndpointsDocument, fetchInstanceOpenApi, mergeOpenApi, type ModelApi, type OpenApiDocument } from '../gateway/openapi.js'

const GATEWAY: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Ferry gateway', version: '0.1.0' },
  paths: { '/api/versions': { get: { operationId: 'listVersions', responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/Versions' } } } } } } } },
  components: { schemas: { Versions: { type: 'array', items: { type: 'string' } } } },
}

function descriptor(name: string, api: Descriptor['api'], extra: Partial<Descriptor> = {}): Descriptor {
  return { name, version: '1.0.0', runtime: { type: 'node', entry: 'server.js' }, api, ...extra }
}

/** An instance document using refs between its own components, named like everyone else's. */
function instanceDocument(field: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'instance', version: '9' },
    servers: [{ url: 'http://127.0.0.1:9999' }],
    security: [{ key: [] }],
    paths: {
      '/predict': {
        servers: [{ url: 'http://elsewhere' }],
        post: {
          operationId: 'predict',
          tags: ['own'],
          requestBody: { $ref: '#/components/requestBodies/Body' },
          responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/Output' } } } } },
        },
      },
      '/pets/{id}': { $ref: '#/components/pathItems/Pet' },
    },
    components: {
      schemas: {
        Input: { type: 'object', properties: { [field]: { type: 'string' }, nested: { $ref: '#/components/schemas/Nested' }, example: { $ref: '#/components/schemas/Nested' } } },
        Nested: { type: 'integer', examples: [{ $ref: 'a literal, not a reference' }] },
        Output: { oneOf: [{ $ref: '#/components/schemas/Input' }], discriminator: { propertyName: 'kind', mapping: { a: '#/components/schemas/Input', b: 'Nested' } } },
      },
      requestBodies: { Body: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Input' }, example: { $ref: 'literal' } } } } },
      pathItems: { Pet: { get: { operationId: 'getPet', responses: { '200': { description: 'OK' } } } } },
      securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'x-key' } },
    },
  }
}

/** Every `$ref` string in the document (literal example values skipped) and where it sits. */
function collectRefs(node: unknown, at = '#', out: Array<[string, string]> = []): Array<[string, string]> {
  if (Array.isArray(node)) node.forEach((item, i) => collectRefs(item, `${at}/${i}`, out))
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push([at, value])
      else if (key !== 'example' && key !== 'value' && !(key === 'examples' && Array.isArray(value))) collectRefs(value, `${at}/${key}`, out)
    }
  }
  return out
}

/** Resolves a local JSON pointer (RFC 6901) against the document; undefined when it leads nowhere. */
function resolvePointer(document: unknown, ref: string): unknown {
  assert.ok(ref.startsWith('#'), `external reference ${ref}`)
  let node: unknown = document
  for (const token of ref.slice(1).split('/').slice(1)) {
    const key = token.replace(/~1/g, '/').replace(/~0/g, '~')
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

function assertRefsResolve(document: OpenApiDocument): number {
  const refs = collectRefs(document)
  for (const [at, ref] of refs) assert.notEqual(resolvePointer(document, ref), undefined, `${ref} at ${at} does not resolve`)
  return refs.length
}

function operations(document: OpenApiDocument): Array<Record<string, unknown>> {
  return Object.values(document.paths).flatMap((item) =>
    Object.entries(item).filter(([k]) => ['get', 'post', 'put', 'patch', 'delete'].includes(k)).map(([, op]) => op as Record<string, unknown>))
}

test('buildEndpointsDocument: paths, bodies, responses, examples and operation ids from the descriptor', () => {
  const doc = buildEndpointsDocument(descriptor('digit-reader', {
    health: '/health',
    endpoints: [
      {
        method: 'POST', path: '/predict', summary: 'Read a digit',
        input: { contentType: 'application/json', schema: { type: 'object', properties: { item: { $ref: '#/$defs/item' } }, $defs: { item: { type: 'string' } } } },
        output: { schema: { type: 'object', properties: { digit: { type: 'integer' } } } },
      },
      { method: 'POST', path: '/predict/image', input: { contentType: 'image/*' }, output: { contentType: 'text/plain' } },
      { method: 'GET', path: '/items/{id}' },
    ],
  }, { description: 'Reads digits.', examples: [
    { name: 'Seven', endpoint: 'POST /predict', body: { item: '7' } },
    { name: 'A file', endpoint: 'POST /predict/image', file: 'samples/7.png' },
  ] }))
  assert.equal(doc.openapi, '3.1.0')
  assert.deepEqual(doc.info, { title: 'digit-reader', version: '1.0.0', description: 'Reads digits.' })
  assert.deepEqual(Object.keys(doc.paths), ['/predict', '/predict/image', '/items/{id}'])
  const predict = doc.paths['/predict']!.post as any
  assert.equal(predict.operationId, 'digit_reader_post_predict')
  assert.equal(predict.summary, 'Read a digit')
  const json = predict.requestBody.content['application/json']
  assert.deepEqual(json.examples, { Seven: { summary: 'Seven', value: { item: '7' } } })
  assert.deepEqual(resolvePointer(doc, json.schema.$ref), { type: 'object', properties: { item: { $ref: '#/components/schemas/post_predict_input/$defs/item' } }, $defs: { item: { type: 'string' } } })
  assert.ok(predict.responses['200'].content['application/json'].schema.$ref)
  const image = doc.paths['/predict/image']!.post as any
  assert.equal(image.operationId, 'digit_reader_post_predict_image')
  assert.deepEqual(image.requestBody.content['image/*'].schema, { type: 'string', format: 'binary', contentMediaType: 'image/*' })
  assert.equal(image.requestBody.content['image/*'].examples, undefined, 'file examples are not inlined')
  assert.deepEqual(image.responses['200'].content, { 'text/plain': { schema: { type: 'string' } } })
  const item = doc.paths['/items/{id}']!.get as any
  assert.deepEqual(item.parameters, [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }])
  assert.equal(item.requestBody, undefined)
  assertRefsResolve(doc)
})

test('mergeOpenApi: gateway paths kept, each model under its version, its aliases and latest', () => {
  const ocr: ModelApi = { name: 'ocr', version: '1.2.0', aliases: ['stable', 'latest'], descriptor: descriptor('ocr', { health: '/h', endpoints: [{ method: 'POST', path: '/predict', output: { schema: { type: 'object' } } }] }) }
  const old: ModelApi = { ...ocr, version: '1.0.0', aliases: [] }
  const merged = mergeOpenApi(GATEWAY, [ocr, old])
  assert.equal(merged.openapi, '3.1.0')
  assert.deepEqual(merged.info, { title: 'Ferry', version: '0.1.0' })
  assert.deepEqual(Object.keys(merged.paths), ['/api/versions', '/models/ocr@1.0.0/predict', '/models/ocr@1.2.0/predict',
    '/models/ocr@latest/predict', '/models/ocr/predict', '/models/ocr@stable/predict'])
  assert.deepEqual(merged.tags?.map((t) => t.name), ['ocr@1.0.0', 'ocr@1.2.0'])
  assert.match(merged.tags![1]!.description!, /\/models\/ocr@stable, .*\/models\/ocr\./)
  const ids = operations(merged).map((op) => op.operationId)
  assert.equal(new Set(ids).size, ids.length, `operationIds are unique: ${ids.join(' ')}`)
  assert.deepEqual((merged.paths['/models/ocr/predict']!.post as any).tags, ['ocr@1.2.0'])
  assert.equal(merged['x-ferry-warnings'], undefined)
  assert.ok(assertRefsResolve(merged) >= 3)
  assert.deepEqual(GATEWAY.paths['/api/versions']!.get && Object.keys(GATEWAY.paths), ['/api/versions'], 'the input is not changed')

  // What /docs shows (issue 15): each endpoint once per version, the path clients call kept.
  const view = viewForDocs(merged)
  assert.deepEqual(Object.keys(view.paths), ['/api/versions', '/models/ocr@1.0.0/predict', '/models/ocr/predict'])
  assert.equal((view.paths['/models/ocr/predict']!.post as any).description, 'Also served at `/models/ocr@1.2.0/predict`, `/models/ocr@latest/predict`, `/models/ocr@stable/predict`.')
  assert.equal(view.paths['/models/ocr/predict']!['x-ferry-copy-of'], undefined)
  assert.ok(merged.paths['/models/ocr@latest/predict'], 'the full document is not changed')
  assert.ok(assertRefsResolve(view) >= 1)
})

test('mergeOpenApi: two instance documents with the same schema names both survive, refs rewritten', () => {
  const models: ModelApi[] = [
    { name: 'alpha', version: '1.0.0', aliases: ['latest'], descriptor: descriptor('alpha', { health: '/h', openapi: '/openapi.json' }), document: instanceDocument('alphaField') },
    { name: 'beta', version: '2.0.0-rc.1', aliases: [], descriptor: descriptor('beta', { health: '/h', openapi: '/openapi.json' }), document: instanceDocument('betaField') },
  ]
  const merged = mergeOpenApi(GATEWAY, models)
  const schemas = merged.components!.schemas!
  assert.ok(schemas.Versions, 'the gateway\'s schemas are kept')
  assert.deepEqual(Object.keys((schemas['alpha_1.0.0_Input'] as any).properties), ['alphaField', 'nested', 'example'])
  assert.deepEqual(Object.keys((schemas['beta_2.0.0-rc.1_Input'] as any).properties), ['betaField', 'nested', 'example'])
  assert.equal((schemas['alpha_1.0.0_Input'] as any).properties.example.$ref, '#/components/schemas/alpha_1.0.0_Nested', 'a property named "example" is still a schema')
  assert.deepEqual((schemas['beta_2.0.0-rc.1_Output'] as any).discriminator.mapping, { a: '#/components/schemas/beta_2.0.0-rc.1_Input', b: 'beta_2.0.0-rc.1_Nested' })
  assert.deepEqual((schemas['alpha_1.0.0_Nested'] as any).examples, [{ $ref: 'a literal, not a reference' }])
  assert.ok(merged.components!.securitySchemes!['alpha_1.0.0_key'])
  assertRefsResolve(merged)

  const predict = merged.paths['/models/alpha@1.0.0/predict']! as any
  assert.equal(predict.servers, undefined)
  assert.equal(merged.servers, undefined)
  assert.deepEqual(predict.post.tags, ['alpha@1.0.0'])
  assert.deepEqual(predict.post.security, [{ 'alpha_1.0.0_key': [] }])
  assert.equal(predict.post.operationId, 'alpha_1_0_0_predict')
  assert.equal((merged.paths['/models/alpha/predict']!.post as any).operationId, 'alpha_predict')
  assert.equal(merged.paths['/models/beta@2.0.0-rc.1/pets/{id}']!.$ref, '#/components/pathItems/beta_2.0.0-rc.1_Pet')
  assert.ok(merged.paths['/models/alpha@latest/predict'])
  assert.equal(merged.paths['/models/beta/predict'], undefined, 'beta has no latest alias')
})

test('mergeOpenApi: an unusable instance document is a warning, and the descriptor\'s endpoints stand in', () => {
  const api = { health: '/h', openapi: '/openapi.json', endpoints: [{ method: 'GET' as const, path: '/info' }] }
  const cases: Array<[unknown, RegExp]> = [
    ['<html>', /not a JSON object/],
    [[1, 2], /not a JSON object/],
    [{ openapi: '3.1.0', info: {} }, /no "paths"/],
    [{ swagger: '2.0', paths: {} }, /Swagger 2\.0/],
  ]
  for (const [document, reason] of cases) {
    const merged = mergeOpenApi(GATEWAY, [{ name: 'm', version: '1.0.0', aliases: [], descriptor: descriptor('m', api), document }])
    assert.match(merged['x-ferry-warnings']![0]!, reason)
    assert.ok(merged.paths['/models/m@1.0.0/info']?.get, 'built from the endpoints instead')
  }
  const none = mergeOpenApi(GATEWAY, [{ name: 'm', version: '1.0.0', aliases: [], descriptor: descriptor('m', { health: '/h', openapi: '/o' }), document: 42 }])
  assert.equal(none['x-ferry-warnings']!.length, 2)
  assert.deepEqual(Object.keys(none.paths), ['/api/versions'])
  // 3.0 documents are accepted as they are.
  const v30 = mergeOpenApi(GATEWAY, [{ name: 'm', version: '1.0.0', aliases: [], descriptor: descriptor('m', api), document: { openapi: '3.0.3', info: { title: 'x', version: '1' }, paths: { '/x': { get: { responses: { '200': { description: 'OK' } } } } } } }])
  assert.equal(v30['x-ferry-warnings'], undefined)
  assert.equal((v30.paths['/models/m@1.0.0/x']!.get as any).operationId, 'm_1_0_0_get_x')
})

async function startServer(t: TestContext, handler: RequestListener): Promise<number> {
  const server = createServer(handler)
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

test('fetchInstanceOpenApi: JSON from the instance, undefined on any failure, never throws', async (t) => {
  const port = await startServer(t, (request, response) => {
    if (request.url === '/openapi.json') response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ openapi: '3.1.0', paths: {} }))
    else if (request.url === '/broken') response.writeHead(200).end('{not json')
    else if (request.url === '/huge') {
      response.writeHead(200)
      const chunk = 'x'.repeat(1024 * 1024)
      for (let i = 0; i < 6; i++) response.write(chunk)
      response.end()
    } else if (request.url === '/slow') setTimeout(() => response.end('{}'), 2000)
    else if (request.url === '/moved') response.writeHead(302, { location: '/openapi.json' }).end()
    else response.writeHead(404).end()
  })
  assert.deepEqual(await fetchInstanceOpenApi(port, '/openapi.json'), { openapi: '3.1.0', paths: {} })
  assert.equal(await fetchInstanceOpenApi(port, '/missing'), undefined)
  assert.equal(await fetchInstanceOpenApi(port, '/broken'), undefined)
  assert.equal(await fetchInstanceOpenApi(port, '/huge'), undefined)
  assert.equal(await fetchInstanceOpenApi(port, '/moved'), undefined)
  assert.equal(await fetchInstanceOpenApi(port, '/slow', 100), undefined)
  assert.equal(await fetchInstanceOpenApi(port, '//evil.example/x'), undefined)
  assert.equal(await fetchInstanceOpenApi(1, '/openapi.json', 500), undefined, 'connection refused')
})
