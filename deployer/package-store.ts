/**
 * The package store: package zips kept by content, named by their sha256. A seam (a directory
 * today; object storage later): the deployer records what a package is in the state store, this
 * only keeps the bytes. An upload is staged under a temporary name, hashed on the way, and takes
 * its final name only when `keep()` is called, after the deployer has checked it: so a package
 * being checked is never visible as stored, a refused one leaves nothing, and a crash mid-check
 * leaves only a temporary file that the next start removes.
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

/** An upload written and hashed, not yet stored: check `path`, then `keep()` it or `discard()` it. */
export interface StagedPackage {
  digest: string
  size: number
  /** The temporary file, to check before keeping. */
  path: string
  /** Moves it to its final name (replacing an identical file already there); returns where it is. */
  keep(): Promise<StoredPackage>
  /** Removes the temporary file; a no-op after keep(). */
  discard(): Promise<void>
}

export interface PackageStore {
  /** Writes the bytes of a zip (a path or a stream) to a temporary file; `maxBytes` refuses larger ones with E_PACKAGE_TOO_LARGE. */
  stage(source: string | Readable, options?: { maxBytes?: number; signal?: AbortSignal }): Promise<StagedPackage>
  /** Where a stored package can be read, or undefined. */
  locate(digest: string): Promise<StoredPackage | undefined>
  list(): Promise<StoredPackage[]>
  delete(digest: string): Promise<void>
}

const DIGEST = /^[0-9a-f]{64}$/
const INCOMING = '.incoming-'

/**
 * A package store in a directory: `<dir>/<sha256>.zip`.
 * @example
 * const store = createFilePackageStore('/data/packages')
 * const staged = await store.stage('echo-1.0.0.zip')
 * await check(staged.path)
 * const { digest } = await staged.keep()
 */
export function createFilePackageStore(dir: string): PackageStore {
  const pathOf = (digest: string) => join(dir, `${digest}.zip`)

  async function locate(digest: string): Promise<StoredPackage | undefined> {
    if (!DIGEST.test(digest)) return undefined
    const info = await stat(pathOf(digest)).catch(() => undefined)
    return info?.isFile() ? { digest, size: info.size, path: pathOf(digest) } : undefined
  }

  return {
    async stage(source, options = {}) {
      await mkdir(dir, { recursive: true, mode: 0o700 })
      const temp = join(dir, `${INCOMING}${process.pid}-${randomBytes(6).toString('hex')}`)
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
        await pipeline(input, counter, createWriteStream(temp, { mode: 0o600 }), options.signal ? { signal: options.signal } : {})
      } catch (error) {
        await rm(temp, { force: true })
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && typeof source === 'string') {
          throw createDeployerError('E_PACKAGE_NOT_FOUND', `"${source}" does not exist`, { path: source, cause: error })
        }
        throw error
      }
      const digest = hash.digest('hex')
      let kept = false
      return {
        digest, size, path: temp,
        async keep() {
          // Identical bytes under the same name: replacing is harmless, and rename is atomic.
          await rename(temp, pathOf(digest))
          kept = true
          return { digest, size, path: pathOf(digest) }
        },
        async discard() {
          if (!kept) await rm(temp, { force: true })
        },
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

/** Removes uploads a crash left half-written or half-checked (`.incoming-*`); run when the server starts. */
export async function removeIncompleteUploads(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[])
  await Promise.all(names.filter((n) => n.startsWith(INCOMING)).map((n) => rm(join(dir, n), { force: true })))
}
