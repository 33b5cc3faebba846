/**
 * Generates the PDF samples of the OCR example, offline, into examples/ocr/samples/:
 *
 *   text-layer.pdf   one page printed by Chromium (page.pdf()): real text, read from its text layer
 *   scanned.pdf      one page that is only a JPEG (a "scan" rendered by Chromium, greyed and
 *                    speckled), embedded by hand as a DCTDecode image: no text layer, so recognised
 *   mixed.pdf        two pages printed by Chromium: page 1 text, page 2 only a picture of text
 *   encrypted.pdf    text-layer.pdf protected with the user password "ferry" (qpdf, AES-256)
 *   many-pages.pdf   2,000 empty pages, written by hand: over any sensible page limit
 *   not-a-pdf.pdf    a text file with a .pdf name
 *   pdf-expected.json  each PDF's pages: where their text comes from and what it says
 *
 *   node examples/ocr/scripts/generate-pdf-samples.mjs [--out DIR]
 *
 * Needs /usr/bin/chromium (or CHROMIUM_PATH), qpdf (Debian package qpdf) and the root
 * devDependencies playwright-core, pngjs and jpeg-js.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import jpeg from 'jpeg-js'
import { chromium } from 'playwright-core'
import { PNG } from 'pngjs'

/** A 6 × 4 inch page: 432 × 288 points, 864 × 576 pixels at 144 dpi. */
const PAGE = { widthIn: 6, heightIn: 4, widthPt: 432, heightPt: 288, widthPx: 864, heightPx: 576 }

const TEXT_PAGE = ['Invoice 1042', 'Bill to: Fenwick and Daughters Ltd', 'Bookkeeping services, October', 'Total due: 864.00']
const SCANNED_PAGE = ['Delivery note 5581', 'Received two crates of copper fittings', 'Signed at the north gate on Tuesday']
const MIXED_TEXT_PAGE = ['Service report 77', 'The pump at station four was replaced']
const MIXED_SCANNED_PAGE = ['Parts list attached', 'Three valves and one gasket kit']

const lines = (texts) => texts.map((text, i) => `<p style="margin:0 0 14px;font-size:${i === 0 ? 30 : 22}px;${i === 0 ? 'font-weight:bold' : ''}">${text}</p>`).join('')
const pageHtml = (body) => `<html><head><style>@page{size:${PAGE.widthIn}in ${PAGE.heightIn}in;margin:0} body{margin:0;font-family:'DejaVu Sans'} .page{box-sizing:border-box;width:${PAGE.widthIn}in;height:${PAGE.heightIn}in;padding:0.4in;overflow:hidden} .break{break-before:page}</style></head><body>${body}</body></html>`

/** A seeded generator (mulberry32). */
function createRandom(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A screenshot made to look scanned: grey, a slightly darker paper, a few specks; JPEG bytes. */
function toScan(pngBytes, random) {
  const png = PNG.sync.read(pngBytes)
  const rgba = Buffer.alloc(png.width * png.height * 4)
  for (let i = 0; i < png.width * png.height; i++) {
    let level = 0.299 * png.data[i * 4] + 0.587 * png.data[i * 4 + 1] + 0.114 * png.data[i * 4 + 2]
    level = 30 + level * 0.85 + (random() - 0.5) * 16
    if (random() < 0.002) level = random() * 80
    rgba.fill(Math.max(0, Math.min(255, Math.round(level))), i * 4, i * 4 + 3)
    rgba[i * 4 + 3] = 255
  }
  return jpeg.encode({ data: rgba, width: png.width, height: png.height }, 80).data
}

/** Writes a PDF from its objects (strings or Buffers, object 1 first), with a correct xref table. */
function writePdf(objects, root = 1) {
  const parts = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')]
  let offset = parts[0].length
  const offsets = []
  objects.forEach((body, index) => {
    offsets.push(offset)
    const chunk = Buffer.concat([Buffer.from(`${index + 1} 0 obj\n`), Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'), Buffer.from('\nendobj\n')])
    parts.push(chunk)
    offset += chunk.length
  })
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((at) => `${String(at).padStart(10, '0')} 00000 n \n`)].join('')
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root ${root} 0 R >>\nstartxref\n${offset}\n%%EOF\n`))
  return Buffer.concat(parts)
}

/** One page that is only the JPEG `scan`, drawn over the whole page. */
function scannedPdf(scan, width, height) {
  const content = `q ${PAGE.widthPt} 0 0 ${PAGE.heightPt} 0 0 cm /Scan Do Q`
  return writePdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE.widthPt} ${PAGE.heightPt}] /Resources << /XObject << /Scan 5 0 R >> >> /Contents 4 0 R >>`,
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    Buffer.concat([Buffer.from(`<< /Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${scan.length} >>\nstream\n`), scan, Buffer.from('\nendstream')]),
  ])
}

/** `count` empty pages under one page tree. */
function manyPagesPdf(count) {
  const kids = Array.from({ length: count }, (_, i) => `${i + 3} 0 R`).join(' ')
  const pages = Array.from({ length: count }, () => '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>')
  return writePdf(['<< /Type /Catalog /Pages 2 0 R >>', `<< /Type /Pages /Kids [${kids}] /Count ${count} >>`, ...pages])
}

const { values } = parseArgs({ options: { out: { type: 'string' } } })
const outDir = values.out ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'samples')
mkdirSync(outDir, { recursive: true })
const profile = mkdtempSync(join(tmpdir(), 'ocr-pdf-samples-'))
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: PAGE.widthPx, height: PAGE.heightPx },
})
try {
  const page = browser.pages()[0] ?? (await browser.newPage())
  const random = createRandom(5)
  // A picture of a page of text, at 144 dpi: the page scaled 1.5 from CSS pixels (96 dpi).
  const scanOf = async (texts) => {
    await page.setViewportSize({ width: PAGE.widthPx / 1.5, height: PAGE.heightPx / 1.5 })
    await page.setContent(pageHtml(`<div class="page" style="padding:0.3in">${lines(texts)}</div>`))
    const cdp = await page.context().newCDPSession(page)
    const { data } = await cdp.send('Page.captureScreenshot', { format: 'png', clip: { x: 0, y: 0, width: PAGE.widthPx / 1.5, height: PAGE.heightPx / 1.5, scale: 1.5 } })
    await cdp.detach()
    return toScan(Buffer.from(data, 'base64'), random)
  }

  const print = async (body) => {
    await page.setContent(pageHtml(body))
    return page.pdf({ width: `${PAGE.widthIn}in`, height: `${PAGE.heightIn}in`, printBackground: true, preferCSSPageSize: true })
  }
  writeFileSync(join(outDir, 'text-layer.pdf'), await print(`<div class="page">${lines(TEXT_PAGE)}</div>`))
  writeFileSync(join(outDir, 'scanned.pdf'), scannedPdf(await scanOf(SCANNED_PAGE), PAGE.widthPx, PAGE.heightPx))
  const picture = (await scanOf(MIXED_SCANNED_PAGE)).toString('base64')
  writeFileSync(join(outDir, 'mixed.pdf'), await print(`<div class="page">${lines(MIXED_TEXT_PAGE)}</div><div class="page break" style="padding:0"><img src="data:image/jpeg;base64,${picture}" style="width:${PAGE.widthIn}in;height:${PAGE.heightIn}in;display:block"></div>`))
} finally {
  await browser.close()
  rmSync(profile, { recursive: true, force: true })
}
execFileSync('qpdf', ['--encrypt', 'ferry', 'ferry-owner', '256', '--', join(outDir, 'text-layer.pdf'), join(outDir, 'encrypted.pdf')])
writeFileSync(join(outDir, 'many-pages.pdf'), manyPagesPdf(2000))
writeFileSync(join(outDir, 'not-a-pdf.pdf'), 'This is a plain text file with a .pdf name: no %-header, no objects, no pages.\n')
const expected = {
  'text-layer.pdf': [{ source: 'text-layer', text: TEXT_PAGE.join('\n') }],
  'scanned.pdf': [{ source: 'ocr', text: SCANNED_PAGE.join('\n') }],
  'mixed.pdf': [{ source: 'text-layer', text: MIXED_TEXT_PAGE.join('\n') }, { source: 'ocr', text: MIXED_SCANNED_PAGE.join('\n') }],
}
writeFileSync(join(outDir, 'pdf-expected.json'), JSON.stringify(expected, null, 2) + '\n')
process.stdout.write(`wrote the PDF samples and pdf-expected.json to ${outDir}\n`)
