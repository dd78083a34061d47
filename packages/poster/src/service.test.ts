import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  commitmentToCid,
  createChainClient,
  customTransport,
  isVenusError,
  mockProofs,
} from '@venus-cluster/core'
import { createDevnet, devnetParamsShortPeriod, devnetTransport } from '@venus-cluster/devnet'
import { describe, expect, it } from 'vitest'
import { sealSectors } from './__fixtures__/devnet.js'
import { dirLocator } from './locator.js'
import { createPosterService, type PosterDeadlineResult, postResultListener } from './service.js'

describe('createPosterService', () => {
  it('runs one scheduler per miner and reports one result per proven deadline', async () => {
    const proofs = mockProofs()
    const devnet = createDevnet({ seed: 'poster-service', proofs, params: devnetParamsShortPeriod(6) })
    const root = await mkdtemp(join(tmpdir(), 'venus-poster-svc-'))
    const miners = []
    for (let i = 0; i < 2; i++) {
      const who = await devnet.createTestMiner({ windowPoStProofType: 10 })
      const sealed = await sealSectors(proofs, root, who.minerId, [1, 2, 3, 4])
      devnet.injectSectors(
        who.miner,
        sealed.map((s) => ({
          sectorNumber: s.sectorNumber,
          sealedCid: commitmentToCid(s.commR, 'commR').toString(),
        })),
      )
      miners.push(who.miner)
    }
    const results: PosterDeadlineResult[] = []
    const poster = createPosterService({
      chain: createChainClient(customTransport(devnetTransport(devnet))),
      proofs,
      locate: dirLocator(root),
      miners: miners.map((miner) => ({ miner, config: { challengeConfidence: 1, submitConfidence: 1 } })),
      onEvent: postResultListener((r) => results.push(r)),
    })
    await poster.start()
    try {
      for (let i = 0; i < 48 * 6 + 6; i++) {
        const ts = await devnet.mine(1)
        await Promise.all(poster.schedulers.map((s) => s.settled(ts.height)))
      }
    } finally {
      await poster.stop()
      await rm(root, { recursive: true, force: true })
    }
    const withProofs = results.filter((r) => r.partitions > 0)
    // 4 sectors per miner = 2 partitions in 2 deadlines, each proven once per period.
    expect(withProofs.length).toBeGreaterThanOrEqual(4)
    expect(results.every((r) => r.ok)).toBe(true)
    expect(new Set(withProofs.map((r) => r.miner)).size).toBe(2)
  }, 60_000)

  it('fails to start, and starts nothing, when a miner is unknown to the chain', async () => {
    const devnet = createDevnet({ seed: 'poster-service-bad', proofs: mockProofs() })
    const poster = createPosterService({
      chain: createChainClient(customTransport(devnetTransport(devnet))),
      proofs: mockProofs(),
      locate: dirLocator('/nonexistent'),
      miners: [{ miner: 't09999' }],
    })
    const err = await poster.start().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isVenusError(err)).toBe(true)
    await poster.stop()
  })
})
