/**
 * Package fixtures, one per failure mode, generated instead of committed: each function writes a
 * zip to the path given. `writeValidPackage` is what `ferry pack` makes (archiver, deflate, modes
 * 0644/0755, manifest last); the hostile ones are built byte by byte with test/_zip-writer.ts.
 */
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { finished } from 'node:stream/promises'
import { createDeflateRaw } from 'node:zlib'
import { ZipArchive } from 'archiver'
import { crc32, encodeZip, writeRawZip, type RawZipEntry } from './_zip-writer.js'

export interface FixtureFile {
  path: string
  data: Buffer
  executable?: boolean
  /** What the manifest claims instead of `data`'s real size and hash (for data too big to hold). */
  declared?: { size: number; sha256: string }
}

/** The files of the valid package, also the base every hostile one is built from. */
export const VALID_FILES: readonly FixtureFile[] = Object.freeze([
  { path: 'bin/serve.sh', data: Buffer.from('#!/bin/sh\nexec node server.js\n'), executable: true },
  { path: 'descriptor.json', data: Buffer.from('{"name":"echo","version":"1.0.0","runtime":{"type":"node","entry":"server.js"}}\n') },
  { path: 'model/weights.bin', data: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 251)) },
  { path: 'server.js', data: Buffer.from('console.log("echo")\n') },
])

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

/** The manifest `ferry pack` would write for `files`. */
export function buildManifest(files: readonly FixtureFile[]): Buffer {
  const listed = files.map((f) => ({ path: f.path, ...(f.declared ?? { size: f.data.length, sha256: sha256(f.data) }), ...(f.executable ? { executable: true } : {}) }))
  return Buffer.from(`${JSON.stringify({ format: 1, name: 'echo', version: '1.0.0', files: listed }, null, 2)}\n`)
}

/** Raw entries for `files` (sorted) followed by their manifest, as `ferry pack` lays them out. */
export function buildPackageEntries(files: readonly FixtureFile[] = VALID_FILES, manifest = buildManifest(files)): RawZipEntry[] {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : 1))
  const entries: RawZipEntry[] = sorted.map((f) => ({ name: f.path, data: f.data, method: 8, mode: f.executable ? 0o100755 : 0o100644 }))
  return [...entries, { name: 'ferry.manifest.json', data: manifest, method: 8 }]
}

const withFile = (file: FixtureFile) => [...VALID_FILES, file]
const evil = (path: string): FixtureFile => ({ path, data: Buffer.from('pwned\n') })
/** Where the absolute-path fixture aims; the test checks nothing appears there. */
export const ABSOLUTE_TARGET = '/tmp/ferry-unpack-test-evil.txt'

/** A package as `ferry pack` writes it. */
export async function writeValidPackage(zipPath: string): Promise<void> {
  const archive = new ZipArchive({ zlib: { level: 6 } })
  const done = finished(archive.pipe(createWriteStream(zipPath)))
  for (const f of [...VALID_FILES].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    archive.append(f.data, { name: f.path, mode: f.executable ? 0o755 : 0o644, date: new Date(Date.UTC(1980, 0, 1)) })
  }
  archive.append(buildManifest(VALID_FILES), { name: 'ferry.manifest.json', mode: 0o644 })
  await archive.finalize()
  await done
}

/** The valid package again, by the raw writer, with stored entries and an empty file. */
export const writeStoredPackage = (zipPath: string) => {
  const files = withFile({ path: 'model/empty.txt', data: Buffer.alloc(0) })
  return writeRawZip(zipPath, buildPackageEntries(files).map((e) => ({ ...e, method: 0 })))
}
export const writeZipSlipPackage = (zipPath: string) => writeRawZip(zipPath, buildPackageEntries(withFile(evil('../evil.txt'))))
/** A name of 25 segments of 200 bytes: each segment is legal, the whole is longer than a path may be. */
export const LONG_PATH = Array.from({ length: 25 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(198)}`).join('/')
export const writeLongPathPackage = (zipPath: string) => writeRawZip(zipPath, buildPackageEntries(withFile(evil(LONG_PATH))))
export const writeAbsolutePathPackage = (zipPath: string) => writeRawZip(zipPath, buildPackageEntries(withFile(evil(ABSOLUTE_TARGET))))
export const writeBackslashPackage = (zipPath: string) => writeRawZip(zipPath, buildPackageEntries(withFile(evil('model\\evil.txt'))))

/** `model/link` → /etc/passwd, as a zip stores a symlink: mode S_IFLNK, the target as content. */
export const writeSymlinkPackage = (zipPath: string) => {
  const entries = buildPackageEntries(withFile(evil('model/link')))
  return writeRawZip(zipPath, entries.map((e) => (e.name === 'model/link' ? { ...e, data: Buffer.from('/etc/passwd'), mode: 0o120777 } : e)))
}
export const writeFifoPackage = (zipPath: string) =>
  writeRawZip(zipPath, buildPackageEntries(withFile(evil('model/pipe'))).map((e) => (e.name === 'model/pipe' ? { ...e, mode: 0o010644 } : e)))

/** One deflated entry of `megabytes` MiB of zeros (ratio ≈ 1000), deflated in chunks so memory stays small. */
export async function writeZipBombPackage(zipPath: string, megabytes = 200): Promise<void> {
  const chunk = Buffer.alloc(1024 * 1024)
  const deflate = createDeflateRaw({ level: 9 })
  const out: Buffer[] = []
  deflate.on('data', (data: Buffer) => out.push(data))
  let crc = 0
  const hash = createHash('sha256')
  for (let i = 0; i < megabytes; i++) {
    if (!deflate.write(chunk)) await new Promise((resolve) => deflate.once('drain', resolve))
    crc = crc32(chunk, crc)
    hash.update(chunk)
  }
  deflate.end()
  await finished(deflate)
  const size = megabytes * chunk.length
  const bomb: FixtureFile = { path: 'model/zeros.bin', data: Buffer.alloc(0), declared: { size, sha256: hash.digest('hex') } }
  const entries = buildPackageEntries(withFile(bomb))
  await writeRawZip(zipPath, entries.map((e) => (e.name === bomb.path ? { ...e, compressed: { bytes: Buffer.concat(out), size, crc } } : e)))
}

/** `model/weights.bin` really inflates to 64 KiB, but both headers and the manifest say 10 bytes. */
export const writeLyingSizePackage = (zipPath: string) => {
  const real = Buffer.alloc(64 * 1024, 'A')
  const files = VALID_FILES.map((f) => (f.path === 'model/weights.bin' ? { ...f, data: real.subarray(0, 10) } : f))
  const entries = buildPackageEntries(files)
  return writeRawZip(zipPath, entries.map((e) => (e.name === 'model/weights.bin' ? { ...e, data: real, declaredSize: 10 } : e)))
}

/** Replaces one file's bytes after the manifest was written, keeping (or not) its length. */
function tamper(path: string, change: (data: Buffer) => Buffer): RawZipEntry[] {
  return buildPackageEntries().map((e) => (e.name === path ? { ...e, data: change(e.data!) } : e))
}
export const writeChecksumMismatchPackage = (zipPath: string) =>
  writeRawZip(zipPath, tamper('server.js', (data) => Buffer.from(data.toString().replace('echo', 'pwnd'))))
export const writeSizeMismatchPackage = (zipPath: string) =>
  writeRawZip(zipPath, tamper('server.js', (data) => Buffer.concat([data, Buffer.from('require("child_process")\n')])))
/** An entry the manifest does not list. */
export const writeUnlistedEntryPackage = (zipPath: string) => {
  const entries = buildPackageEntries()
  entries.splice(-1, 0, { name: 'model/extra.txt', data: Buffer.from('pwned\n') })
  return writeRawZip(zipPath, entries)
}
export const writeMissingManifestPackage = (zipPath: string) =>
  writeRawZip(zipPath, buildPackageEntries().filter((e) => e.name !== 'ferry.manifest.json'))
export const writeInvalidManifestPackage = (zipPath: string) => writeRawZip(zipPath, buildPackageEntries(VALID_FILES, Buffer.from('{"format":1,')))
export const writeMissingDescriptorPackage = (zipPath: string) =>
  writeRawZip(zipPath, buildPackageEntries(VALID_FILES.filter((f) => f.path !== 'descriptor.json')))

/** VALID_FILES plus `count` small files, for a test that lowers maxEntries. */
export const writeManyFilesPackage = (zipPath: string, count = 20) =>
  writeRawZip(zipPath, buildPackageEntries([...VALID_FILES, ...Array.from({ length: count }, (_, i) => evil(`data/${String(i).padStart(3, '0')}.txt`))]))
/** `model/weights.bin` twice: many extractors let the second silently replace the first. */
export const writeDuplicateNamePackage = (zipPath: string) => {
  const entries = buildPackageEntries()
  const original = entries.find((e) => e.name === 'model/weights.bin')!
  return writeRawZip(zipPath, [{ ...original, data: Buffer.from('second copy') }, ...entries])
}
export const writeCaseCollisionPackage = (zipPath: string) => writeRawZip(zipPath, buildPackageEntries(withFile(evil('model/Weights.bin'))))
/** `model` as a file and `model/weights.bin` under it. */
export const writePathConflictPackage = (zipPath: string) => writeRawZip(zipPath, buildPackageEntries(withFile(evil('model'))))
export const writeEncryptedPackage = (zipPath: string) =>
  writeRawZip(zipPath, buildPackageEntries().map((e) => (e.name === 'server.js' ? { ...e, flags: 0x01 } : e)))

/** `model/a.bin` and `model/b.bin` whose records point at the same local data (Fifield's overlapping-entry bomb). */
export async function writeOverlappingPackage(zipPath: string): Promise<void> {
  const same = Buffer.alloc(2048, 7)
  const zip = encodeZip(buildPackageEntries([...VALID_FILES, { path: 'model/a.bin', data: same }, { path: 'model/b.bin', data: same }]))
  // Walk the central directory (offset at EOCD+16) to find each record; the local offset is at +42.
  const offsetOf = (name: string) => {
    for (let at = zip.readUInt32LE(zip.length - 6); zip.readUInt32LE(at) === 0x02014b50; at += 46 + zip.readUInt16LE(at + 28)) {
      if (zip.toString('utf8', at + 46, at + 46 + zip.readUInt16LE(at + 28)) === name) return at
    }
    throw new Error(`no record for ${name}`)
  }
  zip.writeUInt32LE(zip.readUInt32LE(offsetOf('model/a.bin') + 42), offsetOf('model/b.bin') + 42)
  await writeFile(zipPath, zip)
}

/** A valid package whose end record carries a 300-byte comment (unzipper's default search misses it). */
export async function writeCommentedPackage(zipPath: string): Promise<void> {
  const zip = encodeZip(buildPackageEntries())
  const comment = Buffer.from('x'.repeat(300))
  zip.writeUInt16LE(comment.length, zip.length - 2)
  await writeFile(zipPath, Buffer.concat([zip, comment]))
}
export const writeNotAZip = (zipPath: string) => writeFile(zipPath, Buffer.from('this is not a zip file, just text\n'.repeat(10)))
