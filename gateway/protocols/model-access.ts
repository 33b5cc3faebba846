/**
 * What a protocol route needs to know about the model it names before calling it: the version a
 * `name[@version|@alias]` target resolves to now (with its descriptor), and whether the client may
 * call it (the model's inference token, checked like the proxy checks it).
 */
import type { Deployer } from '../../deployer/index.js'
import type { Descriptor } from '../../descriptors/descriptor.js'
import { isAuthorizedByHash } from '../admin-token.js'
import { createGatewayError } from '../errors.js'

export interface ModelTarget {
  name: string
  /** The selector as the client wrote it (`latest` when absent); calls go through it, so rollouts apply. */
  selector: string
  version: string
  descriptor: Descriptor
}

/** `digits`, `digits@1.0.0` or `digits@stable` → its name and selector. */
export function splitTarget(target: string): { name: string; selector: string } {
  const at = target.indexOf('@')
  return at === -1 ? { name: target, selector: 'latest' } : { name: target.slice(0, at), selector: target.slice(at + 1) || 'latest' }
}

/** Resolves a target; throws the deployer's 404 for an unknown model or version. */
export function resolveModel(deployer: Deployer, target: string): ModelTarget {
  const { name, selector } = splitTarget(target)
  const resolved = deployer.resolveTarget(name, selector)
  return { name, selector, version: resolved.version, descriptor: resolved.descriptor }
}

/** Throws E_MODEL_TOKEN_REQUIRED when the model has a token and `authorization` does not carry it. */
export function checkModelToken(deployer: Deployer, name: string, authorization: string | undefined): void {
  const hash = deployer.inferenceTokenHash(name)
  if (hash !== undefined && !isAuthorizedByHash(authorization, hash)) {
    throw createGatewayError('E_MODEL_TOKEN_REQUIRED', `inference on ${name} requires its token`, { details: { name } })
  }
}
