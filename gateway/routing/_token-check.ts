/**
 * A model's token check against the table: the bearer secret's sha256 is one of the hashes the
 * table lists for it (compared in constant time, as the admin token is). The table holds hashes
 * only, so no plaintext token is ever in it (or in a configuration rendered from it).
 */
import { isAuthorizedByHash } from '../admin-token.js'
import type { ModelRoute } from './routing-table.js'

/** Whether `authorization` may run inference on `model` (always true when the model is open). */
export function checkInferenceToken(model: ModelRoute, authorization: string | undefined): boolean {
  if (!model.auth.required) return true
  return model.auth.tokenSha256.some((hash) => isAuthorizedByHash(authorization, hash))
}
