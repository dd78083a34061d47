import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { mockProofs } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { fakeSealer } from './__fixtures__/fake-sealer.js'
import { until } from './__fixtures__/until.js'
import { threadInfoToWire } from './control-api.js'
import type { ThreadStepEvent } from './events.js'
import { SectorRecordStore } from './record.js'
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
    })
    worker.events.on('thread:step', (e) => steps.push(e))
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
      config: { ...env.config, autoResume: false },
      proofs: mockProofs(),
      sealer: fake.client,
      controlApi: false,
    })
    await worker.start()
    const t = worker.threads[0]
    await until(() => t?.info().paused === true)
    const info = t?.info()
    expect(info?.state).toBe('PersistanceSubmitted')
    expect(info?.lastError).toMatch(/retries used up.*WaitSeed failed.*seed service down/)
    expect(info?.sectorId).toEqual({ miner: 1000, number: 1 })
    expect(info && threadInfoToWire(info).sector_id).toBe('m-1000-s-1')
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
    expect(t?.info().lastError).toBeNull()
    const paused = t?.info()
    expect(paused && threadInfoToWire(paused).paused_elapsed).toMatch(/s$/)
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
    expect(t?.info().lastError).toMatch(/not a prepared store.*seal-init/)
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
    expect(t?.info().lastError).toMatch(/no attached store has more than 2048 bytes free/)
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
    expect(worker.threads[0]?.info().lastError).toBeNull()
  })

  it('emits sector:state for every state change, sector:done once finalized, and each pause and resume', async () => {
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
      config: { ...env.config, autoResume: false },
      proofs: mockProofs(),
      sealer: fake.client,
      controlApi: false,
    })
    const seen: string[] = []
    worker.events.on('sector:state', (e) => seen.push(`${e.sector.number}:${e.next}`))
    worker.events.on('thread:paused', (e) =>
      seen.push(`paused:${e.state}:${e.error === null ? '-' : 'error'}`),
    )
    worker.events.on('thread:resumed', (e) => seen.push(`resumed:${e.into}`))
    const done = new Promise((r) => worker?.events.once('sector:done', r))
    await worker.start()
    await until(() => worker?.threads[0]?.info().paused === true)
    broken = false
    worker.threads[0]?.resume()
    expect(await done).toEqual({
      thread: 0,
      plan: 'sealer',
      sector: { miner: 1000, number: 1 },
      state: 'Finished',
      reason: null,
    })
    expect(seen.slice(0, 2)).toEqual(['1:Allocated', '1:DealsAcquired'])
    expect(seen).toContain('paused:PersistanceSubmitted:error')
    expect(seen.indexOf('resumed:null')).toBe(seen.indexOf('paused:PersistanceSubmitted:error') + 1)
    expect(seen.at(-1)).toBe('1:Finished')
  })

  it('keeps a listener that throws from stopping the thread', async () => {
    env = await workerEnv()
    const fake = fakeSealer({ sectors: 1, persistStores: { ps1: env.persist } })
    worker = createSealingWorker({
      config: env.config,
      proofs: mockProofs(),
      sealer: fake.client,
      controlApi: false,
    })
    worker.events.on('thread:step', () => {
      throw new Error('a broken listener')
    })
    await worker.start()
    await until(() => fake.finalized.length === 1)
  })

  it('refuses to run a record another plan wrote, pausing with the way out', async () => {
    env = await workerEnv()
    const store = env.stores[0] as string
    const rec = await import('./record.js')
    const other = rec.emptySectorRecord('snapup')
    await new rec.SectorRecordStore(store).save(other)
    const fake = fakeSealer({ sectors: 1 })
    worker = createSealingWorker({
      config: { ...env.config, autoResume: false },
      proofs: mockProofs(),
      sealer: fake.client,
      controlApi: false,
    })
    await worker.start()
    await until(() => worker?.threads[0]?.info().paused === true)
    expect(worker.threads[0]?.info().lastError).toMatch(
      /holds a "snapup" task, but the thread runs the "sealer" plan: set the thread's plan back/,
    )
    expect(fake.calls.filter((c) => c.method === 'AllocateSector')).toEqual([])
  })
})
