import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs, silentLogger, WORKER_CONFIG_DEFAULTS } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { critical, SealingFailure } from '../failure.js'
import { sectorPaths } from '../paths.js'
import { emptySectorRecord, type SectorRecord } from '../record.js'
import type { SealerClient } from '../sealer-client.js'
import { sealerPlan } from './sealer.js'
import type { StepContext } from './types.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A manager whose every method fails unless the test gives it. */
function manager(methods: Partial<SealerClient>): SealerClient {
  const none = (name: string) => async () => {
    throw new Error(`${name} not expected`)
  }
  const names = [
    'allocateSector',
    'acquireDeals',
    'assignTicket',
    'submitPreCommit',
    'pollPreCommitState',
    'submitPersisted',
    'waitSeed',
    'submitProof',
    'pollProofState',
    'reportState',
    'reportFinalized',
    'reportAborted',
  ] as const
  return Object.fromEntries(names.map((n) => [n, methods[n] ?? none(n)])) as unknown as SealerClient
}

/** A step context over a temp store, recording what the handler asked of the runtime. */
function context(record: SectorRecord, methods: Partial<SealerClient>, over: Partial<StepContext> = {}) {
  const location = mkdtempSync(join(tmpdir(), 'plan-'))
  dirs.push(location)
  const seen = { sleeps: [] as number[], checkpoints: [] as SectorRecord[] }
  const ctx: StepContext = {
    thread: { index: 0, location, instance: 'w1' },
    record,
    manager: manager(methods),
    proofs: mockProofs(),
    sealing: { ...WORKER_CONFIG_DEFAULTS.sealing, recoverIntervalMs: 7 },
    stores: { attached: [], freeSpace: undefined },
    pieceFetcher: undefined,
    staticTreeD: {},
    resubmitWaitMs: 3,
    log: silentLogger,
    signal: new AbortController().signal,
    paths: () => sectorPaths(location, record.base?.allocated.ID ?? { Miner: 0, Number: 0 }),
    withSlot: (_stage, fn) => fn(),
    withGpu: (_stage, fn) => fn(),
    runStage: async () => {
      throw new Error('no stage expected')
    },
    checkpoint: async () => {
      seen.checkpoints.push(structuredClone(record))
    },
    sleep: async (ms) => {
      seen.sleeps.push(ms)
    },
    pollWait: async (ms) => {
      seen.sleeps.push(ms)
    },
    throwIfInterrupted: () => {},
    ...over,
  }
  return { ctx, seen, location }
}

function allocated(): SectorRecord {
  const rec = emptySectorRecord()
  rec.base = { allocated: { ID: { Miner: 1000, Number: 7 }, ProofType: 5 }, prove_input: ['AA==', 7] }
  return rec
}

const step = (state: keyof typeof sealerPlan.steps) => {
  const h = sealerPlan.steps[state]
  if (h === undefined) throw new Error(`no handler for ${state}`)
  return h
}

describe('sealer plan steps', () => {
  it('Empty: with nothing to seal it waits recover_interval and stays where it is', async () => {
    const { ctx, seen } = context(emptySectorRecord(), { allocateSector: async () => null })
    expect(await step('Empty')(ctx)).toBeNull()
    expect(seen.sleeps).toEqual([7])
    expect(seen.checkpoints).toEqual([])
  })

  it('Empty: records the allocation before it makes the sector directories', async () => {
    const rec = emptySectorRecord()
    const { ctx, seen, location } = context(rec, {
      allocateSector: async (spec) => {
        expect(spec).toEqual({ allowedMiners: null, allowedProofTypes: null })
        return { id: { miner: 1000, number: 7 }, proofType: 5 }
      },
    })
    expect(await step('Empty')(ctx)).toBe('Allocate')
    expect(seen.checkpoints[0]?.base?.allocated).toEqual({ ID: { Miner: 1000, Number: 7 }, ProofType: 5 })
    expect(existsSync(join(location, 'data', 'cache', 's-t01000-7'))).toBe(true)
  })

  it('Empty: tells the manager at once about an allocation it cannot record', async () => {
    const aborted: string[] = []
    const { ctx } = context(
      emptySectorRecord(),
      {
        allocateSector: async () => ({ id: { miner: 1000, number: 7 }, proofType: 5 }),
        reportAborted: async (id, reason) => {
          aborted.push(`${id.number}: ${reason}`)
        },
      },
      {
        checkpoint: async () => {
          throw critical('writing the sector record failed', new Error('EIO'))
        },
      },
    )
    await expect(step('Empty')(ctx)).rejects.toThrow('writing the sector record failed')
    expect(aborted).toEqual([
      '7: worker w1 could not record the allocation: writing the sector record failed: EIO',
    ])
  })

  it('PC2Done: submits the precommit in domain terms and aborts the sector when it is rejected', async () => {
    const rec = allocated()
    rec.phases.pc2out = {
      comm_r: Buffer.alloc(32, 1).toString('base64'),
      comm_d: Buffer.alloc(32, 2).toString('base64'),
    }
    rec.phases.ticket = { Ticket: Buffer.alloc(32, 3).toString('base64'), Epoch: 10 }
    rec.phases.pc2_re_submit = true
    let result = 4
    const { ctx } = context(rec, {
      submitPreCommit: async (sector, info, reset) => {
        expect(sector).toEqual({ id: { miner: 1000, number: 7 }, proofType: 5 })
        expect(info.commR).toEqual(new Uint8Array(32).fill(1))
        expect(info.ticket).toEqual({ value: new Uint8Array(32).fill(3), epoch: 10 })
        expect(reset).toBe(true)
        return { result, desc: 'ticket expired' }
      },
    })
    const err = await step('PC2Done')(ctx).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SealingFailure)
    expect(err).toMatchObject({ level: 'Abort' })
    expect((err as SealingFailure).describe()).toBe(
      'pre commit submission rejected by the manager (Rejected): ticket expired',
    )
    result = 1
    expect(await step('PC2Done')(ctx)).toBe('SubmitPC')
    expect(rec.phases.pc2_re_submit).toBe(false)
  })

  it('PCSubmitted: polls while pending and submits again after an on-chain failure', async () => {
    const rec = allocated()
    const answers = [1, 2, 5]
    const { ctx, seen } = context(rec, {
      pollPreCommitState: async () => ({ state: answers.shift() ?? 3, desc: null }),
    })
    expect(await step('PCSubmitted')(ctx)).toBe('ReSubmitPC')
    expect(rec.phases.pc2_re_submit).toBe(true)
    // Two polling waits of rpc_polling_interval, then the resubmit wait.
    expect(seen.sleeps).toEqual([30_000, 30_000, 3])
    expect(await step('PCSubmitted')(ctx)).toBe('CheckPC')
  })

  it('finishes by telling the manager how the sector ended', async () => {
    const told: string[] = []
    const { ctx } = context(allocated(), {
      reportFinalized: async (id) => {
        told.push(`finalized ${id.number}`)
      },
      reportAborted: async (id, reason) => {
        told.push(`aborted ${id.number}: ${reason}`)
      },
    })
    await sealerPlan.finish(ctx, { state: 'Finished' })
    await sealerPlan.finish(ctx, { state: 'Aborted', reason: 'bad deal' })
    expect(told).toEqual(['finalized 7', 'aborted 7: bad deal'])
  })
})
