/**
 * Sign-in with a token (the bootstrap admin token or a named admin, deployer or viewer token):
 * posted once to POST /api/session, which sets the session cookie; the token itself is kept
 * nowhere in the browser.
 */
import { ApiError } from '../api.js'
import { signIn } from '../auth.js'
import { errorBox } from '../components/notice.js'
import { field, h, replace } from '../dom.js'

export function renderSignIn(main: HTMLElement, onSignedIn: () => void): void {
  const token = h('input', { type: 'password', name: 'token', required: true, autocomplete: 'current-password', spellcheck: 'false' })
  const remember = h('input', { type: 'checkbox', id: 'remember' })
  const message = h('div', { 'aria-live': 'assertive' })
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in')
  const form = h('form', { class: 'card signin', novalidate: true },
    h('h1', { tabindex: '-1' }, 'Sign in to Ferry'),
    h('p', { class: 'muted' }, 'The admin token is in ', h('code', null, '<data dir>/token'), ' (or ', h('code', null, 'FERRY_TOKEN'), '); ', h('code', null, 'ferry serve'), ' prints where. A named token (', h('code', null, 'ferry token create'), ') signs in with its role.'),
    field('Admin token', token),
    h('label', { class: 'check', for: 'remember' }, remember, 'Keep me signed in when the browser closes'),
    submit, message)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const value = token.value.trim()
    if (!value) {
      replace(message, errorBox(new Error('Enter the admin token.')))
      token.focus()
      return
    }
    submit.disabled = true
    try {
      await signIn(value, remember.checked).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 401) throw new ApiError(401, 'E_UNAUTHORIZED', 'That token was refused: check it and try again.')
        throw error
      })
      token.value = ''
      onSignedIn()
    } catch (error) {
      replace(message, errorBox(error))
      token.select()
    } finally {
      submit.disabled = false
    }
  })
  replace(main, form)
  token.focus()
}
