/**
 * The first bytes of a body as it streams by (the rest counted, not kept): what body capture
 * stores of a request and of its answer, so a huge upload costs at most `limit` bytes of memory.
 */
export class BodySample {
  private readonly chunks: Buffer[] = []
  private kept = 0
  /** Every byte seen, kept or not. */
  bytes = 0

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    this.bytes += chunk.length
    if (this.kept >= this.limit) return
    const part = chunk.length <= this.limit - this.kept ? chunk : chunk.subarray(0, this.limit - this.kept)
    this.chunks.push(Buffer.from(part))
    this.kept += part.length
  }

  get truncated(): boolean {
    return this.bytes > this.kept
  }

  body(): Buffer {
    return Buffer.concat(this.chunks)
  }
}
