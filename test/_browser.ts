/**
 * A real browser for the console's end-to-end tests: Debian's Chromium driven by playwright-core,
 * headless, with a fresh profile per page context and nothing that phones home. `withPage` saves
 * a screenshot to test/.artifacts/<test name>.png when the test body fails, and fails the test if
 * the page asked for anything outside 127.0.0.1 (the console must work offline).
 * @example
 * const browser = await launchBrowser(t)
 * await withPage(t, browser, async (page) => { await page.goto(ferry.url) })
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import type { TestContext } from 'node:test'
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core'
import { ferryPath } from '../packager/repo-root.js'
import type { FerryServe } from './_serve-helpers.js'

export const CHROMIUM_PATH = '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]

/** Where failure screenshots go (git-ignored). */
export const ARTIFACTS_DIR = ferryPath('test', '.artifacts')

/** Why browser tests cannot run here, or undefined when they can (for `{ skip }`). */
export function browserUnavailable(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is missing: apt-get install chromium`
}

/** Launches Chromium; closed when the test ends. */
export async function launchBrowser(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true })
  t.after(() => browser.close())
  return browser
}

/** A file-name-safe version of a test's name. */
export function artifactName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 100) || 'page'
}

/** Saves a full-page screenshot to test/.artifacts/<name>.png; returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true })
  const path = `${ARTIFACTS_DIR}/${artifactName(name)}.png`
  await page.screenshot({ path, fullPage: true })
  return path
}

function isLocal(url: string): boolean {
  if (/^(data|blob|about):/.test(url)) return true
  try {
    return new URL(url).hostname === '127.0.0.1'
  } catch {
    return false
  }
}

/**
 * Runs `body` with a page in a fresh context (no cookies, no storage). On failure the page is
 * screenshotted under the test's name and the error rethrown, with the page's own errors added.
 */
export async function withPage(t: TestContext, browser: Browser, body: (page: Page) => Promise<void>, options: BrowserContextOptions = {}): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const offsite: string[] = []
  const pageErrors: string[] = []
  page.on('request', (request) => { if (!isLocal(request.url())) offsite.push(request.url()) })
  page.on('pageerror', (error) => pageErrors.push(error.message))
  try {
    await body(page)
    if (offsite.length > 0) throw new Error(`the page made requests outside 127.0.0.1: ${offsite.join(', ')}`)
  } catch (error) {
    const shot = await saveScreenshot(page, t.name).catch((e: Error) => `(no screenshot: ${e.message})`)
    const extra = pageErrors.length ? `\npage errors: ${pageErrors.join(' | ')}` : ''
    if (error instanceof Error) error.message += `\nscreenshot: ${shot}${extra}`
    throw error
  } finally {
    await context.close()
  }
}

/** Opens the console at `hash` (e.g. `#/packages`) and signs in with the server's admin token. */
export async function signIn(page: Page, ferry: Pick<FerryServe, 'url' | 'token'>, hash = '#/'): Promise<void> {
  await page.goto(`${ferry.url}/${hash}`)
  await page.getByLabel('Admin token').fill(ferry.token)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('header.top').waitFor()
}

// In-page checks, written as expressions: the tests compile without the DOM's types.

/** Inputs, selects and text areas without a label (as the start of their HTML). */
export function findUnlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
    .map((el) => el.outerHTML.slice(0, 120))`)
}

/** Buttons and links with no name: no text, no aria-label, no image with alt text. */
export function findNamelessButtons(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll('button, a[href]')]
    .filter((el) => !(el.textContent.trim() || el.getAttribute('aria-label') || el.querySelector('img[alt]:not([alt=""])')))
    .map((el) => el.outerHTML.slice(0, 120))`)
}

/** Presses Tab until every visible, enabled button has had the focus; returns those that never did. */
export async function findButtonsTabCannotReach(page: Page, maxPresses = 300): Promise<string[]> {
  const count = await page.evaluate(`[...document.querySelectorAll('button')]
    .filter((b) => !b.disabled && b.getClientRects().length > 0)
    .map((b, i) => { b.dataset.tabProbe = String(i); return i }).length`) as number
  const reached = new Set<string>()
  await page.locator('body').focus()
  for (let i = 0; i < maxPresses && reached.size < count; i++) {
    await page.keyboard.press('Tab')
    const probe = await page.evaluate('document.activeElement?.dataset?.tabProbe') as string | undefined
    if (probe !== undefined) reached.add(probe)
  }
  return page.evaluate(`[...document.querySelectorAll('[data-tab-probe]')]
    .filter((b) => !${JSON.stringify([...reached])}.includes(b.dataset.tabProbe)).map((b) => b.outerHTML.slice(0, 120))`)
}

/** document.documentElement's scrollWidth and clientWidth. */
export function measureWidth(page: Page): Promise<{ scroll: number; client: number }> {
  return page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })')
}
