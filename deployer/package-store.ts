/**
 * The package store: package zips kept by content, named by their sha256. A seam (a directory
 * today; object storage later): the deployer records what a package is in the state store, this
 * only keeps the bytes. Writes go to a temporary file, are hashed on the way, and are renamed into
 * place only when complete, so adding the same zip twice is a no-op and a failed upload leaves nothing.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createDeployerError } from './errors.js'

export interface StoredPackage {
  digest: string
  size: number
  path: string
}

export interface PackageStore {
  /** Stores the bytes of a zip (a path or a stream); `maxBytes` refuses larger ones with E_PACKAGE_TOO_LARGE. */
  put(source: string | Readable, options?: { maxBytes?: number; signal?: AbortSignal }): Promise<StoredPackage & { created: boolean }>
  /** Where a stored package can be read, or undefined. */
  locate(digest: string): Promise<StoredPackage | undefined>
  list(): Promise<StoredPackage[]>
  delete(digest: string): Promise<void>
}

const DIGEST = /^[0-9a-f]{64}$/

/**
 * A package store in a directory: `<dir>/<sha256>.zip`.
 * @example
 * const store = createFilePackageStore('/data/packages')
 * const { digest } = await store.put('echo-1.0.0.zip')
 */
export function createFilePackageStore(dir: string): PackageStore {
  const pathOf = (digest: string) => join(dir, `${digest}.zip`)

  async function locate(digest: string): Promise<StoredPackage | undefined> {
    if (!DIGEST.test(digest)) return undefined
    const info = await stat(pathOf(digest)).catch(() => undefined)
    return info?.isFile() ? { digest, size: info.size, path: pathOf(digest) } : undefined
  }

  return {
    async put(source, options = {}) {
      await mkdir(dir, { recursive: true })
      const temp = join(dir, `.incoming-${process.pid}-${randomBytes(6).toString('hex')}`)
      const hash = createHash('sha256')
      let size = 0
      const limit = options.maxBytes ?? Number.POSITIVE_INFINITY
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.length
          if (size > limit) return callback(createDeployerError('E_PACKAGE_TOO_LARGE', `the package is larger than the limit of ${limit} bytes`, { details: { limit } }))
          hash.update(chunk)
          callback(null, chunk)
        },
      })
      const input = typeof source === 'string' ? createReadStream(source) : source
      try {
        await pipeline(input, counter, createWriteStream(temp), options.signal ? { signal: options.signal } : {})
        const digest = hash.digest('hex')
        const existing = await locate(digest)
        if (existing) {
          await rm(temp, { force: true })
          return { ...existing, created: false }
        }
        await rename(temp, pathOf(digest))
        return { digest, size, path: pathOf(digest), created: true }
      } catch (error) {
        await rm(temp, { force: true })
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && typeof source === 'string') {
          throw createDeployerError('E_PACKAGE_NOT_FOUND', `"${source}" does not exist`, { path: source, cause: error })
        }
        throw error
      }
    },
    locate,
    async list() {
      const names = await readdir(dir).catch(() => [] as string[])
      const found = await Promise.all(names.filter((n) => n.endsWith('.zip')).map((n) => locate(n.slice(0, -4))))
      return found.filter((p): p is StoredPackage => p !== undefined)
    },
    async delete(digest) {
      if (DIGEST.test(digest)) await rm(pathOf(digest), { force: true })
    },
  }
}

/** Removes uploads a crash left half-written (`.incoming-*`); run when the server starts. */
export async function removeIncompleteUploads(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[])
  await Promise.all(names.filter((n) => n.startsWith('.incoming-')).map((n) => rm(join(dir, n), { force: true })))
}
