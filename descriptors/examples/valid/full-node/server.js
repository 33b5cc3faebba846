// A toy sentiment service: counts lexicon words (the "weights") and answers with a label.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'

const here = (path) => new URL(path, import.meta.url)
const lexicon = JSON.parse(readFileSync(here(`${process.env.MODEL_DIR}/lexicon.json`), 'utf8'))
const labels = readFileSync(here(process.argv[process.argv.indexOf('--labels') + 1]), 'utf8').split('\n')
const openapi = { openapi: '3.1.0', info: { title: 'full-node', version: '1.0.0' }, paths: { '/predict': { post: {} }, '/predict/text': { post: {} } } }

function classify(text) {
  const words = text.toLowerCase().match(/[a-z]+/g) ?? []
  const score = words.filter((w) => lexicon.positive.includes(w)).length - words.filter((w) => lexicon.negative.includes(w)).length
  return { label: labels[score >= 0 ? 1 : 0], score }
}

createServer(async (req, res) => {
  const send = (status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)) }
  if (req.url === '/health') return send(200, { ok: true })
  if (req.url === '/openapi.json') return send(200, openapi)
  if (req.method !== 'POST' || !req.url.startsWith('/predict')) return send(404, { error: 'not found' })
  let body = ''
  for await (const chunk of req) body += chunk
  try {
    const text = req.url === '/predict' ? JSON.parse(body).text : body
    if (typeof text !== 'string' || text === '') return send(400, { error: 'text is required' })
    send(200, classify(text))
  } catch {
    send(400, { error: 'the body is not JSON' })
  }
}).listen(Number(process.env.PORT), process.env.HOST)
