/**
 * Generates text-line images for the OCR example, offline: each sentence is rendered as black text
 * on white (1200×200) by Debian's Chromium through playwright-core, turned grey, optionally speckled
 * with noise, and written as PNG (pngjs) or JPEG (jpeg-js), with `expected.json` mapping each file
 * to its text. Run once by hand; the images in `samples/` are committed, and the OCR benchmark
 * calls it for a larger set in a temporary folder.
 *
 *   node examples/ocr/scripts/generate-samples.mjs                      # → examples/ocr/samples/
 *   node examples/ocr/scripts/generate-samples.mjs --out DIR --count 40 # → a generated set in DIR
 *
 * Needs `/usr/bin/chromium` (Debian package `chromium`, or CHROMIUM_PATH) and the root
 * devDependencies playwright-core, pngjs and jpeg-js. Deterministic for one Chromium version.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import jpeg from 'jpeg-js'
import { chromium } from 'playwright-core'
import { PNG } from 'pngjs'

const WIDTH = 1200
const HEIGHT = 200
const FONTS = ['DejaVu Sans', 'Liberation Serif', 'Liberation Sans', 'DejaVu Serif', 'Liberation Mono']

/** The committed samples: one sentence each, with its look. */
const SAMPLES = [
  { file: 'fox.png', text: 'The quick brown fox jumps over the lazy dog.', font: 'DejaVu Sans', size: 44 },
  { file: 'ferry.png', text: 'Ferry packs every model into a reproducible archive.', font: 'Liberation Serif', size: 44 },
  { file: 'harbour.jpg', text: 'Seven bright lanterns glowed along the quiet harbour.', font: 'Liberation Sans', size: 38 },
  { file: 'forms.png', text: 'Please return the signed forms before Friday morning.', font: 'DejaVu Serif', size: 26 },
  { file: 'noisy.png', text: 'Noisy scans still hold readable words and numbers like 2048.', font: 'DejaVu Sans', size: 36, noise: 0.02 },
  { file: 'library.jpg', text: 'A small library lends maps, novels and old records.', font: 'Liberation Mono', size: 32, noise: 0.01 },
]

const SUBJECTS = ['The old captain', 'Our neighbour', 'A young painter', 'The night nurse', 'My brother', 'The village baker', 'A tired student', 'The quiet teacher']
const VERBS = ['carried', 'painted', 'counted', 'repaired', 'delivered', 'ordered', 'found', 'borrowed']
const OBJECTS = ['three green boxes', 'twelve paper lamps', 'a heavy wooden chair', 'five silver spoons', 'the broken window', 'two warm blankets', 'a basket of apples', 'the red bicycle']
const PLACES = ['before the storm.', 'near the station.', 'after lunch on Monday.', 'across the market square.', 'behind the old church.', 'during the long winter.', 'for the summer fair.', 'under the bright moon.']

/** A small seeded generator (mulberry32), so a set is the same every time. */
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

/** `count` generated sentences with varied fonts, sizes, noise and formats. */
function generateSet(count, seed) {
  const random = createRandom(seed)
  const pick = (list) => list[Math.floor(random() * list.length)]
  return Array.from({ length: count }, (_, i) => ({
    file: `line-${String(i + 1).padStart(3, '0')}.${i % 4 === 3 ? 'jpg' : 'png'}`,
    text: `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(PLACES)}`,
    font: FONTS[i % FONTS.length],
    size: 28 + Math.floor(random() * 18),
    noise: i % 5 === 4 ? 0.015 : 0,
  }))
}

/** Grey pixels (one byte each) from a screenshot, with salt-and-pepper noise on a fraction of them. */
function toGrey(pngBytes, noise, random) {
  const png = PNG.sync.read(pngBytes)
  const grey = Buffer.alloc(png.width * png.height)
  for (let i = 0; i < grey.length; i++) {
    const [r, g, b] = [png.data[i * 4], png.data[i * 4 + 1], png.data[i * 4 + 2]]
    grey[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b)
    if (noise > 0 && random() < noise) grey[i] = random() < 0.5 ? 0 : 255
  }
  return { width: png.width, height: png.height, grey }
}

function encodeImage({ width, height, grey }, file) {
  const rgba = Buffer.alloc(width * height * 4)
  for (let i = 0; i < grey.length; i++) rgba.fill(grey[i], i * 4, i * 4 + 3).writeUInt8(255, i * 4 + 3)
  if (file.endsWith('.jpg')) return jpeg.encode({ data: rgba, width, height }, 85).data
  const png = new PNG({ width, height })
  rgba.copy(png.data)
  return PNG.sync.write(png, { colorType: 0 })
}

/** Renders each line with Chromium and writes the images and expected.json into `outDir`. */
async function renderLines(lines, outDir) {
  mkdirSync(outDir, { recursive: true })
  const profile = mkdtempSync(join(tmpdir(), 'ocr-samples-chromium-'))
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: WIDTH, height: HEIGHT },
  })
  try {
    const page = browser.pages()[0] ?? (await browser.newPage())
    const random = createRandom(7)
    const expected = {}
    for (const line of lines) {
      await page.setContent(`<body style="margin:0;background:#fff"><div id="l" style="width:${WIDTH}px;height:${HEIGHT}px;display:flex;align-items:center;padding:0 40px;box-sizing:border-box;white-space:nowrap;color:#000;font-family:'${line.font}';font-size:${line.size}px"><span></span></div></body>`)
      // Shrink the font until the sentence fits on the line.
      await page.evaluate((text) => {
        const span = document.querySelector('#l span')
        span.textContent = text
        let size = parseFloat(getComputedStyle(span.parentElement).fontSize)
        while (span.offsetWidth > 1120 && size > 12) span.parentElement.style.fontSize = `${--size}px`
      }, line.text)
      const shot = await page.screenshot({ clip: { x: 0, y: 0, width: WIDTH, height: HEIGHT } })
      writeFileSync(join(outDir, line.file), encodeImage(toGrey(shot, line.noise ?? 0, random), line.file))
      expected[line.file] = line.text
    }
    writeFileSync(join(outDir, 'expected.json'), JSON.stringify(expected, null, 2) + '\n')
  } finally {
    await browser.close()
    rmSync(profile, { recursive: true, force: true })
  }
}

const { values } = parseArgs({ options: { out: { type: 'string' }, count: { type: 'string' }, seed: { type: 'string' } } })
if (values.out) {
  await renderLines(generateSet(Number(values.count ?? 40), Number(values.seed ?? 1)), values.out)
} else {
  await renderLines(SAMPLES, join(dirname(fileURLToPath(import.meta.url)), '..', 'samples'))
}
