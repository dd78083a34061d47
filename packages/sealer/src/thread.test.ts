import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { mockProofs } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { fakeSealer } from './__fixtures__/fake-sealer.js'
import { until } from './__fixtures__/until.js'
import { SectorRecordStore } from './record.js'
import type { ThreadStepEvent } from './thread.js'
import { createSealingWorker, type SealingWorker } from './worker.js'

let env: WorkerEnv | undefined
let worker: SealingWorker | undefined
afterEach(async () => {
  await worker?.stop()
  worker = undefined
  env?.cleanup()
  env = undefined
})

describe('sealing thread with mock proofs and a fake manager', () => {
  it('seals a CC sector from Empty to Finished, persisting sealed file and cache files', async () => {
    env = await workerEnv()
    const fake = fakeSealer({ sectors: 1, pendingPolls: 2, persistStores: { ps1: env.persist } })
    const steps: ThreadStepEvent[] = []
    worker = createSealingWorker({
      config: env.config,
      proofs: mockProofs(),
      sealer: fake.client,
      controlApi: false,
      onStep: (e) => steps.push(e),
    })
    await worker.start()
    await until(() => fake.finalized.length === 1)
    const path = steps.filter((s) => s.failure === null).map((s) => s.next)
    expect(path).toEqual([
      'Allocated',
      'DealsAcquired',
      'PieceAdded',
      'TreeDBuilt',
      'TicketAssigned',
      'PC1Done',
      'PC2Done',
      'PCSubmitted',
      'PCLanded',
      'Persisted',
      'PersistanceSubmitted',
      'SeedAssigned',
      'C1Done',
      'C2Done',
      'ProofSubmitted',
      'Finished',
    ])
    expect(statSync(join(env.persist, 'sealed', 's-t01000-1')).size).toBe(2048)
    expect(readdirSync(join(env.persist, 'cache', 's-t01000-1')).sort()).toEqual([
      'p_aux',
      'sc-02-data-tree-r-last.dat',
      't_aux',
    ])
    await until(() => !existsSync(join(env?.stores[0] ?? '', 'meta', 'info.json')))
    expect(readdirSync(join(env.stores[0] ?? '', 'data'))).toEqual([])
    // Every report after allocation reached the manager, with Event "None" semantics.
    expect(fake.reports.map((r) => r.next).at(-1)).toBe('Finished')
  })

  it('retries a temporary failure within the budget of the step, then succeeds', async () => {
    env = await workerEnv()
    let failures = 0
    const fake = fakeSealer({
      sectors: 1,
      persistStores: {},
      before: (m) => {
        if (m === 'AssignTicket' && failures < 3) {
          failures++
          throw new Error('manager unreachable')
        }
      },
    })
    fake.methods['Venus.SubmitPersisted'] = () => true
    worker = createSealingWorker({
      config: env.config,
      proofs: mockProofs(),
      sealer: fake.client,
      controlApi: false,
    })
    await worker.start()
    await until(() => fake.finalized.length === 1)
    expect(failures).toBe(3)
    expect(fake.reports.filter((r) => r.level === 'Temporary').length).toBe(3)
  })

  it('escalates a temporary failure past max_retries to a pause with last_error, and resume continues', async () => {
    env = await workerEnv()
    let broken = true
    const fake = fakeSealer({
      sectors: 1,
      before: (m) => {
        if (m === 'WaitSeed' && broken) throw new Error('seed service down')
      },
    })
    fake.methods['Venus.SubmitPersisted'] = () => true
    worker = createSealingWorker({
      config: env.config,
      proofs: mockProofs(),
      sealer: fake.client,
      controlApi: false,
      autoResume: false,
    })
    await worker.start()
    const t = worker.threads[0]
    await until(() => t?.info().paused === true)
    const info = t?.info()
    expect(info?.state).toBe('PersistanceSubmitted')
    expect(info?.last_error).toMatch(/retries used up.*WaitSeed failed.*seed service down/)
    expect(info?.sector_id).toBe('m-1000-s-1')
    broken = false
    expect(t?.resume()).toBe(true)
    await until(() => fake.finalized.length === 1)
  })

  it('aborts on "sector state not found": ReportAborted (not ReportFinalized) and the store is wiped', async () => {
    env = await workerEnv()
    const fake = fakeSealer({
      sectors: 1,
      before: (m) => {
        if (m === 'SubmitPreCommit') {
          throw Object.assign(new Error('error code 11001: sector state not found'), {})
        }
      },
    })
    // The custom transport passes plain errors through; mimic the manager's typed error.
    const { VenusError } = await import('@venus-cluster/core')
    const orig = fake.methods['Venus.SubmitPreCommit']
    fake.methods['Venus.SubmitPreCommit'] = () => {
      throw new VenusError('SECTOR_NOT_FOUND', 'error code 11001: sector state not found')
    }
    expect(orig).toBeDefined()
    worker = createSealingWorker({
      config: env.config,
      proofs: mockProofs(),
      sealer: fake.client,
      controlApi: false,
    })
    await worker.start()
    await until(() => fake.aborted.length === 1)
    expect(fake.finalized).toEqual([])
    expect(fake.aborted[0]?.reason).toMatch(/sector state not found/)
    await until(() => readdirSync(join(env?.stores[0] ?? '', 'data')).length === 0)
  })

  it('pauses at a step boundary and resumes into a named state', async () => {
    env = await workerEnv()
    let hold = true
    const fake = fakeSealer({ sectors: 1, pendingPolls: 1_000_000 })
    fake.methods['Venus.SubmitPersisted'] = () => true
    const poll = fake.methods['Venus.PollPreCommitState']
    fake.methods['Venus.PollPreCommitState'] = (p, c) =>
      hold ? { State: 1, Desc: null } : { State: 3, Desc: null, _: poll?.(p, c) }
    worker = createSealingWorker({
      config: env.config,
      proofs: mockProofs(),
      sealer: fake.client,
      controlApi: false,
    })
    await worker.start()
    const t = worker.threads[0]
    await until(() => t?.info().state === 'PCSubmitted')
    expect(t?.pause()).toBe(true)
    expect(t?.pause()).toBe(false)
    await until(() => t?.info().paused === true)
    expect(t?.info().last_error).toBeNull()
    expect(t?.info().paused_elapsed).toMatch(/s$/)
    // Resume into PC2Done: the precommit is submitted again (a duplicate) and polled.
    hold = false
    expect(t?.resume('PC2Done')).toBe(true)
    expect(t?.resume()).toBe(false)
    await until(() => fake.finalized.length === 1)
    expect(fake.calls.filter((c) => c.method === 'SubmitPreCommit').length).toBe(2)
  })

  it('keeps an uninitialised store paused with a clear error; nothing is lost after seal-init and resume', async () => {
    env = await workerEnv({ unprepared: true })
    const fake = fakeSealer({ sectors: 1 })
    fake.methods['Venus.SubmitPersisted'] = () => true
    worker = createSealingWorker({
      config: env.config,
      proofs: mockProofs(),
      sealer: fake.client,
      controlApi: false,
    })
    await worker.start()
    const t = worker.threads[0]
    await until(() => t?.info().paused === true)
    expect(t?.info().last_error).toMatch(/not a prepared store.*seal-init/)
    expect(fake.calls.filter((c) => c.method === 'AllocateSector')).toEqual([])
    const { prepareSealingStore } = await import('@venus-cluster/core')
    await prepareSealingStore(env.stores[0] ?? '')
    t?.resume()
    await until(() => fake.finalized.length === 1)
  })

  it('pauses when the persist store is full, keeps the sealed sector, and finishes once space is back', async () => {
    env = await workerEnv()
    const fake = fakeSealer({ sectors: 1, persistStores: {} })
    fake.methods['Venus.SubmitPersisted'] = () => true
    let free = 100
    worker = createSealingWorker({
      config: env.config,
      proofs: mockProofs(),
      sealer: fake.client,
      controlApi: false,
      freeSpace: async () => free,
    })
    await worker.start()
    const t = worker.threads[0]
    await until(() => t?.info().paused === true)
    expect(t?.info().state).toBe('PCLanded')
    expect(t?.info().last_error).toMatch(/no attached store has more than 2048 bytes free/)
    const rec = await new SectorRecordStore(env.stores[0] ?? '').load()
    expect(rec?.state_name).toBe('PCLanded')
    expect(statSync(join(env.stores[0] ?? '', 'data', 'sealed', 's-t01000-1')).size).toBe(2048)
    free = 1 << 30
    t?.resume()
    await until(() => fake.finalized.length === 1)
    expect(statSync(join(env.persist, 'sealed', 's-t01000-1')).size).toBe(2048)
  })

  it('keeps asking for a sector while the manager is unreachable, without pausing', async () => {
    env = await workerEnv()
    let down = 0
    const fake = fakeSealer({
      sectors: 1,
      before: (m) => {
        if (m === 'AllocateSector' && down < 10) {
          down++
          throw new Error('connection refused')
        }
      },
    })
    fake.methods['Venus.SubmitPersisted'] = () => true
    worker = createSealingWorker({
      config: env.config,
      proofs: mockProofs(),
      sealer: fake.client,
      controlApi: false,
    })
    await worker.start()
    await until(() => fake.finalized.length === 1)
    expect(down).toBe(10)
    expect(worker.threads[0]?.info().last_error).toBeNull()
  })
})
