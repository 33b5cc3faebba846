/**
 * Named tokens with roles: created (the secret is returned once and kept only as its sha256),
 * listed, revoked. Active tokens are also held in memory by hash, so a request is checked without
 * touching the database and a revocation takes effect on the very next request.
 */
import type Database from 'better-sqlite3'
import { randomBytes, randomUUID } from 'node:crypto'
import { hashToken } from '../admin-token.js'
import { createGatewayError } from '../errors.js'
import { ROLES, type Role } from './roles.js'

export interface TokenInfo {
  id: string
  name: string
  role: Role
  /** The model an `inference` token calls; null for the other roles. */
  model: string | null
  createdAt: string
  createdBy: string | null
  revokedAt: string | null
}

/** Who a request acts as: a named token, the bootstrap admin token, or an instance's tracking token. */
export interface Principal {
  name: string
  role: Role | 'tracking'
  /** The token's id ('bootstrap' for the admin token of `<data dir>/token` or FERRY_TOKEN). */
  tokenId: string
}

const PREFIX = 'fyt_'
/** Token names: a slug; `admin` is the bootstrap token's. */
export const TOKEN_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/
const MODEL_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/

interface Row { id: string; name: string; role: Role; model: string | null; hash: string; created_at: string; created_by: string | null; revoked_at: string | null }

const toInfo = (r: Row): TokenInfo => ({ id: r.id, name: r.name, role: r.role, model: r.model, createdAt: r.created_at, createdBy: r.created_by, revokedAt: r.revoked_at })

export class TokenStore {
  readonly #db: Database.Database
  readonly #active = new Map<string, TokenInfo>()
  readonly #listeners = new Set<() => void>()

  constructor(db: Database.Database) {
    this.#db = db
    for (const row of db.prepare('SELECT * FROM tokens WHERE revoked_at IS NULL').all() as Row[]) this.#active.set(row.hash, toInfo(row))
  }

  /**
   * Creates a token; its secret is in the result and nowhere else.
   * @example const { token, info } = store.create({ name: 'ci', role: 'deployer' }, 'admin')
   */
  create(input: { name: string; role: string; model?: string | undefined }, createdBy: string | null): { token: string; info: TokenInfo } {
    if (!TOKEN_NAME.test(input.name)) throw createGatewayError('E_BODY_INVALID', `a token name is 1-63 lower-case letters, digits, ".", "_" and "-", starting with a letter or digit, not "${input.name}"`, { path: '/name' })
    if (input.name === 'admin') throw createGatewayError('E_BODY_INVALID', '"admin" is the bootstrap token\'s name; choose another', { path: '/name' })
    if (!(ROLES as readonly string[]).includes(input.role)) throw createGatewayError('E_BODY_INVALID', `role must be one of ${ROLES.join(', ')}, not "${input.role}"`, { path: '/role' })
    if (input.role === 'inference') {
      if (input.model === undefined) throw createGatewayError('E_BODY_INVALID', 'an inference token names the model it calls: "model" is required', { path: '/model' })
      if (!MODEL_NAME.test(input.model)) throw createGatewayError('E_BODY_INVALID', `"${input.model}" is not a model name`, { path: '/model' })
    } else if (input.model !== undefined) {
      throw createGatewayError('E_BODY_INVALID', 'only inference tokens name a model', { path: '/model' })
    }
    if ([...this.#active.values()].some((t) => t.name === input.name)) throw createGatewayError('E_TOKEN_NAME_TAKEN', `a token named "${input.name}" exists; revoke it first or choose another name`, { details: { name: input.name } })
    const token = `${PREFIX}${randomBytes(24).toString('base64url')}`
    const row: Row = { id: randomUUID(), name: input.name, role: input.role as Role, model: input.model ?? null, hash: hashToken(token), created_at: new Date().toISOString(), created_by: createdBy, revoked_at: null }
    this.#db.prepare('INSERT INTO tokens (id, name, role, model, hash, created_at, created_by, revoked_at) VALUES (@id, @name, @role, @model, @hash, @created_at, @created_by, @revoked_at)').run(row)
    const info = toInfo(row)
    this.#active.set(row.hash, info)
    this.#changed()
    return { token, info }
  }

  /** Every token, newest first; revoked ones too (with `revokedAt`), so the trail's names stay explained. */
  list(): TokenInfo[] {
    return (this.#db.prepare('SELECT * FROM tokens ORDER BY created_at DESC, rowid DESC').all() as Row[]).map(toInfo)
  }

  /** Revokes the active token with this name or id; 404 when there is none. */
  revoke(nameOrId: string): TokenInfo {
    const found = [...this.#active.entries()].find(([, t]) => t.name === nameOrId || t.id === nameOrId)
    if (!found) throw createGatewayError('E_TOKEN_NOT_FOUND', `no active token "${nameOrId}"`, { details: { token: nameOrId } })
    const [hash, info] = found
    const revokedAt = new Date().toISOString()
    this.#db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ?').run(revokedAt, info.id)
    this.#active.delete(hash)
    this.#changed()
    return { ...info, revokedAt }
  }

  /** The active token a secret belongs to, else undefined. */
  find(secret: string): TokenInfo | undefined {
    return secret.startsWith(PREFIX) ? this.#active.get(hashToken(secret)) : undefined
  }

  /** Whether any active inference token names `model` (then inference on it needs one). */
  guardsModel(model: string): boolean {
    for (const t of this.#active.values()) if (t.role === 'inference' && t.model === model) return true
    return false
  }

  /** The sha256 (hex) of each active inference token of `model` (what the routing table lists). */
  inferenceTokenHashes(model: string): string[] {
    const hashes: string[] = []
    for (const [hash, t] of this.#active) if (t.role === 'inference' && t.model === model) hashes.push(hash)
    return hashes.sort()
  }

  /** Calls `listener` after every create and revoke; returns unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #changed(): void {
    for (const listener of this.#listeners) listener()
  }

  /** The names of the active inference tokens of `model`. */
  inferenceTokenNames(model: string): string[] {
    return [...this.#active.values()].filter((t) => t.role === 'inference' && t.model === model).map((t) => t.name).sort()
  }

  /** Whether `secret` is an active inference token for `model`. */
  allowsInference(secret: string, model: string): boolean {
    const found = this.find(secret)
    return found !== undefined && found.role === 'inference' && found.model === model
  }

  /** Whether the token with this id is still active (sessions end with their token). */
  isActive(id: string): boolean {
    for (const t of this.#active.values()) if (t.id === id) return true
    return false
  }
}
