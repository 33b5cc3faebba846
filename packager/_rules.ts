/**
 * Semantic rules, run after the schema: what JSON Schema cannot say (files exist, names are
 * unique, schemas compile, examples fit their endpoints). Each rule guards its own types, so a
 * descriptor with schema errors still gets every other problem reported in the same run.
 */
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsPlugin from 'ajv-formats'
import { posix } from 'node:path'
import { createProblem, type Problem } from './problem.js'
import { hasPath, type PackageContents } from './package-contents.js'
import { checkProtocolHints } from './_protocol-rules.js'
import { checkPipeline } from './pipeline/pipeline-rules.js'

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const strings = (v: unknown): Array<[number, string]> => (Array.isArray(v) ? v.flatMap((s, i) => (typeof s === 'string' ? [[i, s] as [number, string]] : [])) : [])
const RESERVED_ENV = /^(PORT|HOST|FERRY_.*)$/
// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ?? addFormatsPlugin) as (ajv: Ajv2020) => Ajv2020

function checkEntry(runtime: Json, contents: PackageContents, out: Problem[]): void {
  const { type, entry } = runtime
  if (typeof entry !== 'string') return
  const escapes = entry.startsWith('/') || entry.includes('\\') || entry.split('/').includes('..')
  if (type !== 'exec' && escapes) {
    out.push(createProblem('E_PATH_NOT_RELATIVE', '/runtime/entry', `"${entry}" is not a relative path inside the package`))
    return
  }
  // exec may name a program on the machine: an absolute path, or a bare command found on PATH.
  const inPackage = type !== 'exec' || (entry.includes('/') && !entry.startsWith('/'))
  if (inPackage && !hasPath(contents, entry)) out.push(createProblem('E_ENTRY_MISSING', '/runtime/entry', `file "${entry}" is not in the package`))
}

function checkListed(list: unknown, pointer: string, code: 'E_WEIGHTS_MISSING' | 'E_FILE_MISSING', contents: PackageContents, out: Problem[]): void {
  for (const [i, path] of strings(list)) {
    if (!hasPath(contents, path)) out.push(createProblem(code, `${pointer}/${i}`, `"${path}" is not in the package`))
  }
}

function checkDependencies(runtime: Json, contents: PackageContents, out: Problem[]): void {
  const deps = runtime['dependencies']
  if (!isObject(deps)) return
  const type = runtime['type']
  for (const key of ['packageJson', 'requirements', 'wheels'] as const) {
    const path = deps[key]
    if (typeof path === 'string' && !hasPath(contents, path)) {
      out.push(createProblem('E_DEPENDENCY_FILE_MISSING', `/runtime/dependencies/${key}`, `"${path}" is not in the package`))
    }
  }
  const ignored = type === 'node' ? ['requirements', 'wheels'] : type === 'python' ? ['packageJson', 'bundleNodeModules'] : ['packageJson', 'bundleNodeModules', 'requirements', 'wheels']
  for (const key of ignored) {
    if (deps[key] !== undefined) out.push(createProblem('W_DEPENDENCY_IGNORED', `/runtime/dependencies/${key}`, `the ${String(type)} runtime does not use "${key}"`))
  }
  const packageJson = deps['packageJson']
  if (type === 'node' && typeof packageJson === 'string' && deps['bundleNodeModules'] !== true) {
    const text = contents.readText(packageJson)
    let dependencies: unknown
    try { dependencies = text === undefined ? undefined : (JSON.parse(text) as Json)['dependencies'] } catch { dependencies = undefined }
    const lock = posix.join(posix.dirname(packageJson), 'package-lock.json')
    if (isObject(dependencies) && Object.keys(dependencies).length > 0 && !hasPath(contents, lock)) {
      out.push(createProblem('E_LOCKFILE_MISSING', '/runtime/dependencies/packageJson', `"${packageJson}" has dependencies but "${lock}" is not in the package`))
    }
  }
}

function checkEnv(descriptor: Json, runtime: Json, out: Problem[]): void {
  const env = runtime['env']
  if (!isObject(env)) return
  const api = isObject(descriptor['api']) ? descriptor['api'] : {}
  const portEnv = typeof api['portEnv'] === 'string' ? api['portEnv'] : 'PORT'
  for (const key of Object.keys(env)) {
    if (RESERVED_ENV.test(key) || key === portEnv) out.push(createProblem('E_ENV_RESERVED', `/runtime/env/${key}`, `"${key}" is set by Ferry`))
  }
}

function checkEndpoints(endpoints: unknown[], ajv: Ajv2020, out: Problem[]): void {
  const seen = new Map<string, number>()
  endpoints.forEach((endpoint, i) => {
    if (!isObject(endpoint)) return
    const key = `${String(endpoint['method'])} ${String(endpoint['path'])}`
    const first = seen.get(key)
    if (first !== undefined) out.push(createProblem('E_ENDPOINT_DUPLICATE', `/api/endpoints/${i}`, `${key} is already declared at /api/endpoints/${first}`))
    else seen.set(key, i)
    for (const side of ['input', 'output'] as const) {
      const payload = endpoint[side]
      if (!isObject(payload) || payload['schema'] === undefined) continue
      try {
        ajv.compile(payload['schema'] as object)
      } catch (error) {
        out.push(createProblem('E_ENDPOINT_SCHEMA_INVALID', `/api/endpoints/${i}/${side}/schema`, (error as Error).message))
      }
    }
  })
}

function checkExamples(examples: unknown[], endpoints: unknown[] | undefined, contents: PackageContents, ajv: Ajv2020, out: Problem[]): void {
  examples.forEach((example, i) => {
    if (!isObject(example)) return
    const file = example['file']
    if (typeof file === 'string' && !hasPath(contents, file)) out.push(createProblem('E_EXAMPLE_FILE_MISSING', `/examples/${i}/file`, `"${file}" is not in the package`))
    if (!endpoints || typeof example['endpoint'] !== 'string') return
    const target = endpoints.find((e) => isObject(e) && `${String(e['method'])} ${String(e['path'])}` === example['endpoint'])
    if (!target) {
      out.push(createProblem('E_EXAMPLE_ENDPOINT_UNKNOWN', `/examples/${i}/endpoint`, `no endpoint "${example['endpoint']}" is declared in api.endpoints`))
      return
    }
    const input = (target as Json)['input']
    const schema = isObject(input) ? input['schema'] : undefined
    if (example['body'] === undefined || schema === undefined) return
    try {
      const validate = ajv.compile(schema as object)
      if (!validate(example['body'])) {
        const first = validate.errors?.[0]
        out.push(createProblem('E_EXAMPLE_BODY_INVALID', `/examples/${i}/body${first?.instancePath ?? ''}`, `does not match the input schema of ${example['endpoint']}: ${first?.message ?? 'invalid'}`))
      }
    } catch {
      // The endpoint's schema is broken; checkEndpoints reports it.
    }
  })
}

/** Problems the schema cannot see, e.g. a missing entry file; `contents` lists the package's files. */
export function checkRules(descriptor: unknown, contents: PackageContents): Problem[] {
  if (!isObject(descriptor)) return []
  const out: Problem[] = []
  const runtime = isObject(descriptor['runtime']) ? descriptor['runtime'] : undefined
  if (runtime) {
    checkEntry(runtime, contents, out)
    checkDependencies(runtime, contents, out)
    checkEnv(descriptor, runtime, out)
    if (runtime['type'] === 'pipeline') out.push(...checkPipeline(descriptor, runtime))
  }
  if (isObject(descriptor['model'])) checkListed(descriptor['model']['weights'], '/model/weights', 'E_WEIGHTS_MISSING', contents, out)
  checkListed(descriptor['files'], '/files', 'E_FILE_MISSING', contents, out)
  const ajv = new Ajv2020({ strict: false, allErrors: false })
  addFormats(ajv)
  const api = isObject(descriptor['api']) ? descriptor['api'] : undefined
  const endpoints = api && Array.isArray(api['endpoints']) ? api['endpoints'] : undefined
  if (endpoints) checkEndpoints(endpoints, ajv, out)
  if (api) checkProtocolHints(api, out)
  if (Array.isArray(descriptor['examples'])) checkExamples(descriptor['examples'], endpoints, contents, ajv, out)
  if (descriptor['version'] === undefined) out.push(createProblem('W_VERSION_UNSET', '/version', 'no version: `ferry pack` will assign one'))
  if (descriptor['description'] === undefined) out.push(createProblem('W_DESCRIPTION_MISSING', '/description', 'no description'))
  return out
}
