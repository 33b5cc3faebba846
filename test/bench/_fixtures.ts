/**
 * Builds benchmark fixtures on disk: a model folder shaped like a real one (descriptor, server,
 * thousands of small text sources in nested folders, a few large incompressible weight shards).
 * Sources are generated from a seeded PRNG, so the same options give the same text; weights are
 * random bytes written in fixed-size chunks, so memory stays bounded whatever the size.
 */
import { randomFillSync } from 'node:crypto'
import { mkdir, open, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

export interface ModelFolderOptions {
  /** Total size of the weight shards, in MiB. */
  weightsMB: number
  /** How many small source files under src/. */
  sourceFiles: number
  shards?: number
  seed?: number
}

export interface ModelFolder {
  dir: string
  /** Sum of the sizes of every file written. */
  bytes: number
  files: number
}

const MIB = 1024 * 1024
const WRITE_CHUNK = 4 * MIB
const MIN_SOURCE_BYTES = 512
const MAX_SOURCE_BYTES = 8 * 1024
const FOLDER_WORDS = ['core', 'nn', 'io', 'utils', 'layers', 'data', 'ops', 'text']

const DESCRIPTOR = {
  name: 'bench-model',
  version: '1.0.0',
  description: 'Synthetic model folder for `npm run bench -- pack`.',
  model: { name: 'bench-weights', framework: 'none', weights: ['weights'] },
  runtime: { type: 'node', entry: 'server.js' },
  api: { health: '/health', endpoints: [{ method: 'POST', path: '/predict' }] },
}

const SERVER_JS = `import { createServer } from 'node:http'

createServer((req, res) => {
  if (req.url === '/health') return res.end('ok')
  if (req.method === 'POST' && req.url === '/predict') return res.end(JSON.stringify({ label: 'bench' }))
  res.statusCode = 404
  res.end()
}).listen(Number(process.env.PORT ?? 8080), '127.0.0.1')
`

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
function createRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function pickInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1))
}

function generateLine(random: () => number, python: boolean, n: number): string {
  const a = pickInt(random, 0, 999)
  const b = pickInt(random, 0, 999)
  const word = FOLDER_WORDS[n % FOLDER_WORDS.length]
  const lines = python
    ? [`def ${word}_${a}(x, y=${b}):`, `    return x * ${a} + y  # scale ${word}`, `${word}_table[${a}] = load_${word}(${b})`, `# ${word}: keep ${a} of ${b}`]
    : [`export function ${word}${a}(x) {`, `  return x * ${a} + ${b} // scale ${word}`, `}`, `const ${word}Table${a} = new Map([[${a}, '${word}-${b}']])`]
  return lines[n % lines.length]!
}

/** Text of one source file, between 0.5 and 8 KiB, JS- or Python-like. */
function generateSource(random: () => number, python: boolean): string {
  const target = pickInt(random, MIN_SOURCE_BYTES, MAX_SOURCE_BYTES)
  const lines: string[] = []
  let length = 0
  for (let n = 0; length < target; n++) {
    const line = generateLine(random, python, n)
    lines.push(line)
    length += line.length + 1
  }
  return lines.join('\n') + '\n'
}

async function writeSources(dir: string, count: number, seed: number): Promise<number> {
  const random = createRandom(seed)
  let bytes = 0
  for (let i = 0; i < count; i++) {
    const depth = pickInt(random, 1, 3)
    const folders = Array.from({ length: depth }, () => FOLDER_WORDS[pickInt(random, 0, FOLDER_WORDS.length - 1)]!)
    const python = random() < 0.5
    const file = join(dir, 'src', ...folders, `${folders.at(-1)}_${i}.${python ? 'py' : 'js'}`)
    const text = generateSource(random, python)
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, text)
    bytes += Buffer.byteLength(text)
  }
  return bytes
}

/** Writes `bytes` random bytes to `file`, one reused chunk at a time. */
async function writeRandomFile(file: string, bytes: number): Promise<void> {
  const chunk = Buffer.allocUnsafe(Math.min(WRITE_CHUNK, Math.max(bytes, 1)))
  const handle = await open(file, 'w')
  try {
    for (let left = bytes; left > 0; ) {
      const length = Math.min(left, chunk.length)
      randomFillSync(chunk, 0, length)
      await handle.write(chunk, 0, length)
      left -= length
    }
  } finally {
    await handle.close()
  }
}

async function writeWeights(dir: string, totalBytes: number, shards: number): Promise<void> {
  await mkdir(join(dir, 'weights'), { recursive: true })
  const shardBytes = Math.floor(totalBytes / shards)
  for (let i = 1; i <= shards; i++) {
    const name = `model-${String(i).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`
    const bytes = i === shards ? totalBytes - shardBytes * (shards - 1) : shardBytes
    await writeRandomFile(join(dir, 'weights', name), bytes)
  }
}

/**
 * Creates `dir` (which must not exist yet) holding a valid Ferry model folder.
 * @example
 * const folder = await buildModelFolder('/tmp/x/model', { weightsMB: 500, sourceFiles: 3000 })
 */
export async function buildModelFolder(dir: string, options: ModelFolderOptions): Promise<ModelFolder> {
  const shards = options.shards ?? 4
  const weightBytes = Math.round(options.weightsMB * MIB)
  await mkdir(dir, { recursive: false })
  const descriptor = JSON.stringify(DESCRIPTOR, null, 2) + '\n'
  await writeFile(join(dir, 'descriptor.json'), descriptor)
  await writeFile(join(dir, 'server.js'), SERVER_JS)
  const sourceBytes = await writeSources(dir, options.sourceFiles, options.seed ?? 1)
  await writeWeights(dir, weightBytes, shards)
  const bytes = Buffer.byteLength(descriptor) + Buffer.byteLength(SERVER_JS) + sourceBytes + weightBytes
  return { dir, bytes, files: 2 + options.sourceFiles + shards }
}
