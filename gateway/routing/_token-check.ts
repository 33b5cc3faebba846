/**
 * A model's token check against the table: the bearer secret's sha256 is one of the hashes the
 * table lists for it. The table holds hashes only, so no plaintext token is ever in it (or in a
 * configuration rendered from it).
 */
import { createHash } from 'node:crypto'
import type { ModelRoute } from './routing-table.js'

const BEARER = /^Bearer\s+(\S+)\s*$/i

/** Whether `authorization` may run inference on `model` (always true when the model is open). */
export function checkInferenceToken(model: ModelRoute, authorization: string | undefined): boolean {
  if (!model.auth.required) return true
  const secret = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1]
  if (secret === undefined) return false
  const hash = createHash('sha256').update(secret).digest('hex')
  return model.auth.tokenSha256.includes(hash)
}
