// Answers GET /health and echoes POST /echo; listens on $PORT, as Ferry asks.
import { createServer } from 'node:http'

createServer((req, res) => {
  if (req.url === '/health') return res.end('ok')
  if (req.method === 'POST' && req.url === '/echo') return req.pipe(res)
  res.statusCode = 404
  res.end()
}).listen(Number(process.env.PORT), process.env.HOST)
