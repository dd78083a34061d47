import { parseManagerConfig } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { defaultMinerConfig, managerConfigFromFile } from './config.js'

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

describe('managerConfigFromFile', () => {
  it('maps a parsed sector-manager.cfg onto the runtime config with per-sector fee caps', () => {
    const cfg = managerConfigFromFile(parseManagerConfig(TEXT, 'sector-manager.cfg'))
    expect(cfg.persistStores).toEqual([{ name: 'ps1', path: '/data/ps1', readOnly: false }])
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
