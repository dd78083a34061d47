import { describe, expect, it } from 'vitest'

// The names each entry point exports, as a snapshot: adding or losing an export shows up in
// review as a change here (types are listed by `node scripts/api-surface.mjs --check`).
describe('exports of @venus-cluster/proofs-native', () => {
  it('@venus-cluster/proofs-native', async () => {
    expect(Object.keys(await import('@venus-cluster/proofs-native')).sort()).toMatchInlineSnapshot(`
      [
        "BUILD_HINT",
        "PARAMETER_PARTS",
        "PUBLISHED_PLATFORMS",
        "WorkQueue",
        "addonCandidates",
        "appliedNativeProofsSettings",
        "defaultNativeProofsSettings",
        "generateParameters",
        "initNativeProofs",
        "isNativeProofsAvailable",
        "loadProofsAddon",
        "nativeProofs",
        "platformPackageName",
        "platformTriple",
        "toVenusError",
        "venusCacheDir",
      ]
    `)
  })
})
