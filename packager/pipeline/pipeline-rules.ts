/**
 * Pack-time rules of a pipeline descriptor (runtime.type "pipeline"): the graph from
 * runtime.start is walked once, and each fault is reported at its JSON path: a reference to a
 * step that does not exist, a cycle, a step used twice, a model reference that is not
 * `name[@version|@alias]`, and a pointer that cannot resolve (a step that has not run before the
 * place that reads it, a request field that does not exist).
 */
import { isModelName } from '../model-name.js'
import { createProblem, type Problem } from '../problem.js'
import { escapeSegment, listTemplatePointers, parsePointer, REQUEST_FIELDS } from './template.js'

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const STEP_ID = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/
const SELECTOR = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,127}$/
const STEPS = '/runtime/steps'

/** Why `ref` is not a model reference, or undefined when it is one. */
export function checkModelRef(ref: string, self: unknown): string | undefined {
  const at = ref.indexOf('@')
  const name = at === -1 ? ref : ref.slice(0, at)
  const selector = at === -1 ? undefined : ref.slice(at + 1)
  if (!isModelName(name)) return `"${ref}": "${name}" is not a model name (a slug)`
  if (selector !== undefined && !SELECTOR.test(selector)) return `"${ref}": "${selector}" is neither a version nor an alias`
  if (name === self) return `"${ref}": a pipeline cannot call itself`
  return undefined
}

interface Walk { steps: Json; out: Problem[]; used: Set<string>; self: unknown }

/** Checks every pointer of a template against the steps that have surely run (`done`). */
function checkTemplate(template: unknown, at: string, done: ReadonlySet<string>, walk: Walk, outputToo = false): void {
  for (const { pointer, at: where, inItem } of listTemplatePointers(template, at)) {
    const reason = inItem && parsePointer(pointer)?.[0] === 'item' ? undefined : explainPointer(pointer, done, walk.steps, outputToo)
    if (reason) walk.out.push(createProblem('E_PIPELINE_POINTER_UNRESOLVED', where, reason))
  }
}

function explainPointer(pointer: unknown, done: ReadonlySet<string>, steps: Json, outputToo: boolean): string | undefined {
  const segments = parsePointer(pointer)
  if (!segments) return `${JSON.stringify(pointer)} is not a JSON pointer (one starts with "/")`
  const [root, first, second] = segments
  if (root === 'request') {
    const kind = first === undefined ? undefined : REQUEST_FIELDS[first]
    if (!kind) return `"${String(pointer)}": a request has ${Object.keys(REQUEST_FIELDS).map((k) => `/request/${k}`).join(', ')}`
    if (kind === 'leaf' && segments.length > 2) return `"${String(pointer)}": /request/${first} is a string`
    return undefined
  }
  if (root === 'steps') {
    if (first === undefined || !Object.hasOwn(steps, first)) return `"${String(pointer)}": no step "${first ?? ''}"`
    if (second !== 'output') return `"${String(pointer)}": a step is read at /steps/${first}/output`
    if (!done.has(first)) return `"${String(pointer)}": step "${first}" has not surely run before this point`
    return undefined
  }
  if (root === 'output' && outputToo) return undefined
  return `"${String(pointer)}": pointers start at /request or /steps/<id>/output${outputToo ? ' or /output' : ''}`
}

/**
 * Visits step `id` (referenced at `at`) with the steps that have surely run before it; returns
 * those that have surely run after it.
 */
function visit(id: unknown, at: string, ancestors: string[], done: ReadonlySet<string>, walk: Walk): Set<string> {
  const after = new Set(done)
  if (typeof id !== 'string') return after
  if (!Object.hasOwn(walk.steps, id)) {
    walk.out.push(createProblem('E_PIPELINE_STEP_UNKNOWN', at, `no step "${id}"; steps: ${Object.keys(walk.steps).join(', ') || 'none'}`))
    return after
  }
  if (ancestors.includes(id)) {
    walk.out.push(createProblem('E_PIPELINE_CYCLE', at, `step "${id}" runs inside itself: ${[...ancestors.slice(ancestors.indexOf(id)), id].join(' → ')}`))
    return after
  }
  if (walk.used.has(id)) {
    walk.out.push(createProblem('E_PIPELINE_STEP_REUSED', at, `step "${id}" is already used elsewhere in the graph; give each place a step of its own`))
    return after
  }
  walk.used.add(id)
  const step = walk.steps[id]
  if (!isObject(step)) return after
  const here = `${STEPS}/${escapeSegment(id)}`
  const inside = [...ancestors, id]
  switch (step['kind']) {
    case 'call': {
      if (typeof step['model'] === 'string') {
        const reason = checkModelRef(step['model'], walk.self)
        if (reason) walk.out.push(createProblem('E_PIPELINE_MODEL_REF_INVALID', `${here}/model`, reason))
      }
      checkTemplate(step['input'], `${here}/input`, done, walk)
      checkTemplate(step['query'], `${here}/query`, done, walk)
      break
    }
    case 'sequence': {
      let current: Set<string> = after
      ;(Array.isArray(step['steps']) ? step['steps'] : []).forEach((child, i) => { current = visit(child, `${here}/steps/${i}`, inside, current, walk) })
      current.add(id)
      return current
    }
    case 'ensemble': {
      for (const [i, child] of (Array.isArray(step['steps']) ? step['steps'] : []).entries()) for (const s of visit(child, `${here}/steps/${i}`, inside, done, walk)) after.add(s)
      break
    }
    case 'switch': {
      checkTemplate({ from: step['on'] }, `${here}/on`, done, walk)
      const branches = Object.entries(isObject(step['cases']) ? step['cases'] : {}).map(([value, child]) => visit(child, `${here}/cases/${escapeSegment(value)}`, inside, done, walk))
      if (step['default'] !== undefined) branches.push(visit(step['default'], `${here}/default`, inside, done, walk))
      // After a switch only what every branch ran has surely run.
      const [first, ...rest] = branches
      for (const s of first ?? []) if (rest.every((b) => b.has(s))) after.add(s)
      break
    }
  }
  after.add(id)
  return after
}

/** Problems of a pipeline descriptor; `descriptor.runtime.type` is "pipeline". */
export function checkPipeline(descriptor: Json, runtime: Json): Problem[] {
  const out: Problem[] = []
  const steps = isObject(runtime['steps']) ? runtime['steps'] : {}
  for (const id of Object.keys(steps)) {
    if (!STEP_ID.test(id)) out.push(createProblem('E_PIPELINE_STEP_ID_INVALID', `${STEPS}/${escapeSegment(id)}`, `"${id}" is not a step id: a letter, then letters, digits, - and _, at most 63 characters`))
  }
  const walk: Walk = { steps, out, used: new Set(), self: descriptor['name'] }
  const done = visit(runtime['start'], '/runtime/start', [], new Set(), walk)
  checkTemplate(runtime['output'], '/runtime/output', done, walk)
  const track = isObject(runtime['track']) ? runtime['track'] : {}
  for (const key of ['params', 'metrics', 'text', 'artifacts']) checkTemplate(track[key], `/runtime/track/${key}`, done, walk, true)
  for (const id of Object.keys(steps)) {
    if (!walk.used.has(id)) out.push(createProblem('W_PIPELINE_STEP_UNUSED', `${STEPS}/${escapeSegment(id)}`, `step "${id}" is never reached from runtime.start`))
  }
  const api = isObject(descriptor['api']) ? descriptor['api'] : {}
  if (!Array.isArray(api['endpoints'])) out.push(createProblem('E_PIPELINE_ENDPOINTS_MISSING', '/api/endpoints', 'a pipeline lists the endpoints it answers in api.endpoints'))
  return out
}
