/**
 * The page at `/gradio/<name>/`: what a Gradio app's address shows in a browser, here a plain
 * page naming each endpoint and its inputs, with the two lines that call it from @gradio/client
 * (the console's model page has the forms).
 */
import type { ModelTarget } from '../model-access.js'
import type { GradioApp } from './_app-config.js'

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

export function renderBridgePage(model: ModelTarget, app: GradioApp, origin: string): string {
  const url = `${origin}/gradio/${model.name}${model.selector === 'latest' ? '' : `@${model.selector}`}/`
  const rows = app.config.dependencies.map((d) => {
    const inputs = app.endpoints[d.id]!.inputs.map((f) => `<code>${escapeHtml(f.name)}</code>`).join(', ') || 'none'
    return `<li><code>/${escapeHtml(d.api_name)}</code>: ${inputs}</li>`
  }).join('')
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(model.name)} (Gradio)</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem">
<h1>${escapeHtml(model.name)}@${escapeHtml(model.version)}</h1>
<p>${escapeHtml(model.descriptor.description ?? '')}</p>
<p>This address speaks the Gradio app protocol. Endpoints:</p><ul>${rows}</ul>
<pre>import { Client } from '@gradio/client'
const app = await Client.connect('${escapeHtml(url)}')
const result = await app.predict('/${escapeHtml(app.config.dependencies[0]?.api_name ?? 'predict')}', { … })</pre>
<p><a href="/#/models/${encodeURIComponent(model.name)}">Try it in the console</a></p>
</body></html>`
}
