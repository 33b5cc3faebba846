/**
 * The console's entry: the page frame (skip link, navigation, live indicator, sign-out, toasts),
 * the routes, and sign-in when there is no session or the server refuses it. Pages only an
 * admin can use (tokens, audit) are in the navigation for admin sessions only.
 */
import { onUnauthorized } from './api.js'
import { currentSession, loadSession, signOut as endSession } from './auth.js'
import { connectionStatus } from './components/connection-status.js'
import { createToastRegion } from './components/notice.js'
import { h, replace } from './dom.js'
import { startLive, stopLive, watchLiveStatus } from './live.js'
import { renderDeploy } from './pages/deploy.js'
import { renderModel } from './pages/model.js'
import { renderOverview } from './pages/overview.js'
import { renderPackages } from './pages/packages.js'
import { renderRuns } from './pages/runs.js'
import { renderRunCompare } from './pages/run-compare.js'
import { renderRunDetail } from './pages/run-detail.js'
import { renderSignIn } from './pages/signin.js'
import { renderTry } from './pages/try.js'
import { renderRollout, renderRollouts } from './pages/rollouts.js'
import { renderTokens } from './pages/tokens.js'
import { renderAudit } from './pages/audit.js'
import { renderTrust } from './pages/trust.js'
import { renderJob, renderJobs } from './pages/jobs.js'
import { renderRouting } from './pages/routing.js'
import { addRoute, href, matchRoute, type Cleanup } from './router.js'

addRoute('/', 'Overview', renderOverview)
addRoute('/packages', 'Packages', renderPackages)
addRoute('/deploy', 'Deploy', renderDeploy)
addRoute('/models/:name', 'Model', renderModel)
addRoute('/models/:name/try', 'Try it', renderTry)
addRoute('/runs', 'Runs', renderRuns)
// Before /runs/:id, which would take "compare" for an id.
addRoute('/runs/compare', 'Compare runs', renderRunCompare)
addRoute('/runs/:id', 'Run', renderRunDetail)
addRoute('/rollouts', 'Rollouts', renderRollouts)
addRoute('/rollouts/:name', 'Rollout', renderRollout)
addRoute('/tokens', 'Tokens', renderTokens)
addRoute('/audit', 'Audit', renderAudit)

addRoute('/trust', 'Trusted keys', renderTrust)
addRoute('/jobs', 'Jobs', renderJobs)
addRoute('/jobs/:id', 'Job', renderJob)
addRoute('/routing', 'Routing', renderRouting)

const NAV: Array<[string, string]> = [['Overview', ''], ['Packages', 'packages'], ['Deploy', 'deploy'], ['Runs', 'runs'], ['Rollouts', 'rollouts'], ['Jobs', 'jobs'], ['Routing', 'routing'], ['Tokens', 'tokens'], ['Audit', 'audit'], ['Trust', 'trust']]
const ADMIN_PAGES = new Set(['/tokens', '/audit', '/trust'])

const main = h('main', { id: 'main', tabindex: '-1' })
const connection = connectionStatus()
const liveDot = connection.dot
const signOut = h('button', { type: 'button', class: 'link' }, 'Sign out')
const who = h('span', { class: 'muted small who' })
const navLinks = NAV.map(([label, path]) => h('a', { href: href(path), 'data-path': `/${path}` }, label))
const nav = h('nav', { 'aria-label': 'Main' },
  h('ul', null, navLinks.map((a) => h('li', null, a)),
    h('li', null, h('a', { href: '/docs', target: '_blank', rel: 'noopener' }, 'API docs', h('span', { class: 'visually-hidden' }, ' (opens a new tab)'))),
    h('li', null, h('a', { href: '/metrics', target: '_blank', rel: 'noopener' }, 'Metrics', h('span', { class: 'visually-hidden' }, ' (opens a new tab)')))))
const header = h('header', { class: 'top' },
  h('a', { class: 'brand', href: href('') }, h('img', { src: '/console/ferry.svg', alt: '', width: '24', height: '24' }), 'Ferry'),
  nav, h('div', { class: 'session' }, liveDot, who, signOut))

let cleanup: Cleanup | void | undefined
let rendering = 0

async function render(): Promise<void> {
  const mine = ++rendering
  if (typeof cleanup === 'function') cleanup()
  cleanup = undefined
  const session = currentSession()
  if (!session) {
    header.hidden = true
    stopLive()
    const view = h('div', { class: 'view' })
    main.replaceChildren(view)
    renderSignIn(view, () => { header.hidden = false; void render() })
    document.title = 'Sign in · Ferry'
    return
  }
  header.hidden = false
  who.textContent = `${session.name} (${session.role})`
  for (const a of navLinks) a.parentElement!.hidden = ADMIN_PAGES.has(a.dataset['path']!) && session.role !== 'admin'
  startLive()
  const found = matchRoute(location.hash)
  const path = found?.route.path ?? ''
  for (const a of navLinks) {
    const p = a.dataset['path']!
    if (p === path) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  if (!found) {
    replace(main, h('h1', { tabindex: '-1' }, 'Not found'), h('p', null, 'No page here. ', h('a', { href: href('') }, 'Back to the overview'), '.'))
    document.title = 'Not found · Ferry'
    return
  }
  // Each page renders into its own element: one still loading when the reader moves on renders
  // into a detached element, never over the next page.
  const view = h('div', { class: 'view' })
  main.replaceChildren(view)
  const result = await found.entry.page(view, found.route)
  if (mine !== rendering) { if (typeof result === 'function') result(); return }
  cleanup = result
  const name = found.route.params['name']
  document.title = `${name ? `${name} · ` : ''}${found.entry.title} · Ferry`
  // Move focus to the new page's heading so screen readers announce it (not on the first load).
  if (rendered) main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: false })
  rendered = true
}
let rendered = false

watchLiveStatus(connection.update)
signOut.addEventListener('click', async () => { await endSession(); void render() })
onUnauthorized(() => void render())
window.addEventListener('hashchange', () => void render())

// The skip link focuses <main> itself: a #main hash would be taken for a route.
const skip = h('a', { class: 'skip', href: '#main' }, 'Skip to content')
skip.addEventListener('click', (event) => { event.preventDefault(); main.focus() })
document.body.replaceChildren(
  skip,
  header, connection.banner, main, createToastRegion())
// A new tab finds the session of the others (the cookie), so it does not ask to sign in again.
void loadSession().catch(() => null).then(() => render())
