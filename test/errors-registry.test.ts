/**
 * Every component's error registry and its ERRORS.md list the same codes, with the same statuses:
 * nothing undocumented, nothing documented that cannot happen (fastify's errors test).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'

const REGISTRIES: Array<{ component: string; load: () => Promise<Record<string, { status: number; hint: string }>> }> = [
  { component: 'packager', load: async () => (await import('../packager/errors.js')).PACKAGER_ERRORS },
  { component: 'deployer', load: async () => (await import('../deployer/errors.js')).DEPLOYER_ERRORS },
  { component: 'gateway', load: async () => (await import('../gateway/errors.js')).GATEWAY_ERRORS },
]

for (const { component, load } of REGISTRIES) {
  test(`${component}/ERRORS.md documents exactly the codes of ${component}/errors.ts`, async () => {
    const registry = await load()
    const doc = readFileSync(ferryPath(component, 'ERRORS.md'), 'utf8')
    const rows = new Map([...doc.matchAll(/^\| `([EW]_[A-Z0-9_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]))
    assert.deepEqual([...rows.keys()].sort(), Object.keys(registry).sort())
    for (const [code, spec] of Object.entries(registry)) {
      assert.equal(rows.get(code), spec.status, `${code}: status in ERRORS.md`)
      assert.ok(spec.hint.length > 10, `${code} has a hint`)
    }
  })
}
