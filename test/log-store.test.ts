/**
 * The deployer's log store, for real: child processes (test/fixtures/programs/noisy-logger.js)
 * writing fast, long, multibyte and unterminated lines into real files; rotation, tails from
 * memory and from disk, merged queries, follow, remove, and a store re-created over the same folder.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { LineSplitter } from '../deployer/_line-splitter.js'
import { decodeSourceName, encodeSourceName } from '../deployer/_log-file.js'
import { createLogStore, type LogEntry, type LogStore } from '../deployer/log-store.js'
import { ferryPath } from '../packager/repo-root.js'
import { makeTempDir } from './_helpers.js'

const NOISY = ferryPath('test', 'fixtures', 'programs', 'noisy-logger.js')

/** Runs noisy-logger.js with both streams captured into `source`; resolves with its exit code. */
async function runNoisyLogger(store: LogStore, source: string, args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, [NOISY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = once(child, 'exit')
  await Promise.all([
    store.capture(source, child.stdout, { stream: 'stdout', replica: 0 }),
    store.capture(source, child.stderr, { stream: 'stderr', replica: 0 }),
  ])
  const [code] = await exited
  return code as number | null
}

/** The lines noisy-logger.js writes (see its header). */
function expectedNoisyLines(n: number): { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  for (let i = 0; i < n; i++) {
    stdout.push(`out ${i} ${'.'.repeat(i % 37)}`)
    stderr.push(`err ${i}`)
  }
  stdout.push(`a${'é'.repeat(100_000)}`, 'snow ☃ rocket 🚀 done', 'crlf line', 'partial ✓ no newline')
  stderr.push('stderr partial')
  return { stdout, stderr }
}

/** Glues the pieces of lines cut at maxLineBytes back together. */
function joinPieces(entries: LogEntry[]): string[] {
  const lines: string[] = []
  let text = ''
  for (const entry of entries) {
    text += entry.line
    if (!entry.continues) {
      lines.push(text)
      text = ''
    }
  }
  return lines
}

function assertIncreasingSeq(entries: LogEntry[]): void {
  for (let i = 1; i < entries.length; i++) assert.ok(entries[i]!.seq > entries[i - 1]!.seq, `seq increases at ${i}`)
}

for (const { n, args, code } of [{ n: 100_000, args: ['--exit'], code: 3 }, { n: 1000, args: [], code: 0 }]) {
  test(`capture keeps every line of a child writing ${n} lines per stream fast${args.length ? ', then exiting mid-line' : ''}`, async (t) => {
    const dir = await makeTempDir(t)
    const store = createLogStore({ dir })
    t.after(() => store.close())
    assert.equal(await runNoisyLogger(store, 'noisy@1.0.0', [String(n), ...args]), code)

    const entries = await store.tail('noisy@1.0.0', 10 * n)
    const expected = expectedNoisyLines(n)
    assertIncreasingSeq(entries)
    for (const stream of ['stdout', 'stderr'] as const) {
      const own = entries.filter((e) => e.stream === stream)
      assert.deepEqual(joinPieces(own), expected[stream], `${stream}: every line, in order, intact`)
      assert.ok(own.every((e) => e.source === 'noisy@1.0.0' && e.replica === 0 && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(e.time)))
    }
    const long = entries.filter((e) => e.stream === 'stdout').slice(n, n + 4)
    assert.deepEqual(long.map((e) => e.continues ?? false), [true, true, true, false], 'the 200 kB line is cut into 4 marked pieces')
    for (const piece of long) assert.ok(Buffer.byteLength(piece.line) <= 64 * 1024 && !piece.line.includes('\uFFFD'))
  })
}

test('close flushes everything; a re-created store reads it back and continues seq', async (t) => {
  const dir = await makeTempDir(t)
  const first = createLogStore({ dir, tailLines: 100 })
  for (let i = 0; i < 5000; i++) first.append('m@1.0.0', { stream: i % 2 ? 'stderr' : 'stdout', replica: i % 3, line: `line ${i}` })
  await first.close()
  assert.throws(() => first.append('m@1.0.0', { stream: 'stdout', line: 'late' }), /after close/)

  const second = createLogStore({ dir })
  t.after(() => second.close())
  const all = await second.tail('m@1.0.0', 10_000)
  assert.equal(all.length, 5000)
  assert.deepEqual(all.map((e) => e.line), Array.from({ length: 5000 }, (_, i) => `line ${i}`))
  assert.deepEqual(all.map((e) => e.seq), Array.from({ length: 5000 }, (_, i) => i + 1))
  assert.equal(all[4]!.replica, 1)
  assert.equal(second.append('other', { stream: 'system', line: 'x' }).seq, 5001, 'seq goes on after the highest on disk')
})

test('a half-written last line left by a crash is skipped, and new entries start on a line of their own', async (t) => {
  const dir = await makeTempDir(t)
  const whole = { seq: 41, time: '2024-05-01T12:00:00.000Z', source: 'c@1.0.0', stream: 'stdout', replica: 0, line: 'before the crash' }
  await mkdir(join(dir, 'c@1.0.0'))
  await writeFile(join(dir, 'c@1.0.0', 'current.jsonl'), `${JSON.stringify(whole)}\n{"seq":42,"time":"2024-05-01T12:0`)
  const store = createLogStore({ dir })
  assert.equal(store.append('c@1.0.0', { stream: 'stdout', line: 'after' }).seq, 42)
  await store.close()
  const lines = (await readFile(join(dir, 'c@1.0.0', 'current.jsonl'), 'utf8')).split('\n')
  assert.equal(lines.length, 4, 'whole line, cut line (ended), new line, and the final newline')
  assert.equal((JSON.parse(lines[2]!) as LogEntry).line, 'after')
  const reopened = createLogStore({ dir })
  t.after(() => reopened.close())
  assert.deepEqual((await reopened.tail('c@1.0.0', 10)).map((e) => e.line), ['before the crash', 'after'])
})

test('rotation caps every file at maxFileBytes, keeps maxFiles, and loses nothing in between', async (t) => {
  const dir = await makeTempDir(t)
  const store = createLogStore({ dir, maxFileBytes: 4096, maxFiles: 3, tailLines: 5 })
  let last = 0
  for (let i = 0; i < 2000; i++) {
    last = store.append('r@1.0.0', { stream: 'stdout', line: `rotating line ${i} ${'x'.repeat(i % 50)}` }).seq
    if (i % 37 === 0) await new Promise((resolve) => setImmediate(resolve)) // let rotations run between appends
  }
  await store.close()

  const folder = join(dir, encodeSourceName('r@1.0.0'))
  assert.deepEqual((await readdir(folder)).sort(), ['1.jsonl', '2.jsonl', '3.jsonl', 'current.jsonl'])
  const kept: LogEntry[] = []
  for (const name of ['3.jsonl', '2.jsonl', '1.jsonl', 'current.jsonl']) {
    const path = join(folder, name)
    assert.ok((await stat(path)).size <= 4096, `${name} is at most maxFileBytes`)
    const text = await readFile(path, 'utf8')
    kept.push(...text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogEntry))
  }
  assert.equal(kept.at(-1)!.seq, last)
  assert.deepEqual(kept.map((e) => e.seq), Array.from({ length: kept.length }, (_, i) => last - kept.length + 1 + i), 'no gap')
  assert.ok(kept.length > 50 && kept.length < 2000, `${kept.length} entries kept`)

  const reopened = createLogStore({ dir, maxFileBytes: 4096, maxFiles: 3 })
  t.after(() => reopened.close())
  assert.deepEqual((await reopened.tail('r@1.0.0', 5000)).map((e) => e.seq), kept.map((e) => e.seq), 'tail reads across rotated files')
})

test('tail answers from memory, and from the files when memory has fewer', async (t) => {
  const dir = await makeTempDir(t)
  const store = createLogStore({ dir, tailLines: 10 })
  const appended = Array.from({ length: 25 }, (_, i) => store.append('t@1.0.0', { stream: 'stdout', line: `l${i}` }))
  const five = await store.tail('t@1.0.0', 5)
  assert.deepEqual(five, appended.slice(20))
  assert.ok(five.every((e, i) => e === appended[20 + i]), 'the very objects kept in memory')
  assert.deepEqual((await store.tail('t@1.0.0', 20)).map((e) => e.line), appended.slice(5).map((e) => e.line))
  assert.deepEqual(await store.tail('t@1.0.0', 0), [])
  assert.deepEqual(await store.tail('never@1.0.0', 5), [])
  await store.close()

  const again = createLogStore({ dir, tailLines: 10 })
  t.after(() => again.close())
  assert.deepEqual(await again.tail('t@1.0.0', 5), appended.slice(20).map((e) => ({ ...e })))
  again.append('t@1.0.0', { stream: 'stdout', line: 'after restart' })
  assert.deepEqual((await again.tail('t@1.0.0', 3)).map((e) => e.line), ['l23', 'l24', 'after restart'], 'disk and memory joined')
})

test('query merges sources by time and filters by source, stream, since and limit', async (t) => {
  const dir = await makeTempDir(t)
  const store = createLogStore({ dir, tailLines: 3 })
  const t0 = Date.parse('2024-05-01T12:00:00.000Z')
  for (let i = 0; i < 10; i++) {
    store.append('a@1.0.0', { stream: i % 2 ? 'stderr' : 'stdout', replica: 0, line: `a${i}`, time: new Date(t0 + 2 * i * 1000) })
    store.append('gateway', { stream: 'access', line: `g${i}`, time: new Date(t0 + (2 * i + 1) * 1000) })
  }
  const names = (entries: LogEntry[]) => entries.map((e) => e.line)
  const everything = ['a0', 'g0', 'a1', 'g1', 'a2', 'g2', 'a3', 'g3', 'a4', 'g4', 'a5', 'g5', 'a6', 'g6', 'a7', 'g7', 'a8', 'g8', 'a9', 'g9']
  const check = async (s: LogStore) => {
    assert.deepEqual(names(await s.query({})), everything)
    assert.deepEqual(names(await s.query({ limit: 3 })), ['g8', 'a9', 'g9'], 'newest 3, oldest first')
    assert.deepEqual(names(await s.query({ streams: ['access'], limit: 2 })), ['g8', 'g9'])
    assert.deepEqual(names(await s.query({ sources: ['a@1.0.0'], streams: ['stderr'] })), ['a1', 'a3', 'a5', 'a7', 'a9'])
    assert.deepEqual(names(await s.query({ since: new Date(t0 + 16_000) })), ['a8', 'g8', 'a9', 'g9'])
    assert.deepEqual(names(await s.query({ since: new Date(t0 + 5_000), streams: ['stdout'], limit: 2 })), ['a6', 'a8'])
    assert.deepEqual(await s.query({ sources: ['nothing@0.0.0'] }), [])
    assert.deepEqual(await s.sources(), ['a@1.0.0', 'gateway'])
  }
  await check(store)
  await store.close()
  const reopened = createLogStore({ dir })
  t.after(() => reopened.close())
  await check(reopened)
})

test('follow receives new entries of one source or all; unsubscribe stops them', async (t) => {
  const reported: string[] = []
  const store = createLogStore({ dir: await makeTempDir(t), onError: (error, source) => reported.push(`${source}: ${error.message}`) })
  t.after(() => store.close())
  const ofA: string[] = []
  const ofAll: string[] = []
  const stopA = store.follow('a@1.0.0', (e) => ofA.push(e.line))
  const stopAll = store.follow('*', (e) => ofAll.push(`${e.source}:${e.line}`))
  store.follow('a@1.0.0', () => { throw new Error('a broken listener does not break append') })
  store.append('a@1.0.0', { stream: 'stdout', line: 'one' })
  store.append('b@2.0.0', { stream: 'stderr', line: 'two' })
  stopA()
  store.append('a@1.0.0', { stream: 'stdout', line: 'three' })
  stopAll()
  stopAll()
  store.append('a@1.0.0', { stream: 'stdout', line: 'four' })
  assert.deepEqual(ofA, ['one'])
  assert.deepEqual(ofAll, ['a@1.0.0:one', 'b@2.0.0:two', 'a@1.0.0:three'])
  assert.equal(reported.length, 3, 'the broken listener is reported, every time')
})

test('remove deletes a source from disk and memory; the others stay', async (t) => {
  const dir = await makeTempDir(t)
  const store = createLogStore({ dir })
  t.after(() => store.close())
  for (let i = 0; i < 100; i++) {
    store.append('gone@1.0.0', { stream: 'stdout', line: `g${i}` })
    store.append('kept@1.0.0', { stream: 'stdout', line: `k${i}` })
  }
  await store.remove('gone@1.0.0') // while its lines are still queued
  assert.deepEqual(await store.sources(), ['kept@1.0.0'])
  assert.deepEqual(await store.tail('gone@1.0.0', 10), [])
  // Lines are written within flushDelayMs: the kept source's folder appears, the removed one's never does.
  for (let waited = 0; waited < 2000 && (await readdir(dir)).length === 0; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10))
  assert.deepEqual((await readdir(dir)).sort(), [encodeSourceName('kept@1.0.0')])
  store.append('gone@1.0.0', { stream: 'stdout', line: 'new life' })
  assert.deepEqual((await store.tail('gone@1.0.0', 10)).map((e) => e.line), ['new life'])
  assert.equal((await store.tail('kept@1.0.0', 1000)).length, 100)
})

test('source folder names are safe and reversible', async (t) => {
  const dir = await makeTempDir(t)
  const odd = ['sentiment@1.4.0-RC.1+build.7', '../../etc@1.0.0', '.hidden', 'ünï cödé/x', 'gateway']
  for (const source of odd) {
    const name = encodeSourceName(source)
    assert.match(name, /^(?:[a-z0-9@_-]|%[0-9A-F]{2})(?:[a-z0-9@._-]|%[0-9A-F]{2})*$/)
    assert.equal(decodeSourceName(name), source)
  }
  assert.equal(encodeSourceName('sentiment@1.4.0'), 'sentiment@1.4.0')
  assert.equal(decodeSourceName('Upper'), null, 'foreign folders are not sources')
  const store = createLogStore({ dir })
  for (const source of odd) store.append(source, { stream: 'system', line: source })
  await store.close()
  const reopened = createLogStore({ dir })
  t.after(() => reopened.close())
  assert.deepEqual(await reopened.sources(), [...odd].sort())
  assert.deepEqual((await reopened.tail('../../etc@1.0.0', 5)).map((e) => e.line), ['../../etc@1.0.0'])
})

test('a write failure is reported once, not thrown, and memory keeps working', async (t) => {
  const dir = join(await makeTempDir(t), 'logs')
  await writeFile(dir, 'a file where the folder should be')
  const errors: string[] = []
  const store = createLogStore({ dir, onError: (error, source) => errors.push(`${source}: ${(error as NodeJS.ErrnoException).code}`) })
  for (let i = 0; i < 10; i++) {
    store.append('x@1.0.0', { stream: 'stdout', line: `${i}` })
    await new Promise((resolve) => setImmediate(resolve))
  }
  await store.close()
  assert.deepEqual(errors, ['x@1.0.0: ENOTDIR'])
  assert.equal((await store.tail('x@1.0.0', 5)).length, 5)
})

test('the line splitter decodes split characters, strips CR and bounds unterminated lines', () => {
  const splitter = new LineSplitter(16)
  const bytes = Buffer.from('héllo 🚀\r\nnext', 'utf8')
  const lines = [...bytes].flatMap((byte) => splitter.push(Buffer.from([byte])))
  assert.deepEqual(lines, [{ line: 'héllo 🚀', continues: false }])
  assert.deepEqual(splitter.end(), [{ line: 'next', continues: false }])

  const long = new LineSplitter(16)
  const pieces = long.push('ééééééééééééééééééé') // 19 × 2 bytes, no newline yet
  assert.deepEqual(pieces, [{ line: 'éééééééé', continues: true }, { line: 'éééééééé', continues: true }])
  assert.deepEqual(long.push('\n'), [{ line: 'ééé', continues: false }])
  assert.deepEqual(new LineSplitter(16).end(), [])
})

test('appendMany writes each line as append would; a disk-only source answers tail, query, follow and sources from its files', async (t) => {
  const dir = await makeTempDir(t)
  const store = createLogStore({ dir, tailLines: 10, maxLineBytes: 64, diskOnlySources: ['gateway'] })
  const followed: LogEntry[] = []
  const stop = store.follow('gateway', (entry) => followed.push(entry))
  const time = new Date('2026-12-04T10:00:00.000Z')
  const lines = Array.from({ length: 30 }, (_, i) => (i === 7 ? `long ☃ ${'é'.repeat(40)}` : `{"n":${i},"q":"a\\"b"}`))
  store.appendMany('gateway', { stream: 'access', lines, time })
  store.appendMany('gateway', { stream: 'access', lines: [], time })
  const reference = store.append('kept@1.0.0', { stream: 'access', line: lines[0]!, time })
  stop()
  store.appendMany('gateway', { stream: 'access', lines: ['after unfollow'], time })

  assert.equal(followed.length, 31, 'listeners see every entry, the long line in two pieces')
  assert.equal(followed[7]!.continues, true)
  assert.equal(followed[7]!.line + followed[8]!.line, lines[7])
  assert.deepEqual(await store.sources(), ['gateway', 'kept@1.0.0'])

  const tail = await store.tail('gateway', 5)
  assert.deepEqual(tail.map((e) => e.line), [...lines.slice(26), 'after unfollow'])
  assert.deepEqual(tail.slice(0, 4), followed.slice(-4).map((e) => ({ ...e })), 'read back from the file, equal to what listeners got')
  const all = await store.query({ sources: ['gateway'], streams: ['access'], limit: 1000 })
  assert.equal(all.length, 32)
  assert.deepEqual(joinPieces(all), [...lines, 'after unfollow'])
  assertIncreasingSeq(all)
  await store.close()

  const text = await readFile(join(dir, encodeSourceName('gateway'), 'current.jsonl'), 'utf8')
  const fileLines = text.split('\n').filter(Boolean)
  assert.equal(fileLines[0], JSON.stringify({ ...followed[0] }), 'the same bytes JSON.stringify(entry) gives')
  assert.equal(fileLines[7], JSON.stringify({ ...followed[7] }))
  const keptText = await readFile(join(dir, encodeSourceName('kept@1.0.0'), 'current.jsonl'), 'utf8')
  assert.equal(keptText, `${JSON.stringify(reference)}\n`)
})

test('rotation falls between lines of the encoded queue, and a line longer than a file gets a file of its own', async (t) => {
  const dir = await makeTempDir(t)
  const store = createLogStore({ dir, maxFileBytes: 4096, maxFiles: 10, maxLineBytes: 16 * 1024, diskOnlySources: ['big'] })
  const lines = ['short one', `huge ${'🚀'.repeat(2000)}`, 'short two', ...Array.from({ length: 60 }, (_, i) => `filler ${i} ${'z'.repeat(90)}`)]
  store.appendMany('big', { stream: 'stdout', lines })
  await store.close()

  const folder = join(dir, encodeSourceName('big'))
  const names = (await readdir(folder)).filter((name) => name !== 'current.jsonl').sort((a, b) => parseInt(b) - parseInt(a))
  const files = [...names, 'current.jsonl']
  const entries: LogEntry[] = []
  for (const name of files) {
    const text = await readFile(join(folder, name), 'utf8')
    assert.ok(text.endsWith('\n'), `${name} ends with a whole line`)
    const parsed = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogEntry)
    const size = Buffer.byteLength(text)
    if (parsed.some((e) => e.line.startsWith('huge'))) assert.equal(parsed.length, 1, `${name}: the long line is alone in its file`)
    else assert.ok(size <= 4096, `${name} is ${size} bytes, at most maxFileBytes`)
    entries.push(...parsed)
  }
  assert.deepEqual(entries.map((e) => e.line), lines)
  assert.ok(files.length >= 4, `${files.length} files`)
  const reopened = createLogStore({ dir, maxFileBytes: 4096, maxFiles: 10, diskOnlySources: ['big'] })
  t.after(() => reopened.close())
  assert.deepEqual((await reopened.tail('big', 1000)).map((e) => e.line), lines, 'tail reads across the files')
})
