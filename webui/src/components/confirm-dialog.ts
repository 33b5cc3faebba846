/**
 * Asks before something that changes what users are served (a rollback, removing an alias): a
 * modal <dialog> saying exactly what will happen, with the action named on its button and Cancel
 * focused first, so Enter or Escape never does it by accident.
 * @example
 * if (await confirmDialog({ title: 'Roll back echo?', message: 'latest 1.0.1 → 1.0.0', action: 'Roll back' })) …
 */
import { h } from '../dom.js'

export interface ConfirmOptions {
  title: string
  message: string
  /** The confirming button's text, e.g. "Roll back". */
  action: string
  danger?: boolean
}

export function confirmDialog(options: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', value: 'cancel' }, 'Cancel')
    const ok = h('button', { type: 'button', value: 'ok', class: options.danger ? 'danger' : 'primary' }, options.action)
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-message' },
      h('h2', { id: 'confirm-title' }, options.title),
      h('p', { id: 'confirm-message' }, options.message),
      h('div', { class: 'button-row' }, cancel, ok))
    let answer = false
    cancel.addEventListener('click', () => dialog.close())
    ok.addEventListener('click', () => { answer = true; dialog.close() })
    dialog.addEventListener('close', () => { dialog.remove(); resolve(answer) })
    document.body.append(dialog)
    dialog.showModal()
    cancel.focus()
  })
}
