import { describe, expect, it } from 'vitest'

// The names each entry point exports, as a snapshot: adding or losing an export shows up in
// review as a change here (types are listed by `node scripts/api-surface.mjs --check`).
describe('exports of @venus-cluster/manager', () => {
  it('@venus-cluster/manager', async () => {
    expect(Object.keys(await import('@venus-cluster/manager')).sort()).toMatchInlineSnapshot(`
      [
        "DASHBOARD_HTML",
        "DASHBOARD_MAX_ROWS",
        "DEFAULT_MAX_WORKERS",
        "HEALTH_PATHS",
        "MANAGER_LIMITS",
        "MANAGER_TOKEN_FILE",
        "MIGRATIONS",
        "MIN_AGGREGATED_SECTORS",
        "SCHEMA_VERSION",
        "SectorHistory",
        "SectorManager",
        "WORKER_CONTROL_KEY_FILE",
        "WorkerRegistry",
        "authMethods",
        "checkChainAtStart",
        "checkMessagerAtStart",
        "checkSectorFiles",
        "checkSectorPieces",
        "commitSenders",
        "controlTokenMethods",
        "createFakeChain",
        "createHealthMonitor",
        "createManagerChain",
        "createManagerHttpRoutes",
        "createManagerMessager",
        "createManagerMetrics",
        "createMemoryMarket",
        "createPieceStoreHandler",
        "createSealerApi",
        "createVenusMarket",
        "dashboardOverview",
        "dashboardSector",
        "defaultMinerConfig",
        "fillerPiece",
        "healthHttpHandler",
        "instrumentVenusMethods",
        "isTransientChainError",
        "layoutDealPieces",
        "managerClientToken",
        "managerConfigFromFile",
        "managerControlKey",
        "managerDbFromConfig",
        "managerLimits",
        "managerPieceStoreHandler",
        "managerTokenAuthority",
        "marketHttpBase",
        "newSectorState",
        "openManagerStore",
        "openPostgresStore",
        "openSqliteStore",
        "parseListen",
        "parsePromText",
        "promValue",
        "registerHealthMetrics",
        "releaseCommand",
        "sealerApiMethodNames",
        "sectorDisplayState",
        "sectorExpiration",
        "sectorKey",
        "startManagerDaemon",
        "tokenlessHint",
        "venusBodyLimits",
        "venusMethodPermission",
        "venusMethodPermissions",
        "venusRpcOptions",
        "withTokenlessHint",
      ]
    `)
  })

  it('@venus-cluster/manager/postgres', async () => {
    expect(Object.keys(await import('@venus-cluster/manager/postgres')).sort()).toMatchInlineSnapshot(`
      [
        "openPostgresStore",
      ]
    `)
  })

  it('@venus-cluster/manager/sqlite', async () => {
    expect(Object.keys(await import('@venus-cluster/manager/sqlite')).sort()).toMatchInlineSnapshot(`
      [
        "openSqliteStore",
      ]
    `)
  })
})
