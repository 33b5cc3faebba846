/**
 * A tiny element builder: `h('button', { type: 'button', onclick }, 'Stop')`. Plain DOM, no
 * framework; attributes that are functions become listeners, `false`/`null` are left out, and
 * text is always inserted as text (never parsed as HTML).
 */

export type Child = Node | string | number | null | undefined | false | Child[]
export type AttrValue = string | number | boolean | null | undefined | ((event: never) => void)
export type Attrs = Record<string, AttrValue>

function applyAttrs(el: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue
    if (typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value as EventListener)
    else if (key === 'value' && 'value' in el) (el as HTMLInputElement).value = String(value)
    else if (key === 'checked' && el instanceof HTMLInputElement) el.checked = Boolean(value)
    else el.setAttribute(key, value === true ? '' : String(value))
  }
}

/** Appends children (nested arrays flattened, empty values skipped). */
export function append(el: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) append(el, ...child)
    else el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
}

/** Builds an HTML element. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  applyAttrs(el, attrs)
  append(el, ...children)
  return el
}

/** Builds an SVG element (for charts and word boxes). */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag)
  applyAttrs(el, attrs)
  append(el, ...children)
  return el
}

/** Replaces every child of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, ...children)
}

let counter = 0
/** A unique id for label/aria wiring: `uid('replicas')` → `replicas-7`. */
export function uid(prefix: string): string {
  counter += 1
  return `${prefix}-${counter}`
}

/** A labelled form field: `<div class="field"><label for>…</label>{control}{hint}</div>`. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLDivElement {
  const id = control.id || uid('field')
  control.id = id
  const hintEl = hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : null
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id)
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl)
}
