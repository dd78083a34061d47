import { describe, expect, it } from 'vitest'

// The names each entry point exports, as a snapshot: adding or losing an export shows up in
// review as a change here (types are listed by `node scripts/api-surface.mjs --check`).
describe('exports of @venus-cluster/devnet', () => {
  it('@venus-cluster/devnet', async () => {
    expect(Object.keys(await import('@venus-cluster/devnet')).sort()).toMatchInlineSnapshot(`
      [
        "ActorAbort",
        "Devnet",
        "bitfieldFromJson",
        "bitfieldJson",
        "controlMethodPermissions",
        "controlMethods",
        "createDevnet",
        "deadlineInfo",
        "deadlineParams",
        "decodeMethodParams",
        "devnetMethods",
        "devnetParams2k",
        "devnetParamsShortPeriod",
        "devnetTokens",
        "devnetTransport",
        "encodeMethodReturn",
        "encodeParams",
        "gasForMessage",
        "headChanges",
        "lotusMethodPermissions",
        "lotusMethods",
        "maxProveCommitDuration",
        "messagerMethodPermissions",
        "messagerMethods",
        "nextBaseFee",
        "proofsVerifier",
        "sealTestSectors",
        "serveDevnet",
        "tipsetJson",
        "zeroCommDCid",
      ]
    `)
  })
})
