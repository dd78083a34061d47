// User code tested against the devnet with mock proofs: no node, no proofs parameters, no
// waiting for real epochs. CI runs this suite from the installed packages too
// (scripts/check-packages.sh).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ChainClient, createChainClient, mockProofs } from '@venus-cluster/core'
import { createDevnet, type Devnet, devnetParamsShortPeriod, devnetTransport } from '@venus-cluster/devnet'
import {
  createTestClient,
  type DevnetTestClient,
  injectSectors,
  sealTestSectors,
  type TestMiner,
} from '@venus-cluster/devnet/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sectorHealth, topUpMiner } from './index.js'

const proofs = mockProofs()
let dir: string
let devnet: Devnet
let chain: ChainClient
let test: DevnetTestClient
let who: TestMiner

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'venus-example-'))
  // Deadlines of 6 epochs: a whole proving period is 288 epochs.
  devnet = createDevnet({ seed: 'example-devnet-testing', proofs, params: devnetParamsShortPeriod(6) })
  chain = createChainClient(devnetTransport(devnet))
  test = createTestClient(devnet)
  who = await test.createMiner()
  injectSectors(devnet, who.miner, await sealTestSectors(proofs, dir, who.minerId, [1, 2, 3]))
})

afterEach(async () => {
  await devnet.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('sectorHealth', () => {
  it('reports an injected sector as active in its deadline and partition', async () => {
    const h = await sectorHealth(chain, who.miner, 2)
    const loc = await chain.stateSectorPartition(who.miner, 2)
    expect(h).toEqual({ sector: 2, state: 'active', deadline: loc?.Deadline, partition: loc?.Partition })
  })

  it('reports a sector faulty once its deadline closed without a WindowPoSt', async () => {
    const h = await sectorHealth(chain, who.miner, 1)
    if (!('deadline' in h)) throw new Error('sector 1 should be on chain')
    await test.advanceToDeadline(who.miner, h.deadline, { at: 'open' })
    expect((await sectorHealth(chain, who.miner, 1)).state).toBe('active')
    await test.mine(6) // through the close of the window, and its cron
    expect((await sectorHealth(chain, who.miner, 1)).state).toBe('faulty')
  })

  it('reports a sector the chain does not know as unknown', async () => {
    expect(await sectorHealth(chain, who.miner, 99)).toEqual({ sector: 99, state: 'unknown' })
  })
})

describe('topUpMiner', () => {
  it("moves FIL from the owner to the miner's balance", async () => {
    const before = await chain.walletBalance(who.miner)
    const cid = await topUpMiner(chain, { from: who.owner, miner: who.miner, amount: 3n * 10n ** 18n })
    const landed = await test.mineUntilExecuted(cid)
    expect(landed.receipt.exitCode).toBe(0)
    expect(await chain.walletBalance(who.miner)).toBe(before + 3n * 10n ** 18n)
  })

  it('refuses a non-positive amount before sending anything', async () => {
    await expect(topUpMiner(chain, { from: who.owner, miner: who.miner, amount: 0n })).rejects.toThrow(
      'amount must be positive',
    )
    expect(devnet.pending()).toEqual([])
  })
})
