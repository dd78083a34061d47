import { mockProofs, runsToNumbers } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type Harness, mineTo, nextOpenOf, provingHarness } from '../__fixtures__/devnet.js'
import { mpoolSender } from '../messages.js'
import type { DeadlineKey, DeadlineLease, DeadlineLeases } from './leases.js'
import { localWindowPoSt, type WindowPoStJob } from './prover.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/**
 * Leases that grant every deadline but `deadline()`: that one is held by another poster from the
 * start (`refuse`), or taken over by one once this poster has started proving it (`lose`).
 */
function leasesFor(deadline: () => number, mode: 'refuse' | 'lose') {
  const asked: DeadlineKey[] = []
  const released: DeadlineLease[] = []
  let token = 0
  let takenOver = mode === 'refuse'
  const leases: DeadlineLeases = {
    acquire: async (key) => {
      asked.push(key)
      return takenOver && key.deadline === deadline() ? undefined : { key, token: ++token }
    },
    holds: async (lease) => {
      if (mode === 'lose' && lease.key.deadline === deadline()) takenOver = true
      return !(takenOver && lease.key.deadline === deadline())
    },
    release: async (lease) => {
      released.push(lease)
    },
  }
  return { leases, asked, released }
}

describe('WindowPoStScheduler deadline leases', () => {
  it('neither proves nor reports missed a deadline whose lease another poster holds, and asks again', async () => {
    let target = -1
    const l = leasesFor(() => target, 'refuse')
    h = await provingHarness({ seed: 'poster-lease-refused', miners: 1, sectors: 8, leases: l.leases })
    const m = h.miners[0]!
    const loc = (await h.chain.stateSectorPartition(m.miner, 1))!
    target = loc.Deadline
    const open = await nextOpenOf(h, m.miner, loc.Deadline)
    await mineTo(h, open + 6 + 2)
    expect(m.events.filter((e) => e.type === 'lease-refused' && e.open === open)).toHaveLength(1)
    expect(m.events.filter((e) => 'open' in e && e.open === open && e.type !== 'lease-refused')).toEqual([])
    // Asked on every head of its window: the holder may go away.
    expect(l.asked.filter((k) => k.open === open).length).toBeGreaterThan(2)
    // Nobody proved it on this devnet: the chain marks its sectors faulty at the window's end.
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toContain(1)
    // Other deadlines are proven and their leases given back when their windows close.
    expect(m.events.some((e) => e.type === 'deadline-proven' && e.open !== open)).toBe(true)
    expect(l.released.length).toBeGreaterThan(0)
    expect(m.events.filter((e) => e.type === 'error' || e.type === 'deadline-missed')).toEqual([])
  }, 60_000)

  it('sends nothing for a deadline whose lease was lost while proving, and reports it lost', async () => {
    let target = -1
    const l = leasesFor(() => target, 'lose')
    h = await provingHarness({ seed: 'poster-lease-lost', miners: 1, sectors: 8, leases: l.leases })
    const m = h.miners[0]!
    const loc = (await h.chain.stateSectorPartition(m.miner, 1))!
    target = loc.Deadline
    const open = await nextOpenOf(h, m.miner, loc.Deadline)
    await mineTo(h, open + 6 + 2)
    const types = m.events.filter((e) => 'open' in e && e.open === open).map((e) => e.type)
    expect(types).toContain('proof-generated')
    expect(types).toContain('lease-lost')
    // Asked again on the next head: the new holder keeps it.
    expect(types).toContain('lease-refused')
    expect(types).not.toContain('submitted')
    expect(types).not.toContain('deadline-missed')
    expect(h.devnet.pending()).toEqual([])
  }, 60_000)
})

describe('WindowPoStScheduler proof computation', () => {
  it('hands each batch to the computer it is given, with the replicas and challenge of the batch', async () => {
    const jobs: WindowPoStJob[] = []
    const local = localWindowPoSt(mockProofs())
    h = await provingHarness({
      seed: 'poster-compute',
      miners: 1,
      sectors: 8,
      compute: (job, opts) => {
        jobs.push(job)
        return local(job, opts)
      },
    })
    const m = h.miners[0]!
    const loc = (await h.chain.stateSectorPartition(m.miner, 1))!
    const open = await nextOpenOf(h, m.miner, loc.Deadline)
    await mineTo(h, open + 6 + 2)
    const job = jobs.find((j) => j.open === open)
    expect(job).toMatchObject({
      miner: m.miner,
      deadline: loc.Deadline,
      partitions: [loc.Partition],
      batch: 0,
    })
    expect(job!.replicas.map((r) => r.sectorNumber)).toContain(1)
    expect(job!.replicas[0]!.sealedPath).toContain(h.root)
    expect(job!.randomness[31]! & 0xc0).toBe(0)
    expect(m.events.some((e) => e.type === 'deadline-proven' && e.open === open)).toBe(true)
  }, 60_000)
})

describe('WindowPoStScheduler retries and fenced submissions', () => {
  it('retries a failing proof, then skips the sector that cannot be read rather than miss the deadline', async () => {
    let bad = -1
    let computeFailures = 0
    const local = localWindowPoSt(mockProofs())
    h = await provingHarness({
      seed: 'poster-skip-unreadable',
      miners: 1,
      sectors: 8,
      config: { computeRetriesBeforeSkip: 2 },
      // The sector reads wrong only when it is proven: file presence checks pass.
      wrapProofs: (p) =>
        new Proxy(p, {
          get(target, prop, recv) {
            if (prop === 'generateSingleVanillaProof')
              return async (req: Parameters<typeof p.generateSingleVanillaProof>[0]) => {
                if (req.replica.sectorNumber === bad) throw new Error('read error: bad block')
                return target.generateSingleVanillaProof(req)
              }
            const v = Reflect.get(target, prop, recv)
            return typeof v === 'function' ? v.bind(target) : v
          },
        }),
      compute: async (job, opts) => {
        if (job.replicas.some((r) => r.sectorNumber === bad)) {
          computeFailures++
          throw new Error('prover: I/O error reading sealed file')
        }
        return local(job, opts)
      },
    })
    const m = h.miners[0]!
    bad = 1
    const loc = (await h.chain.stateSectorPartition(m.miner, 1))!
    const open = await nextOpenOf(h, m.miner, loc.Deadline)
    await mineTo(h, open + 6 + 2)
    const mine = m.events.filter((e) => 'open' in e && e.open === open)
    expect(computeFailures).toBe(2)
    expect(mine.filter((e) => e.type === 'error')).toHaveLength(2)
    const skipped = mine.find((e) => e.type === 'sectors-skipped')
    expect(skipped?.type === 'sectors-skipped' && skipped.sectors.map((s) => s.sectorNumber)).toEqual([1])
    expect(mine.map((e) => e.type)).toContain('deadline-proven')
    expect(mine.map((e) => e.type)).not.toContain('deadline-missed')
    // Skipped in the proof: the chain now counts it faulty, and only it.
    expect(runsToNumbers(await h.chain.stateMinerFaults(m.miner))).toEqual([1])
  }, 60_000)

  it('records each send with the lease store, pushes under the id it gives, and sends nothing once the record is refused', async () => {
    let target = -1
    const records: { open: number; partitions: readonly number[] }[] = []
    const ids: (string | undefined)[] = []
    let token = 0
    const leases: DeadlineLeases = {
      acquire: async (key) => ({ key, token: ++token }),
      holds: async () => true,
      release: async () => {},
      recordSubmission: async (lease, s) => {
        records.push({ open: lease.key.open, partitions: s.partitions })
        return lease.key.deadline === target ? undefined : { id: `rec-${lease.key.open}-${s.batch}` }
      },
    }
    h = await provingHarness({
      seed: 'poster-fenced-send',
      miners: 1,
      sectors: 8,
      leases,
      send: (chain) => {
        const real = mpoolSender(chain)
        return (msg, o) => {
          ids.push(o.id)
          return real(msg, o)
        }
      },
    })
    const m = h.miners[0]!
    const loc = (await h.chain.stateSectorPartition(m.miner, 1))!
    target = loc.Deadline
    const open = await nextOpenOf(h, m.miner, loc.Deadline)
    await mineTo(h, open + 6 + 2)
    const mine = m.events.filter((e) => 'open' in e && e.open === open).map((e) => e.type)
    expect(records.some((r) => r.open === open)).toBe(true)
    expect(mine).toContain('lease-lost')
    expect(mine).not.toContain('submitted')
    // Every push of the other deadlines went out under the id the store recorded.
    expect(ids.length).toBeGreaterThan(0)
    expect(ids.every((id) => id?.startsWith('rec-'))).toBe(true)
  }, 60_000)
})
