import { describe, expect, it } from 'vitest'

// The names each entry point exports, as a snapshot: adding or losing an export shows up in
// review as a change here (types are listed by `node scripts/api-surface.mjs --check`).
describe('exports of @venus-cluster/poster', () => {
  it('@venus-cluster/poster', async () => {
    expect(Object.keys(await import('@venus-cluster/poster')).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_WINDOW_POST_CONFIG",
        "WindowPoStScheduler",
        "chainLookup",
        "checkSectors",
        "createGatewayProofService",
        "createPosterService",
        "dirLocator",
        "generateWinningPoStProof",
        "messagerPoSt",
        "mpoolSender",
        "nextDeadlineInfo",
        "partitionToProve",
        "postResultListener",
        "storesLocator",
        "windowPoStConfig",
        "winningPoStMethods",
      ]
    `)
  })
})
