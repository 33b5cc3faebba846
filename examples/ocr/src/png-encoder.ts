/**
 * A minimal PNG encoder for RGBA pixels: 8-bit RGB, no filter, deflated by Node's zlib. pngjs's
 * writer picks a filter per row in JavaScript, which costs ~4× more on the server's event loop,
 * where this runs for every tracked request; boxed text on white deflates well without filters.
 */
import { deflateSync } from 'node:zlib'
import type { Rgba } from './raster.js'

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c
})

function crc32(bytes: Buffer): number {
  let crc = -1
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  data.copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

/**
 * Encodes RGBA pixels as an RGB PNG (alpha is dropped).
 * @example
 * writeFileSync('boxed.png', encodeRgbPng(drawWordBoxes(image, words)))
 */
export function encodeRgbPng(image: Rgba): Buffer {
  const { width, height, data } = image
  const stride = 1 + width * 3
  const raw = Buffer.alloc(stride * height) // each row: filter byte 0 (none), then RGB
  for (let y = 0; y < height; y++) {
    let to = y * stride + 1
    let from = y * width * 4
    for (let x = 0; x < width; x++, from += 4, to += 3) {
      raw[to] = data[from]!
      raw[to + 1] = data[from + 1]!
      raw[to + 2] = data[from + 2]!
    }
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 6 })), chunk('IEND', Buffer.alloc(0))])
}
