import { managerConfig, parseManagerConfig } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { defaultMinerConfig, managerDbFromConfig, marketHttpBase } from './config.js'

const TEXT = `
[Common.API]
Chain = "/ip4/127.0.0.1/tcp/1234"
Messager = "/ip4/127.0.0.1/tcp/39812"
Token = "t"

[[Common.PersistStores]]
Name = "ps1"
Path = "/data/ps1"

[[Miners]]
Actor = 1000
[Miners.Sector]
InitNumber = 10
MaxNumber = 100
[Miners.Commitment]
Confidence = 5
[Miners.Commitment.Pre]
Sender = "t01001"
[Miners.Commitment.Pre.Batch]
Enabled = true
Threshold = 8
MaxWait = "30m0s"
[Miners.Commitment.Prove]
Sender = "t01002"
`

describe('the manager config from sector-manager.cfg', () => {
  it('is the config the manager runs on, per-sector fee caps included', () => {
    const cfg = managerConfig(parseManagerConfig(TEXT, 'sector-manager.cfg'))
    expect(cfg.persistStores).toEqual([{ name: 'ps1', path: '/data/ps1', strict: false, readOnly: false }])
    const m = cfg.miners[0]
    expect(m?.actor).toBe(1000)
    expect(m?.sector).toMatchObject({ initNumber: 10, maxNumber: 100, enabled: true, lifetimeDays: 540 })
    expect(m?.commitment.confidence).toBe(5)
    expect(m?.commitment.pre).toMatchObject({
      sender: 't01001',
      maxFeeCap: 5_000_000_000n,
      perSectorMaxFee: 20_000_000_000_000_000n,
    })
    expect(m?.commitment.pre.batch).toMatchObject({ enabled: true, threshold: 8, maxWaitMs: 1_800_000 })
    expect(m?.commitment.prove).toMatchObject({ sender: 't01002', perSectorMaxFee: 30_000_000_000_000_000n })
    expect(m?.commitment.prove.batch.enabled).toBe(false)
  })

  it('defaults match the original (batching off, threshold 16, MaxWait 1h, CheckInterval 1m)', () => {
    const m = defaultMinerConfig(1, 't01')
    expect(m.commitment.pre.batch).toMatchObject({
      enabled: false,
      threshold: 16,
      maxWaitMs: 3_600_000,
      checkIntervalMs: 60_000,
    })
    expect(m.commitment.confidence).toBe(10)
  })
})

describe('state database from sector-manager.cfg', () => {
  const base = TEXT.replace(
    '[[Common.PersistStores]]',
    '[[Common.PieceStores]]\nPath = "/data/pieces"\n\n[[Common.PersistStores]]',
  )

  it('defaults to SQLite at <home>/manager.db when [Common.DB] is absent', () => {
    const cfg = managerConfig(parseManagerConfig(TEXT, 'sector-manager.cfg'))
    expect(cfg.db).toEqual({ driver: 'sqlite', dsn: '' })
    expect(managerDbFromConfig(cfg, '/home/vsm')).toBeUndefined()
  })

  it('selects PostgreSQL with Driver = "postgres" and a postgres:// DSN', () => {
    const text = `${base}\n[Common.DB]\nDriver = "postgres"\nDSN = "postgres://vsm@db:5432/vsm"\n`
    const cfg = parseManagerConfig(text.replace(/\[Common\.API\]/, '[Common.API]'), 'a.cfg')
    expect(managerDbFromConfig(cfg, '/home/vsm')).toBe('postgres://vsm@db:5432/vsm')
  })

  it('resolves a relative SQLite DSN under the home and keeps an absolute one', () => {
    const rel = parseManagerConfig(`${TEXT}\n[Common.DB]\nDSN = "state/m.db"\n`, 'a.cfg')
    expect(managerDbFromConfig(rel, '/home/vsm')).toBe('/home/vsm/state/m.db')
    const abs = parseManagerConfig(`${TEXT}\n[Common.DB]\nDriver = "sqlite"\nDSN = "/var/m.db"\n`, 'a.cfg')
    expect(managerDbFromConfig(abs, '/home/vsm')).toBe('/var/m.db')
  })

  it('reads [SectorManager.DB] in the seed layout', () => {
    const cfg = parseManagerConfig(
      '[SectorManager.DB]\nDriver = "postgres"\nDSN = "postgresql://x/y"\n',
      'a.cfg',
    )
    expect(cfg.db).toEqual({ driver: 'postgres', dsn: 'postgresql://x/y' })
  })

  it('rejects an unknown driver and a postgres driver without a URL, naming the key', () => {
    expect(() => parseManagerConfig(`${TEXT}\n[Common.DB]\nDriver = "mysql"\n`, 'a.cfg')).toThrow(/Driver/)
    expect(() => parseManagerConfig(`${TEXT}\n[Common.DB]\nDriver = "postgres"\n`, 'a.cfg')).toThrow(/DSN/)
    expect(() => parseManagerConfig(`${TEXT}\n[Common.DB]\nDns = "x"\n`, 'a.cfg')).toThrow(/Dns/)
  })

  it('maps piece stores, the market base and per-miner deal switches', () => {
    const text = `${base.replace('Token = "t"', 'Token = "t"\nMarket = "/ip4/127.0.0.1/tcp/41235/ws"')}\n[Miners.Deal]\nEnabled = true\n`
    const cfg = parseManagerConfig(text, 'a.cfg')
    expect(cfg.pieceStores).toEqual([
      { name: '/data/pieces', path: '/data/pieces', strict: false, readOnly: false },
    ])
    expect(marketHttpBase(cfg.market.api)).toBe('http://127.0.0.1:41235')
    expect(cfg.miners[0]?.deal).toEqual({ enabled: true })
  })
})

describe('marketHttpBase', () => {
  it('rewrites ws/wss to http/https and multiaddrs to URLs', () => {
    expect(marketHttpBase('')).toBe('')
    expect(marketHttpBase('wss://m.example:443/rpc/v0')).toBe('https://m.example')
    expect(marketHttpBase('/dns/market/tcp/41235/https')).toBe('https://market:41235')
  })
})
