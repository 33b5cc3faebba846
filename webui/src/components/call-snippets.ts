/**
 * The "How to call it" section of a model's page: one tab per way of calling the selected
 * version (see call-snippets.ts), each a code block with a copy button.
 */
import { buildCallSnippets } from '../call-snippets.js'
import { descriptorOf } from '../descriptor.js'
import { h, replace } from '../dom.js'
import { errorBox } from './notice.js'
import { openApiDocument } from '../openapi-doc.js'

export function callSnippetsSection(name: string): { element: HTMLElement; show(version: string, tokenRequired: boolean): void } {
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  let shown = ''
  async function show(version: string, tokenRequired: boolean): Promise<void> {
    const key = `${version}\0${tokenRequired}`
    if (!version || key === shown) return
    shown = key
    try {
      const { descriptor } = await descriptorOf(`${name}@${version}`)
      let appApiNames: string[] | undefined
      if (descriptor.api.protocol === 'gradio') {
        const doc = (await openApiDocument()) as { paths?: Record<string, unknown> }
        const prefix = `/models/${name}@${version}/api/`
        appApiNames = Object.keys(doc.paths ?? {}).filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length))
      }
      const snippets = buildCallSnippets({ origin: location.origin, name, descriptor, tokenRequired, appApiNames })
      if (snippets.length === 0) {
        replace(body, h('p', { class: 'muted' }, `${name}@${version} declares no endpoint to call.`))
        return
      }
      const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'How to call it' })
      const panel = h('div', { class: 'tab-panel', role: 'tabpanel' })
      const select = (index: number) => {
        const snippet = snippets[index]!
        for (const [i, tab] of [...tabs.children].entries()) tab.setAttribute('aria-selected', String(i === index))
        const code = h('pre', { class: 'snippet', 'data-snippet': snippet.id }, snippet.code)
        const copy = h('button', { type: 'button', class: 'small' }, 'Copy')
        copy.addEventListener('click', () => { void navigator.clipboard?.writeText(snippet.code).then(() => { copy.textContent = 'Copied' }, () => undefined) })
        panel.setAttribute('aria-label', snippet.label)
        replace(panel, code, copy)
      }
      replace(tabs, snippets.map((snippet, i) => {
        const tab = h('button', { type: 'button', role: 'tab', class: 'small', 'data-tab': snippet.id }, snippet.label)
        tab.addEventListener('click', () => select(i))
        return tab
      }))
      select(0)
      replace(body, tabs, panel)
    } catch (error) {
      shown = ''
      replace(body, errorBox(error, 'Could not read the descriptor'))
    }
  }
  const element = h('section', { 'aria-labelledby': 'call-heading' },
    h('h2', { id: 'call-heading' }, 'How to call it'),
    h('p', { class: 'muted' }, 'The main endpoint called from a shell, Python, JavaScript, a Gradio client or an Open Inference Protocol client.'),
    body)
  return { element, show: (version, tokenRequired) => void show(version, tokenRequired) }
}
