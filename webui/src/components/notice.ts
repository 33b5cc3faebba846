/**
 * Messages: toasts announced to screen readers through one polite live region, and inline error
 * boxes that show an API error's code, message and what to do (its hint).
 */
import { ApiError } from '../api.js'
import { h } from '../dom.js'

let region: HTMLElement | undefined

/** The live region, created once in the page's layout. */
export function createToastRegion(): HTMLElement {
  region = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' })
  return region
}

/** Shows a short message for a few seconds; `error` ones stay until dismissed. */
export function toast(message: string, kind: 'ok' | 'error' = 'ok'): void {
  if (!region) return
  const close = h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss' }, '×')
  const item = h('div', { class: `toast ${kind}` }, h('span', null, message), close)
  close.addEventListener('click', () => item.remove())
  region.append(item)
  if (kind === 'ok') setTimeout(() => item.remove(), 5000)
}

/** An inline error: message, code, hint. */
export function errorBox(error: unknown, title?: string): HTMLElement {
  const e = error instanceof ApiError ? error : undefined
  const message = error instanceof Error ? error.message : String(error)
  return h('div', { class: 'error-box', role: 'alert' },
    title ? h('strong', null, title) : null,
    h('p', null, message),
    e && e.code ? h('p', { class: 'muted' }, h('code', null, e.code), e.hint ? ` — ${e.hint}` : '') : null)
}

/** Runs an action from a button: disables it meanwhile, toasts the result or the error. */
export async function runAction(button: HTMLButtonElement | null, action: () => Promise<unknown>, done?: string): Promise<boolean> {
  if (button) button.disabled = true
  try {
    await action()
    if (done) toast(done)
    return true
  } catch (error) {
    toast(error instanceof Error ? error.message : String(error), 'error')
    return false
  } finally {
    if (button) button.disabled = false
  }
}
