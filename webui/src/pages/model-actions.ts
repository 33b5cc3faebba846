/**
 * The buttons of one version on its model's page: make it latest, stop or start, restart
 * (make-before-break), remove (asks once more). Stopping or removing the version `latest` points
 * to while another is ready is refused by the server; the button then offers to move `latest`
 * first (a second click sends `force=1`). Each refreshes the list when done; the events stream
 * would too, this is just sooner.
 */
import { api, ApiError, seg } from '../api.js'
import { runAction } from '../components/notice.js'
import { h } from '../dom.js'
import { refreshInstances } from '../live.js'
import type { InstanceInfo } from '../types.js'

function actionButton(label: string, ref: string, action: () => Promise<unknown>, done: string, kind = ''): HTMLButtonElement {
  const button = h('button', { type: 'button', class: `small ${kind}`, 'aria-label': `${label} ${ref}` }, label)
  button.addEventListener('click', () => void runAction(button, async () => { await action(); await refreshInstances() }, done))
  return button
}

/** Buttons the server answered E_VERSION_SERVES_LATEST, by `label ref`: where latest would go. Kept
 * outside the button, since the version list is rebuilt whenever it changes. */
const awaitingForce = new Map<string, string>()

/**
 * A stop or remove button: `confirmFirst` asks once more before the first call; when the server
 * answers E_VERSION_SERVES_LATEST the button says where `latest` would go and the next click forces.
 */
function latestAwareButton(label: string, v: InstanceInfo, call: (force: boolean) => Promise<unknown>, done: string, confirmFirst: boolean): HTMLButtonElement {
  const key = `${label} ${v.ref}`
  const forceTo = awaitingForce.get(key)
  const button = h('button', { type: 'button', class: `small ${confirmFirst ? 'danger' : ''}`, 'aria-label': key }, forceTo ? `${label}: move latest to ${forceTo} first` : label)
  let confirming = false
  button.addEventListener('click', () => {
    const force = awaitingForce.has(key)
    if (confirmFirst && !force && !confirming) {
      confirming = true
      button.textContent = `Confirm ${label.toLowerCase()}`
      setTimeout(() => { confirming = false; if (!awaitingForce.has(key)) button.textContent = label }, 4000)
      return
    }
    void runAction(button, async () => {
      try {
        await call(force)
        awaitingForce.delete(key)
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'E_VERSION_SERVES_LATEST') throw error
        const to = String(error.details?.['wouldMoveTo'])
        awaitingForce.set(key, to)
        setTimeout(() => awaitingForce.delete(key), 30_000)
        // The list may have been rebuilt while the call was out (an event arrived): the button on
        // the page now is then another one, with the same label.
        for (const shown of [button, ...document.querySelectorAll<HTMLButtonElement>(`button[aria-label="${CSS.escape(key)}"]`)]) shown.textContent = `${label}: move latest to ${to} first`
        throw error
      }
      await refreshInstances()
    }, done)
  })
  return button
}

export function versionActions(v: InstanceInfo): HTMLElement {
  const path = `/instances/${seg(v.ref)}`
  const running = v.desired === 'running' && v.state !== 'failed' && v.state !== 'stopped'
  return h('div', { class: 'button-row' },
    !v.aliases.includes('latest') && v.tagged ? actionButton('Make latest', v.ref, () => api.put(`/models/${seg(v.name)}/aliases/latest`, { version: v.version }), `${v.name}: latest → ${v.version}`) : null,
    running ? actionButton('Restart', v.ref, () => api.post(`${path}/restart`), `Restarted ${v.ref}`) : null,
    running ? latestAwareButton('Stop', v, (force) => api.post(`${path}/stop${force ? '?force=1' : ''}`), `Stopped ${v.ref}`, false) : actionButton('Start', v.ref, () => api.post(`${path}/start`), `Started ${v.ref}`),
    latestAwareButton('Remove', v, (force) => api.del(`${path}${force ? '?force=1' : ''}`), `Removed ${v.ref}`, true))
}
