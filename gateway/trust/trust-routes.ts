/**
 * `/api/trust`: the keys whose signatures this server trusts (admin only: the whole prefix is
 * classed as admin by the token roles). GET lists them with whether uploads must be signed; POST
 * `{publicKey, name?}` trusts a key (201, or 200 when it was trusted already); DELETE removes one.
 * Removing a key never changes the signer recorded on packages uploaded before.
 */
import { Hono } from 'hono'
import { readJsonBody } from '../_json-body.js'
import { createGatewayError } from '../errors.js'
import type { SigningPolicy } from './upload-signature.js'

export function createTrustRoutes(policy: SigningPolicy): Hono {
  const trust = new Hono()
  trust.get('/trust', async (c) => c.json({ requireSigned: policy.requireSigned, keys: await policy.keys.list() }))
  trust.get('/trust/:keyId', async (c) => {
    const key = await policy.keys.get(c.req.param('keyId'))
    if (!key) throw createGatewayError('E_TRUSTED_KEY_NOT_FOUND', `no trusted key ${c.req.param('keyId')}`, { details: { keyId: c.req.param('keyId') } })
    return c.json(key)
  })
  trust.post('/trust', async (c) => {
    const body = await readJsonBody(c, { publicKey: { type: 'string', required: true }, name: { type: 'string' } })
    const { key, created } = await policy.keys.add(body['publicKey'] as string, body['name'] as string | undefined)
    return c.json(key, created ? 201 : 200)
  })
  trust.delete('/trust/:keyId', async (c) => {
    await policy.keys.remove(c.req.param('keyId'))
    return c.body(null, 204)
  })
  return trust
}
