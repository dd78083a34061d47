import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import { runsToNumbers, sectorName } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type Harness, mineTo, nextOpenOf, provingHarness } from '../__fixtures__/devnet.js'
import { mpoolSender } from '../messages.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const PERIOD = 48 * 6

describe('WindowPoStScheduler on the devnet', () => {
  it('proves every deadline of 2 miners with 40 sectors for 2 whole proving periods', async () => {
    h = await provingHarness({ seed: 'poster-2p', miners: 2, sectors: 40 })
    await h.step(2 * PERIOD + 12)
    for (const m of h.miners) {
      const types = m.events.map((e) => e.type)
      expect(types.filter((t) => t === 'deadline-missed')).toEqual([])
      expect(types.filter((t) => t === 'error')).toEqual([])
      const landed = m.events.filter((e) => e.type === 'landed' && e.exitCode === 0)
      // 40 sectors in 20 deadlines (2 per partition), each proven once per period.
      expect(landed.length).toBeGreaterThanOrEqual(40)
      expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([])
    }
  }, 120_000)
})

describe('WindowPoStScheduler with several senders', () => {
  it("sends each PoSt from the richest of the miner's senders", async () => {
    const FIL = 10n ** 18n
    h = await provingHarness({
      seed: 'poster-senders',
      miners: 1,
      sectors: 4,
      senderBalances: [FIL, 50n * FIL],
    })
    const m = h.miners[0]!
    await h.step(PERIOD + 12)
    const submitted = m.events.flatMap((e) => (e.type === 'submitted' ? [e.cid] : []))
    expect(submitted.length).toBeGreaterThan(0)
    const info = await h.chain.stateMinerInfo(m.miner)
    const rich = info.ControlAddresses?.[1]
    expect(rich).toBeDefined()
    for (const cid of submitted) {
      const from = h.devnet.getMessage(cid)?.message.From
      expect(h.devnet.resolve(from ?? '')).toBe(h.devnet.resolve(rich ?? ''))
    }
    expect(m.events.filter((e) => e.type === 'deadline-missed' || e.type === 'error')).toEqual([])
  }, 60_000)
})

describe('WindowPoStScheduler with broken sectors and reorgs', () => {
  it('skips a sector whose files are gone, then declares it recovered and proves it once restored', async () => {
    h = await provingHarness({ seed: 'poster-fault', miners: 1, sectors: 40 })
    const m = h.miners[0]!
    await h.step(10)
    const loc = (await h.chain.stateSectorPartition(m.miner, 7))!
    const sealed = join(h.root, 'sealed', sectorName({ miner: m.minerId, number: 7 }))
    await rename(sealed, `${sealed}.bak`)
    const open1 = await nextOpenOf(h, m.miner, loc.Deadline)
    await mineTo(h, open1 + 6 + 2)
    const skipped = m.events.filter((e) => e.type === 'sectors-skipped')
    expect(
      skipped.flatMap((e) => (e.type === 'sectors-skipped' ? e.sectors.map((s) => s.sectorNumber) : [])),
    ).toContain(7)
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([7])

    await rename(`${sealed}.bak`, sealed)
    const open2 = await nextOpenOf(h, m.miner, loc.Deadline)
    await mineTo(h, open2 + 6 + 2)
    const declared = m.events.filter((e) => e.type === 'declared' && e.kind === 'recoveries')
    expect(declared.flatMap((e) => (e.type === 'declared' ? e.sectors : []))).toEqual([7])
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([])
    expect(runsToNumbers(await h.chain.stateMinerRecoveries(m.miner))).toEqual([])
    const reproven = m.events.find((e) => e.type === 'proof-generated' && e.open === open2)
    expect(reproven?.type === 'proof-generated' && reproven.sectors).toBe(2)
    expect(m.events.filter((e) => e.type === 'deadline-missed' || e.type === 'error')).toEqual([])
  }, 60_000)

  it('resets a deadline when a reorg reverts below its open around the challenge epoch, and still proves it', async () => {
    h = await provingHarness({ seed: 'poster-reorg', miners: 1, sectors: 40 })
    const m = h.miners[0]!
    await h.step(10)
    const loc = (await h.chain.stateSectorPartition(m.miner, 3))!
    const open = await nextOpenOf(h, m.miner, loc.Deadline)
    // Challenge = open − 2; proving starts at challenge + 1.
    await mineTo(h, open - 1)
    expect(m.events.some((e) => e.type === 'proving-started' && e.open === open)).toBe(true)
    const ts = await h.devnet.reorg(3)
    await m.scheduler.settled(ts.height)
    await mineTo(h, open + 6 + 2)
    expect(m.events.some((e) => e.type === 'deadline-reset' && e.open === open)).toBe(true)
    const proven = m.events.filter((e) => e.type === 'landed' && e.open === open && e.exitCode === 0)
    expect(proven.length).toBeGreaterThanOrEqual(1)
    expect(m.events.filter((e) => e.type === 'deadline-missed' || e.type === 'error')).toEqual([])
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([])
  }, 60_000)
})

describe('WindowPoStScheduler fault declarations', () => {
  it('declares a failing sector faulty for deadline index + 2 when DeclareFaults is on', async () => {
    h = await provingHarness({
      seed: 'poster-declare',
      miners: 1,
      sectors: 40,
      config: { declareFaults: true },
    })
    const m = h.miners[0]!
    await h.step(10)
    const loc = (await h.chain.stateSectorPartition(m.miner, 5))!
    const sealed = join(h.root, 'sealed', sectorName({ miner: m.minerId, number: 5 }))
    await rename(sealed, `${sealed}.bak`)
    const open = await nextOpenOf(h, m.miner, loc.Deadline)
    // Two deadlines ahead the fault goes out; it is on chain before this deadline's challenge.
    await mineTo(h, open - 3)
    const declared = m.events.filter((e) => e.type === 'declared' && e.kind === 'faults')
    expect(declared.flatMap((e) => (e.type === 'declared' ? e.sectors : []))).toEqual([5])
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([5])
    await mineTo(h, open + 8)
    // Already faulty, so not skipped again: the proof covers its partition-mate only.
    expect(m.events.some((e) => e.type === 'sectors-skipped' && e.open === open)).toBe(false)
    expect(m.events.filter((e) => e.type === 'deadline-missed' || e.type === 'error')).toEqual([])
    // Followed until buried by Confidence (default 10) epochs.
    const settled = m.events.find((e) => e.type === 'declaration-landed' && e.kind === 'faults')
    expect(settled).toBeDefined()
  }, 60_000)
})

describe('WindowPoStScheduler message confidence', () => {
  it('counts a proof as landed only once it is buried by Confidence epochs', async () => {
    h = await provingHarness({ seed: 'poster-conf', miners: 1, sectors: 8, config: { confidence: 2 } })
    const m = h.miners[0]!
    const loc = (await h.chain.stateSectorPartition(m.miner, 1))!
    const open = await nextOpenOf(h, m.miner, loc.Deadline)
    // Sent at open + 1, its receipt is at open + 3.
    await mineTo(h, open + 3)
    const landed = m.events.find((e) => e.type === 'landed' && e.open === open)
    expect(landed?.type === 'landed' && landed.exitCode).toBe(0)
    expect(m.events.some((e) => e.type === 'deadline-proven' && e.open === open)).toBe(false)
    await mineTo(h, open + 5)
    const proven = m.events.find((e) => e.type === 'deadline-proven' && e.open === open)
    expect(proven).toBeDefined()
    if (proven?.type === 'deadline-proven' && landed?.type === 'landed') {
      // Declared proven inside the window, and not before the message was 2 epochs deep.
      expect(proven.height).toBeGreaterThanOrEqual(landed.height + 2)
      expect(proven.height).toBeLessThan(open + 6)
    }
    // One landed event per inclusion, not one per head.
    expect(m.events.filter((e) => e.type === 'landed' && e.open === open)).toHaveLength(1)
  })

  it('watches a proof that a reorg moves, and proves the deadline once it is buried again', async () => {
    h = await provingHarness({ seed: 'poster-conf-reorg', miners: 1, sectors: 8, config: { confidence: 2 } })
    const m = h.miners[0]!
    const loc = (await h.chain.stateSectorPartition(m.miner, 1))!
    const open = await nextOpenOf(h, m.miner, loc.Deadline)
    await mineTo(h, open + 3)
    expect(m.events.some((e) => e.type === 'landed' && e.open === open)).toBe(true)
    expect(m.events.some((e) => e.type === 'deadline-proven' && e.open === open)).toBe(false)
    // Revert the inclusion and replay it one epoch later (a null round on the new fork).
    const ts = await h.devnet.reorg(2, { nullRounds: 1 })
    await m.scheduler.settled(ts.height)
    await mineTo(h, open + 7)
    expect(m.events.some((e) => e.type === 'deadline-proven' && e.open === open)).toBe(true)
    expect(m.events.filter((e) => e.type === 'deadline-missed' || e.type === 'error')).toEqual([])
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([])
  })
})

describe('WindowPoStScheduler.simulate', () => {
  it('proves a chosen deadline without sending, reporting skipped sectors', async () => {
    h = await provingHarness({ seed: 'poster-sim', miners: 1, sectors: 8 })
    const m = h.miners[0]!
    const loc = (await h.chain.stateSectorPartition(m.miner, 1))!
    await rename(
      join(h.root, 'sealed', sectorName({ miner: m.minerId, number: 1 })),
      join(h.root, 'sealed', 'moved-away'),
    )
    const pending = h.devnet.pending().length
    const r = await m.scheduler.simulate(loc.Deadline)
    expect(r.deadline).toBe(loc.Deadline)
    expect(r.batches).toHaveLength(1)
    expect(r.batches[0]!.partitions).toEqual([{ index: loc.Partition, skipped: [1] }])
    expect(r.batches[0]!.proofBytes).toBe(192)
    expect(h.devnet.pending().length).toBe(pending)
    await expect(m.scheduler.simulate(48)).rejects.toThrow(/deadline index 48/)
  })

  it('proves only the chosen partition, and faulty sectors too with includeFaulty', async () => {
    h = await provingHarness({ seed: 'poster-sim-faulty', miners: 1, sectors: 8 })
    const m = h.miners[0]!
    await h.step(10)
    const loc = (await h.chain.stateSectorPartition(m.miner, 1))!
    const sealed = join(h.root, 'sealed', sectorName({ miner: m.minerId, number: 1 }))
    await rename(sealed, `${sealed}.bak`)
    const open = await nextOpenOf(h, m.miner, loc.Deadline)
    await mineTo(h, open + 6 + 2)
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([1])
    await rename(`${sealed}.bak`, sealed)

    const plain = await m.scheduler.simulate(loc.Deadline, { partitions: [loc.Partition] })
    const withFaulty = await m.scheduler.simulate(loc.Deadline, {
      partitions: [loc.Partition],
      includeFaulty: true,
    })
    expect(withFaulty.batches[0]!.sectors).toBe(plain.batches[0]!.sectors + 1)
    expect(withFaulty.batches[0]!.partitions).toEqual([{ index: loc.Partition, skipped: [] }])
    await expect(m.scheduler.simulate(loc.Deadline, { partitions: [loc.Partition + 5] })).rejects.toThrow(
      `there is no partition ${loc.Partition + 5}`,
    )
  }, 60_000)
})

describe('WindowPoStScheduler batching, verification and retries', () => {
  it('splits a deadline of 3 partitions into messages of MaxPartitionsPerPoStMessage', async () => {
    h = await provingHarness({
      seed: 'poster-batch',
      miners: 1,
      sectors: 48 * 2 * 3,
      config: { maxPartitionsPerPoStMessage: 2 },
    })
    const m = h.miners[0]!
    await h.step(30)
    const sent = m.events.filter((e) => e.type === 'submitted')
    const byOpen = new Map<number, number[][]>()
    for (const e of sent)
      if (e.type === 'submitted') byOpen.set(e.open, [...(byOpen.get(e.open) ?? []), e.partitions])
    expect(byOpen.size).toBeGreaterThan(0)
    for (const parts of byOpen.values()) expect(parts.sort((a, b) => a[0]! - b[0]!)).toEqual([[0, 1], [2]])
    expect(m.events.filter((e) => e.type === 'deadline-missed' || e.type === 'error')).toEqual([])
  }, 60_000)

  it('does not send a proof that fails verification, and proves again', async () => {
    let failures = 1
    h = await provingHarness({
      seed: 'poster-verify',
      miners: 1,
      sectors: 8,
      wrapProofs: (p) =>
        new Proxy(p, {
          get(target, prop, recv) {
            if (prop === 'verifyWindowPoSt')
              return async (req: Parameters<typeof p.verifyWindowPoSt>[0]) =>
                failures-- > 0 ? false : target.verifyWindowPoSt(req)
            const v = Reflect.get(target, prop, recv)
            // The mock keeps private fields: call its methods on the mock itself.
            return typeof v === 'function' ? v.bind(target) : v
          },
        }),
    })
    const m = h.miners[0]!
    await h.step(48 * 6)
    expect(m.events.filter((e) => e.type === 'proof-invalid')).toHaveLength(1)
    expect(m.events.filter((e) => e.type === 'deadline-missed' || e.type === 'error')).toEqual([])
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([])
  }, 60_000)

  it('proves a deadline again on a later head after the prover threw', async () => {
    let throws = 1
    h = await provingHarness({
      seed: 'poster-prove-retry',
      miners: 1,
      sectors: 8,
      wrapProofs: (p) =>
        new Proxy(p, {
          get(target, prop, recv) {
            if (prop === 'generateWindowPoSt')
              return async (...args: Parameters<typeof p.generateWindowPoSt>) => {
                if (throws-- > 0) throw new Error('GPU lost')
                return target.generateWindowPoSt(...args)
              }
            const v = Reflect.get(target, prop, recv)
            return typeof v === 'function' ? v.bind(target) : v
          },
        }),
    })
    const m = h.miners[0]!
    await h.step(48 * 6)
    const errors = m.events.filter((e) => e.type === 'error')
    expect(errors).toHaveLength(1)
    expect(m.events.filter((e) => e.type === 'deadline-missed')).toEqual([])
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([])
  }, 60_000)

  it('retries a failed push while the window is open and passes MaxFee to the node', async () => {
    let pushes = 0
    const fees: bigint[] = []
    h = await provingHarness({
      seed: 'poster-retry',
      miners: 1,
      sectors: 8,
      config: { maxFee: 7n * 10n ** 16n },
      send: (chain) => {
        const real = mpoolSender(chain)
        return async (msg, o) => {
          fees.push(msg.maxFee)
          if (pushes++ === 0) throw new Error('mpool unavailable')
          return real(msg, o)
        }
      },
    })
    const m = h.miners[0]!
    await h.step(48 * 6)
    const errors = m.events.filter((e) => e.type === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]!.type === 'error' && errors[0]!.message).toMatch(/mpool unavailable/)
    expect(m.events.filter((e) => e.type === 'deadline-missed')).toEqual([])
    expect(fees.every((f) => f === 7n * 10n ** 16n)).toBe(true)
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([])
  }, 60_000)
})
