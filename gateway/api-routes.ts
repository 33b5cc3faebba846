/**
 * The management API under /api (token-protected by app.ts): packages, deployments, instances,
 * models and aliases. Each route is a thin translation to the Deployer; its FerryErrors become
 * JSON responses with their own status in app.ts.
 */
import { extname } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { Hono } from 'hono'
import { parseRef, type Deployer } from '../deployer/index.js'
import { hashToken } from './admin-token.js'
import { readJsonBody } from './_json-body.js'
import { readMultipartFile } from './_multipart-upload.js'
import { createGatewayError } from './errors.js'
import { pathAfter } from './_url-encoding.js'
import { queryFlag } from './_query.js'
import { createStreamRoutes } from './stream-routes.js'
import { createRolloutRoutes, ROLLOUT_BODY_FIELDS } from './rollouts/rollout-routes.js'
import { viewSigners } from './trust/signer-view.js'
import type { StepReport } from './pipelines/step-report.js'
import { addSignedPackage, decodeSignature, SIGNATURE_HEADER, type SigningPolicy } from './trust/upload-signature.js'

/** Content types of the package files the console shows (sample inputs); anything else is bytes. */
const FILE_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp',
  '.json': 'application/json', '.txt': 'text/plain; charset=utf-8', '.csv': 'text/csv; charset=utf-8', '.md': 'text/markdown; charset=utf-8',
}

const ZIP_TYPES = /^(application\/(zip|x-zip-compressed|octet-stream))\b/i

/** How long a refused upload's remaining bytes are read (and dropped) before the answer is sent anyway. */
const DRAIN_MS = 10_000

/**
 * Stores a raw upload through a pass-through, so a store that fails midway (disk full, a limit)
 * does not destroy the request: the rest of the body is read and dropped before the error is
 * answered, as HTTP clients expect (an answer cut off mid-upload is "other side closed" to them).
 */
async function storeReadingToTheEnd<T>(request: Readable, store: (file: Readable) => Promise<T>): Promise<T> {
  const through = new PassThrough()
  // pipe() forwards data, not errors: a client leaving mid-upload must fail the store, not go unhandled.
  request.once('error', (error) => through.destroy(error))
  request.pipe(through)
  try {
    return await store(through)
  } catch (error) {
    request.unpipe(through)
    if (!request.readableEnded && !request.destroyed) {
      request.resume()
      await Promise.race([finished(request).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())])
    }
    throw error
  }
}

/**
 * Routes for `deployer`, mounted at /api; `maxUploadBytes` caps package uploads (413 beyond);
 * `signing` checks their signatures; `inferenceTokens` names the active inference tokens of a model (listed with it).
 */
export function createApiRoutes(deployer: Deployer, maxUploadBytes: number, signing: SigningPolicy, options: { inferenceTokens?: (model: string) => string[]; pipelineSteps?: (name: string, version: string) => StepReport | undefined } = {}): Hono {
  const api = new Hono()

  api.post('/packages', async (c) => {
    const type = c.req.header('content-type') ?? ''
    const multipart = /^multipart\/form-data\b/i.test(type)
    if (!ZIP_TYPES.test(type) && !multipart) throw createGatewayError('E_UNSUPPORTED_MEDIA_TYPE', `upload the zip as application/zip or multipart/form-data, not "${type || 'no content type'}"`, { details: { contentType: type } })
    const declared = Number(c.req.header('content-length') ?? NaN)
    if (declared > maxUploadBytes) throw createGatewayError('E_PAYLOAD_TOO_LARGE', `the package is ${declared} bytes; the limit is ${maxUploadBytes}`, { details: { limit: maxUploadBytes } })
    const body = c.req.raw.body
    if (!body) throw createGatewayError('E_BODY_INVALID', 'the body is empty: send the package zip')
    const stream = Readable.fromWeb(body as never)
    // Refusals name the upload (its file name when the form gives one), never the server's own files.
    // The package's signature travels beside it (gateway/trust/upload-signature.ts): the header, or a form field before the file.
    const store = async (file: Readable, filename?: string, fields: Record<string, string> = {}) => {
      const header = c.req.header(SIGNATURE_HEADER)
      const where = header !== undefined || !multipart ? 'the X-Ferry-Signature header' : 'the multipart field "signature"'
      return addSignedPackage(deployer, signing, file, decodeSignature(header ?? fields['signature'], where), { where, maxBytes: maxUploadBytes, label: filename ? `the upload "${filename}"` : 'the upload' })
    }
    const pkg = multipart ? await readMultipartFile(stream, type, store) : await storeReadingToTheEnd(stream, (file) => store(file))
    const [view] = viewSigners([pkg], await signing.keys.list())
    return c.json({ digest: pkg.digest, name: pkg.name, version: pkg.version, size: pkg.size, created: pkg.created, signer: view!.signer }, pkg.created ? 201 : 200)
  })
  api.get('/packages', async (c) => c.json(viewSigners(deployer.listPackages().map(({ descriptor: _d, manifest: _m, ...summary }) => summary), await signing.keys.list())))
  api.get('/packages/:digest', async (c) => c.json(viewSigners([deployer.getPackage(c.req.param('digest'))], await signing.keys.list())[0]))
  api.get('/packages/:digest/files/*', async (c) => {
    const path = pathAfter(c.req.url, `/packages/${c.req.param('digest')}/files/`)
    const file = await deployer.openPackageFile(c.req.param('digest'), path)
    return c.body(Readable.toWeb(file.stream) as ReadableStream, 200, {
      'content-type': FILE_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(file.size),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
    })
  })
  api.delete('/packages/:digest', async (c) => {
    await deployer.removePackage(c.req.param('digest'))
    return c.body(null, 204)
  })

  api.post('/deployments', async (c) => {
    const body = await readJsonBody(c, { package: { type: 'string', required: true }, replicas: { type: 'number' }, alias: { type: 'string' }, wait: { type: 'boolean' }, bump: { type: 'boolean' }, ...ROLLOUT_BODY_FIELDS })
    const info = await deployer.deploy(body as never)
    return c.json(info, body['wait'] === false ? 202 : 201)
  })

  api.get('/instances', (c) => c.json(deployer.list()))
  api.get('/instances/:ref', (c) => c.json(deployer.get(c.req.param('ref'))))
  // A pipeline version's steps graph: what each call step reaches now and what each has done
  // (gateway/pipelines/step-report.ts). `:ref` is name, name@version or name@alias.
  api.get('/instances/:ref/steps', (c) => {
    const asked = parseRef(c.req.param('ref'))
    const { ref, name, version } = deployer.resolveTarget(asked.name, asked.version ?? 'latest')
    const report = options.pipelineSteps?.(name, version)
    if (!report) throw createGatewayError('E_NOT_A_PIPELINE', `${ref} has no steps: it is not a pipeline`, { details: { ref } })
    return c.json(report)
  })
  api.post('/instances/:ref/stop', async (c) => c.json(await deployer.stop(c.req.param('ref'), { force: queryFlag(c, 'force') })))
  api.post('/instances/:ref/start', async (c) => c.json(await deployer.start(c.req.param('ref'))))
  api.post('/instances/:ref/restart', async (c) => c.json(await deployer.restart(c.req.param('ref'))))
  api.delete('/instances/:ref', async (c) => c.json(await deployer.remove(c.req.param('ref'), { force: queryFlag(c, 'force') })))

  api.get('/models', (c) => c.json(deployer.listModels().map((m) => {
    const named = options.inferenceTokens?.(m.name) ?? []
    // inferenceTokenRequired: inference needs some token; modelTokenSet: the model's own one (PUT …/token).
    return { ...m, inferenceTokenRequired: m.inferenceTokenRequired || named.length > 0, modelTokenSet: m.inferenceTokenRequired, inferenceTokens: named }
  })))
  api.put('/models/:name/aliases/:alias', async (c) => {
    const body = await readJsonBody(c, { version: { type: 'string', required: true } })
    deployer.setAlias(c.req.param('name'), c.req.param('alias'), body['version'] as string)
    return c.json({ name: c.req.param('name'), alias: c.req.param('alias'), version: body['version'] })
  })
  api.delete('/models/:name/aliases/:alias', (c) => {
    deployer.removeAlias(c.req.param('name'), c.req.param('alias'))
    return c.body(null, 204)
  })
  api.put('/models/:name/token', async (c) => {
    const body = await readJsonBody(c, { token: { type: 'string', required: true } })
    const token = body['token'] as string
    if (token.length < 16) throw createGatewayError('E_BODY_INVALID', 'an inference token must be at least 16 characters', { path: '/token' })
    deployer.setInferenceTokenHash(c.req.param('name'), hashToken(token))
    return c.json({ name: c.req.param('name'), inferenceTokenRequired: true })
  })
  api.delete('/models/:name/token', (c) => {
    deployer.setInferenceTokenHash(c.req.param('name'), undefined)
    return c.json({ name: c.req.param('name'), inferenceTokenRequired: false })
  })
  api.route('/', createStreamRoutes(deployer))
  api.route('/', createRolloutRoutes(deployer))
  return api
}
