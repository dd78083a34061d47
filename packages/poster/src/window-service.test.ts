import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  commitmentToCid,
  createChainClient,
  createMessagerClient,
  isVenusError,
  type Logger,
  mockProofs,
} from '@venus-cluster/core'
import { createDevnet, devnetParamsShortPeriod, devnetTransport } from '@venus-cluster/devnet'
import { describe, expect, it } from 'vitest'
import { sealSectors } from './__fixtures__/devnet.js'
import { onAnyWindowPoStEvent } from './events.js'
import { dirLocator } from './locator.js'
import { type PosterDeadlineResult, postResultListener } from './post-results.js'
import { windowPoStService } from './window-service.js'

describe('windowPoStService', () => {
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
    const logged: { level: string; msg: string | undefined; miner: unknown }[] = []
    const line = (level: string) => (obj: object, msg?: string) =>
      logged.push({ level, msg, miner: (obj as { miner?: unknown }).miner })
    const logger: Logger = {
      debug: line('debug'),
      info: line('info'),
      warn: line('warn'),
      error: line('error'),
    }
    const poster = windowPoStService({
      chain: createChainClient(devnetTransport(devnet)),
      proofs,
      locate: dirLocator(root),
      miners: miners.map((miner) => ({ miner, config: { challengeConfidence: 1, submitConfidence: 1 } })),
      logger,
    })
    onAnyWindowPoStEvent(
      poster.events,
      postResultListener((r) => results.push(r)),
    )
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
    // Each scheduler logs its events under its miner: heads at debug, proofs at info, no warnings.
    expect(logged.filter((l) => l.level === 'info' && l.msg === 'deadline-proven').length).toBe(
      results.length,
    )
    expect(new Set(logged.map((l) => l.miner))).toEqual(new Set(miners))
    expect(logged.filter((l) => l.msg === 'head').every((l) => l.level === 'debug')).toBe(true)
    expect(logged.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([])
  }, 60_000)

  it('sends through the messager when one is given, with each miner its gas overestimation', async () => {
    const proofs = mockProofs()
    const devnet = createDevnet({ seed: 'poster-service-msgr', proofs, params: devnetParamsShortPeriod(6) })
    const root = await mkdtemp(join(tmpdir(), 'venus-poster-svc-'))
    const who = await devnet.createTestMiner({ windowPoStProofType: 10 })
    const sealed = await sealSectors(proofs, root, who.minerId, [1, 2])
    devnet.injectSectors(who.miner, sealed)
    const pushed: unknown[] = []
    const messager = createMessagerClient(devnetTransport(devnet))
    const poster = windowPoStService({
      chain: createChainClient(devnetTransport(devnet)),
      proofs,
      locate: dirLocator(root),
      miners: [
        { miner: who.miner, config: { challengeConfidence: 1, submitConfidence: 1, gasOverEstimation: 1.5 } },
      ],
      messager: {
        pushMessageWithId: (id, msg, spec, o) => {
          pushed.push(spec)
          return messager.pushMessageWithId(id, msg, spec, o)
        },
        getMessageByUid: (id, o) => messager.getMessageByUid(id, o),
      },
    })
    await poster.start()
    try {
      for (let i = 0; i < 48 * 6 && pushed.length === 0; i++) {
        const ts = await devnet.mine(1)
        await poster.schedulers[0]!.settled(ts.height)
      }
    } finally {
      await poster.stop()
      await rm(root, { recursive: true, force: true })
    }
    expect(pushed.length).toBeGreaterThan(0)
    expect(pushed[0]).toMatchObject({ gasOverEstimation: 1.5 })
    expect(devnet.messagerMessages().length).toBe(pushed.length)
  }, 60_000)

  it('fails to start, and starts nothing, when a miner is unknown to the chain', async () => {
    const devnet = createDevnet({ seed: 'poster-service-bad', proofs: mockProofs() })
    const poster = windowPoStService({
      chain: createChainClient(devnetTransport(devnet)),
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
