/**
 * Files uploaded to a Gradio bridge (POST …/gradio_api/upload) and files a model answered, kept in
 * memory for an hour under a random path, bounded in total size (the oldest go first). Nothing is
 * written to disk: a bridge changes nothing but this cache.
 */
import { randomUUID } from 'node:crypto'
import type { FileValue } from '../model-request.js'

export interface StoredFile extends FileValue { name: string; storedAt: number }

const TTL_MS = 60 * 60_000
export const MAX_FILE_BYTES = 50 * 1024 * 1024
const MAX_TOTAL_BYTES = 256 * 1024 * 1024

export class FileStore {
  private readonly files = new Map<string, StoredFile>()
  private total = 0

  /** Keeps a file and returns its path, e.g. `ferry/5b1c…/digit.png`. */
  put(file: FileValue & { name?: string }): string {
    const name = (file.name ?? 'file').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'file'
    const path = `ferry/${randomUUID()}/${name}`
    this.files.set(path, { ...file, name, storedAt: Date.now() })
    this.total += file.bytes.length
    this.evict()
    return path
  }

  get(path: string): StoredFile | undefined {
    const file = this.files.get(path)
    if (file && Date.now() - file.storedAt > TTL_MS) {
      this.drop(path, file)
      return undefined
    }
    return file
  }

  private evict(): void {
    const now = Date.now()
    for (const [path, file] of this.files) {
      if (this.total <= MAX_TOTAL_BYTES && now - file.storedAt <= TTL_MS) break
      this.drop(path, file)
    }
  }

  private drop(path: string, file: StoredFile): void {
    this.files.delete(path)
    this.total -= file.bytes.length
  }
}
