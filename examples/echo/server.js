// The smallest Ferry model: answers its health check and echoes the JSON it is sent.
// Ferry gives it PORT and HOST; it needs nothing but Node itself.
import { createServer } from 'node:http'

const MAX_BODY_BYTES = 1024 * 1024

function send(res, status, body) {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok' })
  if (req.method !== 'POST' || req.url !== '/predict') return send(res, 404, { error: { code: 'NOT_FOUND', message: `${req.method} ${req.url} is not served here` } })
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
    return send(res, 415, { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send application/json' } })
  }
  const chunks = []
  let size = 0
  req.on('data', (chunk) => {
    size += chunk.length
    if (size > MAX_BODY_BYTES) {
      send(res, 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: `bodies are limited to ${MAX_BODY_BYTES} bytes` } })
      req.destroy()
    } else chunks.push(chunk)
  })
  req.on('end', () => {
    try {
      send(res, 200, { echo: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') })
    } catch (error) {
      send(res, 400, { error: { code: 'INVALID_JSON', message: error.message } })
    }
  })
})

const port = Number(process.env.PORT ?? 8000)
const host = process.env.HOST ?? '127.0.0.1'
server.listen(port, host, () => console.log(`echo listening on http://${host}:${port}`))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
