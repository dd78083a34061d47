import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChainClient, mockProofs, runsToNumbers } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { createDevnet } from '../devnet.js'
import { devnetParamsShortPeriod } from '../params.js'
import { devnetTransport } from '../transport.js'
import { createTestClient, injectSectors, publishTestDeal, sealTestSectors } from './index.js'

const proofs = mockProofs()

describe('@venus-cluster/devnet/testing', () => {
  it('mines, jumps with null rounds, and refuses to go back in time', async () => {
    const devnet = createDevnet({ seed: 'test-client-time', proofs })
    const test = createTestClient(devnet)
    expect((await test.mine(3)).height).toBe(3)
    expect((await test.advanceTo(10)).height).toBe(10)
    // A jump is one tipset after null rounds: heights 11..19 are null rounds.
    const jumped = await test.advanceTo(20, { jump: true })
    expect(jumped.height).toBe(20)
    expect(devnet.tipsetAtHeight(15).height).toBe(10)
    test.nullRounds(2)
    expect((await test.mine()).height).toBe(23)
    await expect(test.advanceTo(5)).rejects.toThrow('advanceTo: the head is already at 23, past 5')
    expect(() => test.nullRounds(0)).toThrow('nullRounds: count must be a whole number ≥ 1, got 0')
    const head = devnet.head()
    const forked = await test.reorg(2)
    expect(forked.height).toBe(head.height)
    expect(forked.cid).not.toBe(head.cid)
  })

  it("brings a miner's deadline to its challenge, open or close as the chain reports it", async () => {
    const devnet = createDevnet({ seed: 'test-client-dl', proofs, params: devnetParamsShortPeriod(6) })
    const test = createTestClient(devnet)
    const { miner } = await test.createMiner()
    const chain = createChainClient(devnetTransport(devnet))
    const atChallenge = await test.advanceToDeadline(miner, 5, { at: 'challenge' })
    expect(test.height()).toBe(atChallenge.challenge)
    const opened = await test.advanceToDeadline(miner, 5)
    expect(opened).toEqual(atChallenge)
    const di = await chain.stateMinerProvingDeadline(miner)
    expect({ index: di.Index, open: di.Open, close: di.Close }).toEqual({
      index: 5,
      open: opened.open,
      close: opened.close,
    })
    // Past its open: the next period's occurrence.
    const next = await test.advanceToDeadline(miner, 5, { at: 'open', jump: true })
    expect(next.open).toBe(opened.open + devnet.params.wpostProvingPeriod)
    expect(test.height()).toBe(next.open)
    await expect(test.advanceToDeadline(miner, 48)).rejects.toThrow('deadline index 48 is not in [0, 48)')
    await expect(test.advanceToDeadline('t09999', 0)).rejects.toThrow('miner t09999 not found')
  })

  it('funds accounts, waits for messages, and gives up on a message that never lands', async () => {
    const devnet = createDevnet({ seed: 'test-client-fund', proofs })
    const test = createTestClient(devnet)
    const who = devnet.newAccount('bls')
    await test.fund(who, 5n * 10n ** 18n)
    expect(devnet.balance(who)).toBe(5n * 10n ** 18n)
    await expect(test.mineUntilExecuted('bafy2bzaceunknown', { maxEpochs: 2 })).rejects.toThrow(
      'message bafy2bzaceunknown was not executed within 2 epochs',
    )
  })

  it('gives a miner sealed, proven sectors and test deals without messages', async () => {
    const devnet = createDevnet({ seed: 'test-client-sectors', proofs, params: devnetParamsShortPeriod(6) })
    const test = createTestClient(devnet)
    const { miner, minerId, owner } = await test.createMiner()
    const dir = await mkdtemp(join(tmpdir(), 'venus-devnet-testing-'))
    try {
      injectSectors(devnet, miner, await sealTestSectors(proofs, dir, minerId, [1, 2, 3]))
      const chain = createChainClient(devnetTransport(devnet))
      expect((await chain.stateMinerActiveSectors(miner)).map((s) => s.SectorNumber)).toEqual([1, 2, 3])
      expect(() => injectSectors(devnet, 't09999', [])).toThrow('miner t09999 not found')
      const dealId = publishTestDeal(devnet, {
        pieceCid: 'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq',
        pieceSize: 2048,
        client: owner,
        provider: miner,
      })
      expect(devnet.worldAt().deals.get(dealId)).toMatchObject({ provider: minerId, pieceSize: 2048 })
      // Unproven: nobody submits a proof, so the chain marks them faulty at their deadlines' ends.
      const s1 = (await chain.stateSectorPartition(miner, 1))!
      const d = await test.advanceToDeadline(miner, s1.Deadline, { at: 'close' })
      expect(test.height()).toBe(d.close)
      expect(runsToNumbers(await chain.stateMinerFaults(miner))).toContain(1)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('reports head changes through devnet.events', async () => {
    const devnet = createDevnet({ seed: 'test-client-events', proofs })
    const heights: number[] = []
    const off = devnet.events.on('head-change', (changes) =>
      heights.push(...changes.map((c) => c.tipset.height)),
    )
    await devnet.mine(2)
    off()
    await devnet.mine(1)
    expect(heights).toEqual([1, 2])
  })
})
