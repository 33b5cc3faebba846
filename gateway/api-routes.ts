/**
 * The management API under /api (token-protected by app.ts): packages, deployments, instances,
 * models and aliases. Each route is a thin translation to the Deployer; its FerryErrors become
 * JSON responses with their own status in app.ts.
 */
import { extname } from 'node:path'
import { Readable } from 'node:stream'
import { Hono } from 'hono'
import type { Deployer } from '../deployer/index.js'
import { hashToken } from './admin-token.js'
import { readJsonBody } from './_json-body.js'
import { readMultipartFile } from './_multipart-upload.js'
import { createGatewayError } from './errors.js'
import { pathAfter } from './_url-encoding.js'
import { queryFlag } from './_query.js'
import { createStreamRoutes } from './stream-routes.js'
import { viewSigners } from './trust/signer-view.js'
import { addSignedPackage, decodeSignature, SIGNATURE_HEADER, type SigningPolicy } from './trust/upload-signature.js'

/** Content types of the package files the console shows (sample inputs); anything else is bytes. */
const FILE_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp',
  '.json': 'application/json', '.txt': 'text/plain; charset=utf-8', '.csv': 'text/csv; charset=utf-8', '.md': 'text/markdown; charset=utf-8',
}

const ZIP_TYPES = /^(application\/(zip|x-zip-compressed|octet-stream))\b/i

/** Routes for `deployer`, mounted at /api; `maxUploadBytes` caps package uploads (413 beyond); `signing` checks their signatures. */
export function createApiRoutes(deployer: Deployer, maxUploadBytes: number, signing: SigningPolicy): Hono {
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
    // The package's signature travels beside it (gateway/trust/upload-signature.ts).
    const headerSignature = decodeSignature(c.req.header(SIGNATURE_HEADER), 'the X-Ferry-Signature header')
    const store = (file: Readable, filename?: string, fields: Record<string, string> = {}) => {
      const where = headerSignature || !multipart ? 'the X-Ferry-Signature header' : 'the multipart field "signature"'
      return addSignedPackage(deployer, signing, file, headerSignature ?? decodeSignature(fields['signature'], where), { where, maxBytes: maxUploadBytes, label: filename ? `the upload "${filename}"` : 'the upload' })
    }
    const pkg = multipart ? await readMultipartFile(stream, type, store) : await store(stream)
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
    const body = await readJsonBody(c, { package: { type: 'string', required: true }, replicas: { type: 'number' }, alias: { type: 'string' }, wait: { type: 'boolean' }, bump: { type: 'boolean' } })
    const info = await deployer.deploy(body as never)
    return c.json(info, body['wait'] === false ? 202 : 201)
  })

  api.get('/instances', (c) => c.json(deployer.list()))
  api.get('/instances/:ref', (c) => c.json(deployer.get(c.req.param('ref'))))
  api.post('/instances/:ref/stop', async (c) => c.json(await deployer.stop(c.req.param('ref'), { force: queryFlag(c, 'force') })))
  api.post('/instances/:ref/start', async (c) => c.json(await deployer.start(c.req.param('ref'))))
  api.post('/instances/:ref/restart', async (c) => c.json(await deployer.restart(c.req.param('ref'))))
  api.delete('/instances/:ref', async (c) => c.json(await deployer.remove(c.req.param('ref'), { force: queryFlag(c, 'force') })))

  api.get('/models', (c) => c.json(deployer.listModels()))
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
  return api
}
