import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  abandonOriginalWorkerMeta,
  type Logger,
  mockProofs,
  parseWorkerConfig,
  prepareSealingStore,
} from '@venus-cluster/core'
import { readOnlyDirectory } from '@venus-cluster/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { fakeSealer } from './__fixtures__/fake-sealer.js'
import { until } from './__fixtures__/until.js'
import { threadInfoToWire } from './control-api.js'
import { createSealingWorker, type SealingWorker } from './worker.js'

let env: WorkerEnv | undefined
let worker: SealingWorker | undefined
const cleanups: (() => void)[] = []
afterEach(async () => {
  await worker?.stop()
  worker = undefined
  env?.cleanup()
  env = undefined
  for (const c of cleanups.splice(0)) c()
})

/** A logger that keeps every line as pino would get it. */
function recordingLogger(): Logger & { lines: { msg: string; obj: Record<string, unknown> }[] } {
  const lines: { msg: string; obj: Record<string, unknown> }[] = []
  const put = (obj: object, msg?: string) =>
    lines.push({ msg: msg ?? '', obj: obj as Record<string, unknown> })
  return { lines, debug: put, info: put, warn: put, error: put }
}

function start(config = env?.config, extra: Partial<Parameters<typeof createSealingWorker>[0]> = {}) {
  if (config === undefined) throw new Error('no config')
  return createSealingWorker({ config, proofs: mockProofs(), controlApi: false, ...extra } as Parameters<
    typeof createSealingWorker
  >[0])
}

describe('sealing thread recovery', () => {
  it('resumes on its own, with backoff, after the manager was down longer than max_retries × recover_interval', async () => {
    env = await workerEnv()
    // The outage is counted in calls, not milliseconds, so a slow machine cannot reach WaitSeed
    // after it ended: 12 refused calls are four times the retry budget.
    let refused = 0
    const fake = fakeSealer({
      sectors: 1,
      before: (m) => {
        if (m === 'WaitSeed' && refused < 12) {
          refused++
          throw new Error('connect ECONNREFUSED 127.0.0.1:1789')
        }
      },
    })
    fake.methods['Venus.SubmitPersisted'] = () => true
    let pausedSeen = false
    worker = start({ ...env.config, autoResume: { maxMs: 40 } }, { sealer: fake.client })
    // The pauses last 5 to 40 ms: seen through the event, not by polling the thread.
    worker.events.on('thread:paused', (e) => {
      if (e.autoResumeInMs !== null) pausedSeen = true
    })
    await worker.start()
    const t = worker.threads[0]
    await until(() => fake.finalized.length === 1)
    // max_retries = 3 and recover_interval = 5ms: the budget ran out many times during the outage.
    expect(pausedSeen).toBe(true)
    expect(fake.reports.filter((r) => r.level === 'Temporary').length).toBeGreaterThan(3)
    expect(t?.info()).toMatchObject({ paused: false, lastError: null })
  })

  it('stays paused after a permanent failure, telling the manager what happened in words', async () => {
    env = await workerEnv()
    const fake = fakeSealer({ sectors: 1 })
    fake.methods['Venus.PollPreCommitState'] = () => ({ State: 4, Desc: null })
    worker = start({ ...env.config, autoResume: { maxMs: 10 } }, { sealer: fake.client })
    await worker.start()
    const t = worker.threads[0]
    await until(() => t?.info().paused === true)
    await new Promise((r) => setTimeout(r, 200))
    expect(t?.info()).toMatchObject({ paused: true, state: 'PCSubmitted' })
    expect(t?.info().lastError).toBe('pre commit on-chain info not found')
    expect(fake.reports.at(-1)).toMatchObject({
      level: 'Permanent',
      desc: 'pre commit on-chain info not found',
    })
  })

  it('names submit results and on-chain states instead of their numbers', async () => {
    env = await workerEnv()
    const fake = fakeSealer({ sectors: 1 })
    fake.methods['Venus.SubmitPreCommit'] = () => ({ Res: 3, Desc: 'comm_r differs' })
    worker = start({ ...env.config, autoResume: false }, { sealer: fake.client })
    await worker.start()
    await until(() => worker?.threads[0]?.info().paused === true)
    expect(fake.reports.at(-1)?.desc).toBe(
      'pre commit submission differs from the one submitted before (MismatchedSubmission): comm_r differs',
    )
    expect(fake.reports.map((r) => r.desc ?? '').join('\n')).not.toMatch(/result \d|state \d/)
  })

  it('keeps the cause of a failed AllocateSector and logs the failure level as failureLevel', async () => {
    env = await workerEnv()
    let down = 2
    const fake = fakeSealer({
      sectors: 1,
      before: (m) => {
        if (m === 'AllocateSector' && down-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:1789')
        if (m === 'AssignTicket' && down-- > -2) throw new Error('ticket service down')
      },
    })
    fake.methods['Venus.SubmitPersisted'] = () => true
    const log = recordingLogger()
    worker = start(env.config, { sealer: fake.client, logger: log })
    await worker.start()
    await until(() => fake.finalized.length === 1)
    const alloc = log.lines.find((l) => l.msg === 'AllocateSector failed; retrying')
    expect(alloc?.obj.err).toBe('AllocateSector failed: connect ECONNREFUSED 127.0.0.1:1789')
    const step = log.lines.find((l) => l.msg === 'sealing step failed')
    expect(step?.obj).toMatchObject({
      failureLevel: 'Temporary',
      err: 'AssignTicket failed: ticket service down',
    })
    // pino adds its own numeric `level`: no line may carry another one.
    expect(log.lines.filter((l) => 'level' in l.obj)).toEqual([])
  })

  it('reuses the number it was allocated when the sector directories could not be made', async () => {
    env = await workerEnv()
    const store = env.stores[0] as string
    // data/cache is a file: creating the sector's cache directory fails after the allocation.
    writeFileSync(join(store, 'data', 'cache'), 'in the way')
    // Allocations counted when the first sector finalizes: the thread goes on to the next
    // sector afterwards, and its allocation must not count here.
    let allocationsAtFinalize = -1
    const fake = fakeSealer({
      sectors: 5,
      before: (m) => {
        if (m === 'ReportFinalized' && allocationsAtFinalize < 0)
          allocationsAtFinalize = fake.calls.filter((c) => c.method === 'AllocateSector').length
      },
    })
    fake.methods['Venus.SubmitPersisted'] = () => true
    worker = start(env.config, { sealer: fake.client })
    await worker.start()
    const t = worker.threads[0]
    await until(() => t?.info().paused === true)
    expect(t?.info()).toMatchObject({ state: 'Empty', sectorId: { miner: 1000, number: 1 } })
    expect(threadInfoToWire(t?.info() as never)).toMatchObject({ state: 'Empty', sector_id: 'm-1000-s-1' })
    expect(t?.info().lastError).toMatch(/creating sector directories failed: ENOTDIR/)
    // The manager heard of the sector, so its unclaimed-allocation sweep leaves it alone.
    expect(fake.reports[0]).toMatchObject({ id: 'm-1000-s-1', level: 'Critical' })
    rmSync(join(store, 'data', 'cache'))
    expect(t?.resume()).toBe(true)
    await until(() => fake.finalized.length === 1)
    expect(fake.finalized).toEqual(['m-1000-s-1'])
    expect(allocationsAtFinalize).toBe(1)
  })

  it('reports an allocation it cannot record as aborted at once, so the number is not left unclaimed', async () => {
    env = await workerEnv()
    // The record's temp file is a directory: saving the record fails.
    mkdirSync(join(env.stores[0] as string, 'meta', 'info.json.tmp'))
    const fake = fakeSealer({ sectors: 5 })
    worker = start({ ...env.config, autoResume: false }, { sealer: fake.client })
    await worker.start()
    await until(() => worker?.threads[0]?.info().paused === true)
    expect(fake.aborted).toEqual([
      { id: 'm-1000-s-1', reason: expect.stringMatching(/could not record the allocation: .*EISDIR/) },
    ])
    expect(worker.threads[0]?.info().lastError).toMatch(/writing the sector record failed/)
  })

  it('names EROFS or EACCES for a read-only sealing store and takes no sector', async (ctx) => {
    const ro = await readOnlyDirectory(async (dir) => {
      await prepareSealingStore(join(dir, 'store1'))
    })
    if (ro.dir === undefined) return ctx.skip(ro.unavailable)
    cleanups.push(() => ro.cleanup())
    env = await workerEnv()
    const config = parseWorkerConfig(
      env.configText.replace(env.stores[0] as string, join(ro.dir, 'store1')),
      'w.toml',
    )
    const fake = fakeSealer({ sectors: 1 })
    worker = start({ ...config, autoResume: false }, { sealer: fake.client })
    await worker.start()
    await until(() => worker?.threads[0]?.info().paused === true)
    const err = worker.threads[0]?.info().lastError ?? ''
    expect(err).toMatch(new RegExp(`store1 is not writable \\(${ro.code}`))
    expect(err).not.toMatch(/ENOENT/)
    expect(fake.calls.filter((c) => c.method === 'AllocateSector')).toEqual([])
  })

  it("refuses a store holding the original worker's RocksDB until the operator abandons it, then seals", async () => {
    env = await workerEnv()
    const store = env.stores[0] as string
    for (const f of ['CURRENT', 'MANIFEST-000005', '000009.sst', 'LOG'])
      writeFileSync(join(store, 'meta', f), '')
    const fake = fakeSealer({ sectors: 1 })
    fake.methods['Venus.SubmitPersisted'] = () => true
    worker = start({ ...env.config, autoResume: { maxMs: 20 } }, { sealer: fake.client })
    await worker.start()
    const t = worker.threads[0]
    await until(() => t?.info().paused === true)
    expect(t?.info().lastError).toMatch(
      /holds the original venus-worker's metadata \(RocksDB in meta\/: 000009\.sst, CURRENT, LOG, MANIFEST-000005\).*venus-worker store abandon-original -l/,
    )
    await new Promise((r) => setTimeout(r, 100))
    expect(fake.calls.filter((c) => c.method === 'AllocateSector')).toEqual([])
    // Nothing was written into the store while it was refused.
    expect(readdirSync(join(store, 'meta')).sort()).toEqual([
      '000009.sst',
      'CURRENT',
      'LOG',
      'MANIFEST-000005',
    ])
    await abandonOriginalWorkerMeta(store)
    // The thread checks again on its own; no resume needed.
    await until(() => fake.finalized.length === 1)
  })
})
