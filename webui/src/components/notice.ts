/**
 * Messages: toasts announced to screen readers through one polite live region (they go away by
 * themselves), and inline error boxes that show an API error's code, message and what to do (its
 * hint), with a Retry button where the page can try again.
 */
import { ApiError } from '../api.js'
import { h } from '../dom.js'

let region: HTMLElement | undefined

/** The live region, created once in the page's layout. */
export function createToastRegion(): HTMLElement {
  region = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' })
  return region
}

const OK_MS = 5000
const ERROR_MS = 12_000
const MAX_TOASTS = 3

/**
 * Shows a short message, then takes it away: 5 s, or 12 s for an error (which also says what to
 * do); the timer waits while the keyboard focus is on it (not the pointer: a toast that appears
 * under a resting cursor or finger would never go), × closes it at once, and at most three are
 * shown (the oldest goes), so toasts never pile up over the page.
 */
export function toast(message: string, kind: 'ok' | 'error' = 'ok', hint?: string): void {
  if (!region) return
  const close = h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss' }, '×')
  const item = h('div', { class: `toast ${kind}` }, h('span', null, message, hint ? h('small', { class: 'block muted' }, hint) : null), close)
  let timer: ReturnType<typeof setTimeout> | undefined
  const arm = () => { clearTimeout(timer); timer = setTimeout(() => item.remove(), kind === 'ok' ? OK_MS : ERROR_MS) }
  const hold = () => clearTimeout(timer)
  item.addEventListener('focusin', hold)
  item.addEventListener('focusout', arm)
  close.addEventListener('click', () => { clearTimeout(timer); item.remove() })
  region.append(item)
  while (region.children.length > MAX_TOASTS) region.firstElementChild!.remove()
  arm()
}

/** An inline error: message, code, hint; with `retry`, a Retry button that calls it. */
export function errorBox(error: unknown, title?: string, retry?: () => void): HTMLElement {
  const e = error instanceof ApiError ? error : undefined
  const message = error instanceof Error ? error.message : String(error)
  const again = retry ? h('button', { type: 'button' }, 'Retry') : null
  again?.addEventListener('click', () => { again.disabled = true; retry!() })
  return h('div', { class: 'error-box', role: 'alert' },
    title ? h('strong', null, title) : null,
    h('p', null, message),
    e && e.code ? h('p', { class: 'muted' }, h('code', null, e.code), e.hint ? ` — ${e.hint}` : '') : null,
    again)
}

/** Runs an action from a button: disables it meanwhile, toasts the result or the error. */
export async function runAction(button: HTMLButtonElement | null, action: () => Promise<unknown>, done?: string): Promise<boolean> {
  if (button) button.disabled = true
  try {
    await action()
    if (done) toast(done)
    return true
  } catch (error) {
    toast(error instanceof Error ? error.message : String(error), 'error', error instanceof ApiError ? error.hint : undefined)
    return false
  } finally {
    if (button) button.disabled = false
  }
}
