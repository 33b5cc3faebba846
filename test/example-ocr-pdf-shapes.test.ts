/**
 * examples/ocr outside Ferry with PDFs shaped to hurt: a page 1 × 100,000 points (a strip that
 * rendered at 144 dpi is 2 × 200,000 pixels, which tesseract cannot read), a page 100,000 ×
 * 100,000 points (must not allocate a giant canvas), a MediaBox of 1e300, and a PDF carrying
 * JavaScript (never run: the text layer answers). Each is answered 200 with a page no side of which
 * passes the image limit. With ?highlight=1, pages of noise whose PNGs pass 64 MiB are refused
 * (E_HIGHLIGHT_TOO_LARGE) rather than sent as one answer of hundreds of MB. The PDFs are built here,
 * object by object.
 * Needs examples/ocr built (`npm run build`).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { getFreePort } from '../deployer/port-pool.js'
import { ferryPath } from '../packager/repo-root.js'

const OCR = ferryPath('examples', 'ocr')
/** examples/ocr/src/image-header.ts MAX_SIDE, and page-render.ts MAX_RENDER_PIXELS. */
const MAX_SIDE = 8000
const MAX_PIXELS = 16_000_000

/** `pages` text-layer pages of 2000 × 2000 pt, each drawing the same 2000 × 2000 grey noise image (xorshift, seeded). */
function buildNoisePdf(pages: number): Buffer {
  const side = 2000
  const pixels = Buffer.alloc(side * side)
  let x = 0x9e3779b9
  for (let i = 0; i < pixels.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; pixels[i] = x & 0xff }
  const content = `q ${side} 0 0 ${side} 0 0 cm /Im1 Do Q BT /F1 24 Tf 72 72 Td (Hello world) Tj ET`
  const objects: Array<string | Buffer> = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, i) => `${i + 6} 0 R`).join(' ')}] /Count ${pages} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    Buffer.concat([Buffer.from(`<< /Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceGray /BitsPerComponent 8 /Length ${pixels.length} >>\nstream\n`, 'latin1'), pixels, Buffer.from('\nendstream', 'latin1')]),
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    ...Array.from({ length: pages }, () => `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${side} ${side}] /Contents 5 0 R /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> >> >>`),
  ]
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n', 'latin1')]
  let length = parts[0]!.length
  const offsets: number[] = []
  objects.forEach((body, i) => {
    offsets.push(length)
    const part = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body, Buffer.from('\nendobj\n', 'latin1')])
    parts.push(part)
    length += part.length
  })
  parts.push(Buffer.from(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`, 'latin1'))
  return Buffer.concat(parts)
}

/** A one-page PDF with the given MediaBox, content stream and catalog extras, with a correct xref. */
function buildPdf(mediaBox: string, content: string, catalogExtra = '', extraObjects: string[] = []): Buffer {
  const objects = [
    `<< /Type /Catalog /Pages 2 0 R ${catalogExtra}>>`,
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [${mediaBox}] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>`,
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ...extraObjects,
  ]
  let out = '%PDF-1.4\n'
  const offsets: number[] = []
  objects.forEach((body, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${body}\nendobj\n` })
  const xref = out.length
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

const DRAWING = '0 0 1 rg 0 0 50 50 re f'
const HELLO = 'BT /F1 24 Tf 72 72 Td (Hello world) Tj ET'

test('strip-shaped, huge, noisy and JavaScript-carrying PDFs are read within the image and answer limits', { timeout: 240_000 }, async (t) => {
  const port = await getFreePort('127.0.0.1')
  const child = spawn(process.execPath, [join(OCR, 'build', 'server.js')], {
    cwd: OCR,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PORT: String(port), HOST: '127.0.0.1', OCR_WORKERS: '1' },
    stdio: ['ignore', 'ignore', 'ignore'],
  })
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    const status = await fetch(`${url}/health`).then((r) => r.status, () => 0)
    if (status === 200) break
    assert.ok(i < 450, 'the server became ready')
    await sleep(100)
  }
  const post = async (pdf: Buffer) => {
    const res = await fetch(`${url}/recognize`, { method: 'POST', body: pdf, headers: { 'content-type': 'application/pdf' } })
    return { status: res.status, body: (await res.json()) as { pages: Array<{ width: number; height: number; text: string; source: string }>; error?: { code: string } } }
  }

  for (const [label, box] of [['a 1 × 100,000 pt strip', '0 0 1 100000'], ['a 100,000 × 1 pt strip', '0 0 100000 1'], ['a 100,000 × 100,000 pt page', '0 0 100000 100000'], ['a 1e300 pt page', '0 0 1e300 1e300']] as const) {
    const { status, body } = await post(buildPdf(box, DRAWING))
    assert.equal(status, 200, `${label}: ${JSON.stringify(body)}`)
    const [page] = body.pages
    assert.ok(page && page.width >= 1 && page.height >= 1, `${label}: a page of at least one pixel`)
    assert.ok(page.width <= MAX_SIDE && page.height <= MAX_SIDE, `${label}: ${page.width} × ${page.height} within ${MAX_SIDE} a side`)
    assert.ok(page.width * page.height <= MAX_PIXELS, `${label}: within ${MAX_PIXELS} pixels`)
    assert.equal(page.source, 'ocr')
  }

  // 12 pages of noise: each highlighted page is a ~7 MB PNG; together they pass the answer's 64 MiB.
  const noise = buildNoisePdf(12)
  const plain = await post(noise)
  assert.equal(plain.status, 200, 'without highlight, the text layers answer')
  assert.equal(plain.body.pages.length, 12)
  const highlighted = await fetch(`${url}/recognize?highlight=1`, { method: 'POST', body: noise, headers: { 'content-type': 'application/pdf' } })
  const refusal = (await highlighted.json()) as { error?: { code: string; details?: { page: number; limitBytes: number } } }
  assert.equal(highlighted.status, 413, JSON.stringify(refusal).slice(0, 300))
  assert.equal(refusal.error?.code, 'E_HIGHLIGHT_TOO_LARGE')
  assert.equal(refusal.error?.details?.limitBytes, 64 * 1024 * 1024)
  assert.ok(refusal.error.details.page > 1 && refusal.error.details.page <= 12, 'the page where the budget ran out is named')

  // Mislabelled either way, the bytes decide: a PNG sent as application/pdf is read as the PNG.
  const png = await fetch(`${url}/recognize`, { method: 'POST', body: readFileSync(join(OCR, 'samples', 'fox.png')), headers: { 'content-type': 'application/pdf' } })
  const pngAnswer = (await png.json()) as { text?: string; error?: unknown }
  assert.equal(png.status, 200, JSON.stringify(pngAnswer))
  assert.match(pngAnswer.text ?? '', /fox/i)
  const pdfAsPng = await fetch(`${url}/recognize`, { method: 'POST', body: buildPdf('0 0 612 792', HELLO), headers: { 'content-type': 'image/png' } })
  assert.equal(((await pdfAsPng.json()) as { text?: string }).text, 'Hello world')

  const script = buildPdf('0 0 612 792', HELLO, '/OpenAction 6 0 R /Names << /JavaScript << /Names [(x) 6 0 R] >> >> ', ['<< /S /JavaScript /JS (while\\(true\\){}) >>'])
  const { status, body } = await post(script)
  assert.equal(status, 200, JSON.stringify(body))
  assert.deepEqual(body.pages.map((p) => [p.text, p.source]), [['Hello world', 'text-layer']], 'the script is not run; the text layer answers')
  child.kill('SIGTERM')
})
