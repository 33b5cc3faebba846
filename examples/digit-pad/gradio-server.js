// A small server for the Gradio app protocol (what `gradio` itself serves), enough for the
// browser page and for @gradio/client: GET config, GET gradio_api/info, POST gradio_api/queue/join
// with GET gradio_api/queue/data (server-sent events, protocol sse_v3), and POST
// gradio_api/run/<api_name>. It reads GRADIO_SERVER_NAME, GRADIO_SERVER_PORT and GRADIO_ROOT_PATH
// as gradio does.
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'

const send = (res, status, body, type = 'application/json') => {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const parts = []
    req.on('data', (c) => parts.push(c))
    req.on('end', () => { try { resolve(JSON.parse(Buffer.concat(parts).toString() || '{}')) } catch (error) { reject(error) } })
    req.on('error', reject)
  })
}

/** `app`: { config, info, functions: { [fn_index]: (data) => outputs }, page: html } */
export function serveGradioApp(app, env = process.env) {
  const sessions = new Map() // session_hash → { messages: [], running: 0, res }
  const session = (hash) => {
    if (!sessions.has(hash)) sessions.set(hash, { messages: [], running: 0, res: null })
    return sessions.get(hash)
  }
  const flush = (hash) => {
    const s = sessions.get(hash)
    if (!s?.res) return
    for (const message of s.messages.splice(0)) s.res.write(`data: ${JSON.stringify(message)}\n\n`)
    if (s.running === 0) {
      s.res.end('data: {"msg":"close_stream"}\n\n')
      sessions.delete(hash)
    }
  }
  const run = (fnIndex, data) => {
    const fn = app.functions[fnIndex]
    if (!fn) throw Object.assign(new Error(`no function ${fnIndex}`), { status: 404 })
    return fn(data)
  }
  const root = (env.GRADIO_ROOT_PATH ?? '').replace(/\/$/, '')
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://app')
    const path = root && url.pathname.startsWith(root) ? url.pathname.slice(root.length) || '/' : url.pathname
    try {
      if (req.method === 'GET' && path === '/') return send(res, 200, app.page, 'text/html; charset=utf-8')
      if (req.method === 'GET' && path === '/config') return send(res, 200, app.config)
      if (req.method === 'GET' && path === '/gradio_api/info') return send(res, 200, app.info)
      if (req.method === 'POST' && path.startsWith('/gradio_api/run/')) {
        const body = await readJson(req)
        const dependency = app.config.dependencies.find((d) => d.api_name === path.slice('/gradio_api/run/'.length))
        if (!dependency) return send(res, 404, { error: `no endpoint ${path}` })
        try {
          return send(res, 200, { data: run(dependency.id, body.data ?? []), is_generating: false })
        } catch (error) {
          return send(res, 400, { error: error.message })
        }
      }
      if (req.method === 'POST' && path === '/gradio_api/queue/join') {
        const { data = [], fn_index: fnIndex, session_hash: hash = 'anonymous' } = await readJson(req)
        if (!app.functions[fnIndex]) return send(res, 404, { detail: `no function ${fnIndex}` })
        const eventId = randomUUID().replace(/-/g, '')
        const s = session(hash)
        s.running++
        s.messages.push({ msg: 'estimation', event_id: eventId, rank: 0, queue_size: 1 }, { msg: 'process_starts', event_id: eventId })
        setImmediate(() => {
          let message
          try {
            message = { msg: 'process_completed', event_id: eventId, success: true, output: { data: run(fnIndex, data), is_generating: false } }
          } catch (error) {
            message = { msg: 'process_completed', event_id: eventId, success: false, output: { error: error.message } }
          }
          s.running--
          s.messages.push(message)
          flush(hash)
        })
        return send(res, 200, { event_id: eventId })
      }
      if (req.method === 'GET' && path === '/gradio_api/queue/data') {
        const hash = url.searchParams.get('session_hash') ?? ''
        if (!sessions.has(hash)) return send(res, 404, { detail: 'Session not found.' })
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
        sessions.get(hash).res = res
        req.on('close', () => { const s = sessions.get(hash); if (s?.res === res) s.res = null })
        return flush(hash)
      }
      send(res, 404, { detail: 'Not Found' })
    } catch (error) {
      send(res, 400, { detail: error.message })
    }
  })
  server.listen(Number(env.GRADIO_SERVER_PORT ?? 7860), env.GRADIO_SERVER_NAME ?? '127.0.0.1', () => {
    console.log(`Running on local URL:  http://${env.GRADIO_SERVER_NAME ?? '127.0.0.1'}:${env.GRADIO_SERVER_PORT ?? 7860}${root}`)
  })
  return server
}
