// WindowPoSt rides out a chain node outage: the scheduler follows the node over a real
// WebSocket, the node goes away for a while (the chain goes on meanwhile, as the network does),
// and when it is back the scheduler follows heads again and proves the next deadline that holds
// the miner's sectors, without a restart.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitmentToCid, createChainClient, mockProofs, wsTransport } from '@venus-cluster/core'
import { createDevnet, devnetParamsShortPeriod, type ServedDevnet, serveDevnet } from '@venus-cluster/devnet'
import { describe, expect, it } from 'vitest'
import { sealSectors } from './__fixtures__/devnet.js'
import { onAnyWindowPoStEvent, type WindowPoStEvent } from './events.js'
import { dirLocator } from './locator.js'
import { WindowPoStScheduler } from './window/scheduler.js'

const WINDOW = 6
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('WindowPoSt across a chain node outage', () => {
  it('follows heads again after the node comes back and proves the next deadline', async () => {
    const proofs = mockProofs()
    const devnet = createDevnet({ seed: 'poster-outage', proofs, params: devnetParamsShortPeriod(WINDOW) })
    const root = await mkdtemp(join(tmpdir(), 'venus-poster-outage-'))
    const who = await devnet.createTestMiner({ windowPoStProofType: 10 })
    const sealed = await sealSectors(proofs, root, who.minerId, [1, 2])
    devnet.injectSectors(
      who.miner,
      sealed.map((s) => ({
        sectorNumber: s.sectorNumber,
        sealedCid: commitmentToCid(s.commR, 'commR').toString(),
      })),
    )
    let served: ServedDevnet = await serveDevnet(devnet, { noAuth: true })
    const port = served.port
    const chain = createChainClient(
      wsTransport(served.wsUrl, { reconnectAttempts: 3, reconnectMinDelayMs: 20, reconnectMaxDelayMs: 50 }),
    )
    const events: WindowPoStEvent[] = []
    const scheduler = new WindowPoStScheduler({
      miner: who.miner,
      chain,
      proofs,
      locate: dirLocator(root),
      config: { challengeConfidence: 1, submitConfidence: 1, retryDelayMs: 50 },
    })
    onAnyWindowPoStEvent(scheduler.events, (e) => events.push(e))
    // Proofs of the miner's sectors on chain (deadlines without sectors need no message).
    const proven = () => events.filter((e) => e.type === 'landed' && e.exitCode === 0).length
    try {
      await scheduler.start()
      await devnet.mine(1)
      await sleep(100)
      const before = scheduler.processedHeight
      expect(before).toBeGreaterThan(0)

      // The node goes away; the chain advances without the scheduler seeing it.
      await served.close()
      await devnet.mine(5)
      await sleep(300)
      expect(scheduler.processedHeight).toBe(before)
      expect(events.some((e) => e.type === 'error')).toBe(false)

      served = await serveDevnet(devnet, { noAuth: true, port })
      // Mine through a full proving period: every deadline with sectors comes round once. Each
      // head must be handled, which needs the scheduler to have subscribed again.
      for (let i = 0; i < 48 * WINDOW + WINDOW && proven() === 0; i++) {
        const ts = await devnet.mine(1)
        await scheduler.settled(ts.height)
      }
      expect(scheduler.processedHeight).toBeGreaterThan(before + 5)
      expect(proven()).toBeGreaterThan(0)
    } finally {
      await scheduler.stop()
      await chain.close()
      await served.close()
      await devnet.stop()
      await rm(root, { recursive: true, force: true })
    }
  }, 60_000)
})
