/**
 * Generates the photos of stamped part markings for examples/markings, offline: each marking (a
 * part number line and a serial line) is drawn with @napi-rs/canvas on a brushed-metal plate,
 * stamped (a light edge below each stroke, a dark one above), rotated a few degrees, blurred a
 * little, and covered in sensor noise and scratches, then written as PNG or JPEG with
 * `expected.json` naming the order each photo must find in examples/orders-lookup/data/orders.csv.
 * Run once by hand; the photos in `samples/` are committed.
 *
 *   node examples/markings/scripts/generate-samples.mjs            # → examples/markings/samples/
 *   node examples/markings/scripts/generate-samples.mjs --out DIR  # → the same set in DIR
 *
 * Needs the root devDependency @napi-rs/canvas and Debian's DejaVu fonts. Deterministic: a seeded
 * random generator draws the noise.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createCanvas, GlobalFonts } from '@napi-rs/canvas'

const WIDTH = 960
const HEIGHT = 400
const FONT_FILES = {
  'Marking Mono': '/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf',
  'Marking Sans': '/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf',
}

/**
 * The committed photos: what is stamped, the look, and the order it must find. `plate` and `ink`
 * are grey levels (0 black, 255 white): the contrast varies from crisp to faint.
 */
const SAMPLES = [
  { file: 'marking-4471-a2.png', lines: ['PN 4471-A2', 'SN 0093'], order: 'WO-24002', font: 'Marking Mono', size: 76, angle: 2.5, plate: 200, ink: 40, noise: 14, specks: 0.002 },
  { file: 'marking-7730-b8.png', lines: ['P/N 7730-B8', 'S/N 1150'], order: 'WO-24038', font: 'Marking Sans', size: 80, angle: -3.5, plate: 185, ink: 55, noise: 18, specks: 0.003 },
  { file: 'marking-2051-sz.jpg', lines: ['PN 2051-SZ', 'SN 0417'], order: 'WO-24058', font: 'Marking Mono', size: 72, angle: 1.5, plate: 172, ink: 72, noise: 9, specks: 0.001 },
  { file: 'marking-6028-c1.png', lines: ['PN 6028-C1', 'SN 2210'], order: 'WO-24079', font: 'Marking Sans', size: 78, angle: -2, plate: 210, ink: 50, noise: 22, specks: 0.005 },
  { file: 'marking-3305-z5.png', lines: ['PN 3305-Z5', 'SN 0871'], order: 'WO-24102', font: 'Marking Mono', size: 74, angle: 4, plate: 175, ink: 35, noise: 16, specks: 0.003, scratches: 14 },
]

/** A small seeded generator (mulberry32), so the photos are the same every time. */
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

/** Roughly normal noise (the sum of three uniforms), mean 0, deviation about `sigma`. */
const gaussian = (random, sigma) => (random() + random() + random() - 1.5) * 2 * sigma

const grey = (level) => `rgb(${level},${level},${level})`

/** The plate: a brushed-metal gradient with fine horizontal streaks and a few scratches. */
function drawPlate(ctx, sample, random) {
  const gradient = ctx.createLinearGradient(0, 0, WIDTH, HEIGHT)
  gradient.addColorStop(0, grey(Math.min(255, sample.plate + 25)))
  gradient.addColorStop(0.6, grey(sample.plate))
  gradient.addColorStop(1, grey(Math.max(0, sample.plate - 30)))
  ctx.fillStyle = gradient
  ctx.fillRect(-WIDTH, -HEIGHT, WIDTH * 3, HEIGHT * 3)
  for (let i = 0; i < 260; i++) {
    const y = random() * HEIGHT
    ctx.strokeStyle = `rgba(${random() < 0.5 ? '255,255,255' : '0,0,0'},${0.04 + random() * 0.06})`
    ctx.lineWidth = 1
    ctx.beginPath()
    ctx.moveTo(-50, y)
    ctx.lineTo(WIDTH + 50, y + gaussian(random, 3))
    ctx.stroke()
  }
  for (let i = 0; i < (sample.scratches ?? 4); i++) {
    const x = random() * WIDTH
    const y = random() * HEIGHT
    ctx.strokeStyle = `rgba(255,255,255,${0.2 + random() * 0.3})`
    ctx.lineWidth = 1 + random()
    ctx.beginPath()
    ctx.moveTo(x, y)
    ctx.lineTo(x + gaussian(random, 120), y + gaussian(random, 60))
    ctx.stroke()
  }
}

/** The marking, stamped: a light edge below, a dark edge above, the groove in `ink`. */
function drawMarking(ctx, sample) {
  ctx.save()
  ctx.translate(WIDTH / 2, HEIGHT / 2)
  ctx.rotate((sample.angle * Math.PI) / 180)
  ctx.font = `${sample.size}px "${sample.font}"`
  ctx.textAlign = 'center'
  ctx.textBaseline = 'middle'
  const lineHeight = sample.size * 1.45
  sample.lines.forEach((line, index) => {
    const y = (index - (sample.lines.length - 1) / 2) * lineHeight
    ctx.fillStyle = grey(Math.min(255, sample.plate + 45))
    ctx.fillText(line, 2, y + 3)
    ctx.fillStyle = grey(Math.max(0, sample.ink - 25))
    ctx.fillText(line, -1, y - 1)
    ctx.fillStyle = grey(sample.ink)
    ctx.fillText(line, 0, y)
  })
  ctx.restore()
}

/** Sensor noise on every pixel and dust specks, in grey. */
function addNoise(ctx, sample, random) {
  const image = ctx.getImageData(0, 0, WIDTH, HEIGHT)
  const { data } = image
  for (let i = 0; i < data.length; i += 4) {
    let level = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2] + gaussian(random, sample.noise)
    if (random() < sample.specks) level = random() < 0.5 ? 20 + random() * 40 : 230 + random() * 25
    level = Math.max(0, Math.min(255, Math.round(level)))
    data[i] = data[i + 1] = data[i + 2] = level
    data[i + 3] = 255
  }
  ctx.putImageData(image, 0, 0)
}

/** Renders one photo: plate, marking, a slight blur (the camera), noise. */
function renderSample(sample, random) {
  const canvas = createCanvas(WIDTH, HEIGHT)
  const ctx = canvas.getContext('2d')
  drawPlate(ctx, sample, random)
  drawMarking(ctx, sample)
  const blurred = createCanvas(WIDTH, HEIGHT)
  const blurredCtx = blurred.getContext('2d')
  blurredCtx.filter = 'blur(1.2px)'
  blurredCtx.drawImage(canvas, 0, 0)
  blurredCtx.filter = 'none'
  addNoise(blurredCtx, sample, random)
  return sample.file.endsWith('.jpg') ? blurred.toBuffer('image/jpeg', 82) : blurred.toBuffer('image/png')
}

for (const [family, path] of Object.entries(FONT_FILES)) {
  if (!GlobalFonts.registerFromPath(path, family)) throw new Error(`cannot load the font ${path} (Debian package fonts-dejavu-core)`)
}
const { values } = parseArgs({ options: { out: { type: 'string' } } })
const outDir = values.out ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'samples')
mkdirSync(outDir, { recursive: true })
const random = createRandom(14)
for (const sample of SAMPLES) writeFileSync(join(outDir, sample.file), renderSample(sample, random))
const expected = SAMPLES.map(({ file, order, lines }) => ({ file, order, marking: lines.join('\n') }))
writeFileSync(join(outDir, 'expected.json'), JSON.stringify(expected, null, 2) + '\n')
process.stdout.write(`wrote ${SAMPLES.length} photos and expected.json to ${outDir}\n`)
