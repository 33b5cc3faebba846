/**
 * A drawing pad for handwritten digits: draw with a mouse, a finger or a pen; the drawing is
 * cropped to its ink, centred in a square, scaled to 32×32 and counted in 4×4 blocks, which gives
 * the 8×8 values 0–16 of the UCI/scikit-learn digits the model was trained on.
 */
import { h } from '../dom.js'

const SIZE = 240

export interface DrawingPad {
  element: HTMLElement
  canvas: HTMLCanvasElement
  pixels(): number[]
  clear(): void
  /** Shows 8×8 values 0–16 on the pad (an example, typed values) without telling the listeners. */
  paint(values: number[]): void
  onChange(listener: () => void): void
  toPng(): Promise<Blob>
}

export function createDrawingPad(label: string): DrawingPad {
  const canvas = h('canvas', { width: String(SIZE), height: String(SIZE), class: 'pad', role: 'img', 'aria-label': label })
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!
  const listeners: Array<() => void> = []
  let drawing = false
  let last: { x: number; y: number } | undefined

  function clear(): void {
    ctx.fillStyle = '#fff'
    ctx.fillRect(0, 0, SIZE, SIZE)
    for (const l of listeners) l()
  }
  function point(event: PointerEvent): { x: number; y: number } {
    const rect = canvas.getBoundingClientRect()
    return { x: ((event.clientX - rect.left) / rect.width) * SIZE, y: ((event.clientY - rect.top) / rect.height) * SIZE }
  }
  function stroke(to: { x: number; y: number }): void {
    ctx.strokeStyle = '#000'
    ctx.lineWidth = SIZE / 7
    ctx.lineCap = 'round'
    ctx.lineJoin = 'round'
    ctx.beginPath()
    ctx.moveTo((last ?? to).x, (last ?? to).y)
    ctx.lineTo(to.x + 0.01, to.y)
    ctx.stroke()
    last = to
  }
  canvas.addEventListener('pointerdown', (event) => { drawing = true; last = undefined; canvas.setPointerCapture(event.pointerId); stroke(point(event)) })
  canvas.addEventListener('pointermove', (event) => { if (drawing) stroke(point(event)) })
  const end = () => { if (drawing) { drawing = false; last = undefined; for (const l of listeners) l() } }
  canvas.addEventListener('pointerup', end)
  canvas.addEventListener('pointercancel', end)

  function pixels(): number[] {
    const { data } = ctx.getImageData(0, 0, SIZE, SIZE)
    let minX = SIZE, minY = SIZE, maxX = -1, maxY = -1
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
      if (data[(y * SIZE + x) * 4]! < 128) { minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y) }
    }
    if (maxX < 0) return new Array<number>(64).fill(0)
    // A square around the ink with a margin, like the 32×32 bitmaps of the original data set.
    const side = Math.max(maxX - minX, maxY - minY) * 1.1 + 1
    const cx = (minX + maxX) / 2
    const cy = (minY + maxY) / 2
    const small = document.createElement('canvas')
    small.width = small.height = 32
    const sctx = small.getContext('2d', { willReadFrequently: true })!
    sctx.fillStyle = '#fff'
    sctx.fillRect(0, 0, 32, 32)
    sctx.imageSmoothingQuality = 'high'
    sctx.drawImage(canvas, cx - side / 2, cy - side / 2, side, side, 0, 0, 32, 32)
    const bits = sctx.getImageData(0, 0, 32, 32).data
    const out: number[] = []
    for (let by = 0; by < 8; by++) for (let bx = 0; bx < 8; bx++) {
      let on = 0
      for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) if (bits[((by * 4 + y) * 32 + bx * 4 + x) * 4]! < 160) on++
      out.push(on)
    }
    return out
  }

  function paint(values: number[]): void {
    ctx.fillStyle = '#fff'
    ctx.fillRect(0, 0, SIZE, SIZE)
    // Inside a margin, as a drawing would be: the 8×8 blocks as grey squares.
    const margin = SIZE / 10
    const cell = (SIZE - 2 * margin) / 8
    values.forEach((v, i) => {
      const grey = Math.round(255 - Math.min(Math.max(v, 0), 16) * 15.9)
      ctx.fillStyle = `rgb(${grey}, ${grey}, ${grey})`
      ctx.fillRect(margin + (i % 8) * cell, margin + Math.floor(i / 8) * cell, Math.ceil(cell), Math.ceil(cell))
    })
  }

  clear()
  return {
    element: canvas,
    canvas,
    pixels,
    clear,
    paint,
    onChange: (listener) => { listeners.push(listener) },
    toPng: () => new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('could not encode the drawing'))), 'image/png')),
  }
}

/** The 8×8 values as a small grid of grey cells (for the eye; the numbers are in the text box). */
export function pixelGrid(values: number[]): HTMLElement {
  const grid = h('div', { class: 'pixel-grid', 'aria-hidden': 'true' })
  for (const v of values) {
    const cell = h('span')
    cell.style.backgroundColor = `rgb(${255 - v * 15.9}, ${255 - v * 15.9}, ${255 - v * 15.9})`
    grid.append(cell)
  }
  return grid
}
