/**
 * The media type of a file from its first bytes, for uploads that arrive as
 * application/octet-stream (what @gradio/client sends for a file read from a Node path).
 */

const SIGNATURES: Array<[type: string, offset: number, bytes: number[]]> = [
  ['image/png', 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['image/jpeg', 0, [0xff, 0xd8, 0xff]],
  ['image/gif', 0, [0x47, 0x49, 0x46, 0x38]],
  ['image/webp', 8, [0x57, 0x45, 0x42, 0x50]],
  ['image/bmp', 0, [0x42, 0x4d]],
  ['application/pdf', 0, [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ['application/zip', 0, [0x50, 0x4b, 0x03, 0x04]],
]

/**
 * @example sniffContentType(pngBytes) // 'image/png'
 */
export function sniffContentType(bytes: Uint8Array): string | undefined {
  for (const [type, offset, signature] of SIGNATURES) {
    if (bytes.length >= offset + signature.length && signature.every((b, i) => bytes[offset + i] === b)) {
      if (type === 'image/webp' && !(bytes[0] === 0x52 && bytes[1] === 0x49)) continue // RIFF....WEBP
      return type
    }
  }
  return undefined
}

/** True when `type` is one `accepted` names: exact, `image/*`, or anything for `*\/*` or octet-stream. */
export function acceptsContentType(accepted: string, type: string): boolean {
  if (accepted === '*/*' || accepted === 'application/octet-stream') return true
  if (accepted.endsWith('/*')) return type.startsWith(accepted.slice(0, -1))
  return accepted === type
}
