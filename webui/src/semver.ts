/** Semantic version precedence (semver.org §11), enough to order a model's versions. */

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a)
  const bn = /^\d+$/.test(b)
  if (an && bn) return Number(a) - Number(b)
  if (an) return -1
  if (bn) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** Negative when a < b, positive when a > b, 0 when equal: `['1.10.0','1.9.0'].sort(compareVersions)`. */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = a.split('+')[0]!.split(/-(.*)/s)
  const [coreB = '', preB] = b.split('+')[0]!.split(/-(.*)/s)
  const partsA = coreA.split('.')
  const partsB = coreB.split('.')
  for (let i = 0; i < 3; i++) {
    const diff = Number(partsA[i] ?? 0) - Number(partsB[i] ?? 0)
    if (diff !== 0) return diff
  }
  if (!preA && !preB) return 0
  if (!preA) return 1
  if (!preB) return -1
  const idsA = preA.split('.')
  const idsB = preB.split('.')
  for (let i = 0; i < Math.max(idsA.length, idsB.length); i++) {
    if (idsA[i] === undefined) return -1
    if (idsB[i] === undefined) return 1
    const diff = compareIdentifiers(idsA[i]!, idsB[i]!)
    if (diff !== 0) return diff
  }
  return 0
}
