/**
 * Generates the document flow's sample documents, offline: short documents of the kinds the
 * doc-classifier knows (an invoice, a letter, a receipt), rendered black on white by Debian's
 * Chromium through playwright-core and written as PNG (pngjs) or JPEG (jpeg-js), plus the invoice
 * as a one-page PDF (Chromium's page.pdf(), with a text layer); `expected.json` maps each file to
 * its label and a few words its text must hold. Run once by hand; the files in `samples/` are
 * committed.
 *
 *   node examples/docflow/scripts/generate-samples.mjs     # → examples/docflow/samples/
 *
 * Needs `/usr/bin/chromium` (or CHROMIUM_PATH) and the root devDependencies playwright-core, pngjs
 * and jpeg-js.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import jpeg from 'jpeg-js'
import { chromium } from 'playwright-core'
import { PNG } from 'pngjs'

const WIDTH = 1000
const HEIGHT = 640

const DOCUMENTS = [
  {
    file: 'invoice.png', label: 'invoice', words: ['INVOICE', 'Total'], font: 'DejaVu Sans',
    lines: ['INVOICE No. 2231', 'Bill to: Harbour Marine Supplies Ltd', 'Rope and fittings, 40 units at 12.50 = 500.00', 'VAT 20%: 100.00', 'Total due: 600.00', 'Payment terms: 30 days. Please quote the invoice number.'],
  },
  {
    file: 'letter.jpg', label: 'letter', words: ['Dear', 'wishes'], font: 'Liberation Serif',
    lines: ['Dear Mr. Carver,', 'Thank you for the lovely evening at your home last week.', 'The children still talk about the boat trip on the lake.', 'Do visit us in the spring when the garden is in bloom.', 'With best wishes,', 'Helen'],
  },
  {
    file: 'receipt.png', label: 'receipt', words: ['TOTAL', 'receipt'], font: 'DejaVu Sans Mono',
    lines: ['CORNER CAFE', '2 x flat white 6.40', '1 x almond croissant 2.80', 'TOTAL 9.20', 'Paid by card ****4417, approved', 'Thank you! Keep this receipt.'],
  },
]

const html = (doc) => `<body style="margin:0;background:#fff"><div style="width:${WIDTH}px;height:${HEIGHT}px;padding:48px 56px;box-sizing:border-box;color:#000;font-family:'${doc.font}';font-size:30px;line-height:1.7">${doc.lines.map((l) => `<div>${l.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</div>`).join('')}</div></body>`

function encodeImage(pngBytes, file) {
  const png = PNG.sync.read(pngBytes)
  if (file.endsWith('.jpg')) return jpeg.encode({ data: png.data, width: png.width, height: png.height }, 85).data
  return PNG.sync.write(png, { colorType: 2 })
}

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'samples')
mkdirSync(outDir, { recursive: true })
const profile = mkdtempSync(join(tmpdir(), 'docflow-samples-chromium-'))
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
try {
  const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } })
  const expected = {}
  for (const doc of DOCUMENTS) {
    await page.setContent(html(doc))
    const shot = await page.screenshot({ clip: { x: 0, y: 0, width: WIDTH, height: HEIGHT } })
    writeFileSync(join(outDir, doc.file), encodeImage(shot, doc.file))
    expected[doc.file] = { label: doc.label, words: doc.words, pages: 1 }
  }
  const invoice = DOCUMENTS[0]
  await page.setContent(html(invoice))
  writeFileSync(join(outDir, 'invoice.pdf'), await page.pdf({ width: `${WIDTH}px`, height: `${HEIGHT}px`, printBackground: true }))
  expected['invoice.pdf'] = { label: invoice.label, words: invoice.words, pages: 1 }
  writeFileSync(join(outDir, 'expected.json'), JSON.stringify(expected, null, 2) + '\n')
} finally {
  await browser.close()
  rmSync(profile, { recursive: true, force: true })
}
