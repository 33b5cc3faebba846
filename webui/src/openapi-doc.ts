/**
 * The merged /openapi.json, fetched once and shared by every part of the console that reads it (a
 * model's API section, its call snippets, a version's endpoints when its descriptor lists none, the
 * try-it form's image types). It is fetched again once the instances the console knows have
 * changed state (a version deployed, ready or stopped changes the document), or after a failure.
 */
import { currentInstances, instancesLoaded, refreshInstances } from './live.js'

let cached: { key: string; doc: Promise<unknown> } | undefined
/** The instances' first fetch, shared: a key taken before it would change as soon as it came. */
let firstList: Promise<unknown> | undefined

/** Which versions the document was built for, as the console knows them now. */
function instancesKey(): string {
  return currentInstances().map((i) => `${i.ref}=${i.state}`).sort().join(' ')
}

/** @example const doc = (await openApiDocument()) as { paths?: Record<string, unknown> } */
export async function openApiDocument(): Promise<unknown> {
  if (!instancesLoaded()) await (firstList ??= refreshInstances().catch(() => undefined))
  const key = instancesKey()
  if (cached?.key === key) return cached.doc
  const doc = fetch('/openapi.json').then(async (answer) => {
    if (!answer.ok) throw new Error(`/openapi.json answered ${answer.status}`)
    return answer.json() as Promise<unknown>
  })
  const entry = { key, doc }
  cached = entry
  doc.catch(() => { if (cached === entry) cached = undefined })
  return doc
}
