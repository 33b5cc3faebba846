/**
 * An answer's body read whole, for the gateway's own loopback calls to /models/ (the protocols'
 * model caller, a pipeline's steps): bounded, so a model cannot make the gateway hold more than
 * MAX_ANSWER_BYTES. Leaving the loop early destroys the stream (the iterator's return()).
 */

export const MAX_ANSWER_BYTES = 64 * 1024 * 1024

/**
 * `what` names the answer in the error, e.g. "the answer of digits".
 * @example const bytes = await readAnswerBody(answer.body) // throws past 64 MB
 */
export async function readAnswerBody(body: AsyncIterable<Buffer>, what = 'the answer', maxBytes = MAX_ANSWER_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > maxBytes) throw new Error(`${what} is larger than ${maxBytes} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}
