/**
 * Sign-in with the admin token: checked against GET /api/instances before it is kept, so a
 * wrong token is refused here rather than on the next page.
 */
import { ApiError } from '../api.js'
import { saveToken, clearToken } from '../auth.js'
import { errorBox } from '../components/notice.js'
import { field, h, replace } from '../dom.js'

export function renderSignIn(main: HTMLElement, onSignedIn: () => void): void {
  const token = h('input', { type: 'password', name: 'token', required: true, autocomplete: 'current-password', spellcheck: 'false' })
  const remember = h('input', { type: 'checkbox', id: 'remember' })
  const message = h('div', { 'aria-live': 'assertive' })
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in')
  const form = h('form', { class: 'card signin', novalidate: true },
    h('h1', { tabindex: '-1' }, 'Sign in to Ferry'),
    h('p', { class: 'muted' }, 'The admin token is in ', h('code', null, '<data dir>/token'), ' (or ', h('code', null, 'FERRY_TOKEN'), '); ', h('code', null, 'ferry serve'), ' prints where.'),
    field('Admin token', token),
    h('label', { class: 'check', for: 'remember' }, remember, 'Remember on this device'),
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
    saveToken(value, remember.checked)
    try {
      const response = await fetch('/api/instances', { headers: { authorization: `Bearer ${value}` } })
      if (response.status === 401) throw new ApiError(401, 'E_UNAUTHORIZED', 'That token was refused: check it and try again.')
      if (!response.ok) throw new ApiError(response.status, `HTTP_${response.status}`, `The server answered ${response.status}.`)
      onSignedIn()
    } catch (error) {
      clearToken()
      replace(message, errorBox(error))
      token.select()
    } finally {
      submit.disabled = false
    }
  })
  replace(main, form)
  token.focus()
}
