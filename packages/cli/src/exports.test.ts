import { describe, expect, it } from 'vitest'

// The names each entry point exports, as a snapshot: adding or losing an export shows up in
// review as a change here (types are listed by `node scripts/api-surface.mjs --check`).
describe('exports of venus-cluster', () => {
  it('venus-cluster', async () => {
    expect(Object.keys(await import('./index.js')).sort()).toMatchInlineSnapshot(`
      [
        "DEMO_STAGES",
        "NETWORKS",
        "StageTracker",
        "buildClusterProgram",
        "buildSectorManagerProgram",
        "buildWorkerProgram",
        "chooseDemoProofs",
        "clusterCommandGroups",
        "configureProgram",
        "demoWorkerConfigText",
        "expandHome",
        "hasPoRepParameters",
        "initSectorManagerHome",
        "parameterCacheDir",
        "progressView",
        "runCli",
        "runDemo",
        "sectorManagerCommandGroups",
        "startDemoCluster",
        "summaryLines",
        "workerCommandGroups",
      ]
    `)
  })
})
