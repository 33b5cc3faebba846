/**
 * The buttons of one version on its model's page: make it latest, stop or start, restart
 * (make-before-break), remove (asks once more). Each refreshes the list when done; the events
 * stream would too, this is just sooner.
 */
import { api, seg } from '../api.js'
import { runAction } from '../components/notice.js'
import { h } from '../dom.js'
import { refreshInstances } from '../live.js'
import type { InstanceInfo } from '../types.js'

function actionButton(label: string, ref: string, action: () => Promise<unknown>, done: string, kind = ''): HTMLButtonElement {
  const button = h('button', { type: 'button', class: `small ${kind}`, 'aria-label': `${label} ${ref}` }, label)
  button.addEventListener('click', () => void runAction(button, async () => { await action(); await refreshInstances() }, done))
  return button
}

function removeButton(v: InstanceInfo): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove ${v.ref}` }, 'Remove')
  let armed = false
  button.addEventListener('click', () => {
    if (!armed) {
      armed = true
      button.textContent = 'Confirm remove'
      setTimeout(() => { armed = false; button.textContent = 'Remove' }, 4000)
      return
    }
    void runAction(button, async () => { await api.del(`/instances/${seg(v.ref)}`); await refreshInstances() }, `Removed ${v.ref}`)
  })
  return button
}

export function versionActions(v: InstanceInfo): HTMLElement {
  const path = `/instances/${seg(v.ref)}`
  const running = v.desired === 'running' && v.state !== 'failed' && v.state !== 'stopped'
  return h('div', { class: 'button-row' },
    !v.aliases.includes('latest') && v.tagged ? actionButton('Make latest', v.ref, () => api.put(`/models/${seg(v.name)}/aliases/latest`, { version: v.version }), `${v.name}: latest → ${v.version}`) : null,
    running ? actionButton('Restart', v.ref, () => api.post(`${path}/restart`), `Restarted ${v.ref}`) : null,
    running ? actionButton('Stop', v.ref, () => api.post(`${path}/stop`), `Stopped ${v.ref}`) : actionButton('Start', v.ref, () => api.post(`${path}/start`), `Started ${v.ref}`),
    removeButton(v))
}
