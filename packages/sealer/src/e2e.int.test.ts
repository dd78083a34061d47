import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { mockProofs } from '@venus-cluster/core'
import { afterAll, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { type ManagerEnv, startManagerEnv } from './__fixtures__/manager-env.js'
import { inlineProcessor, type SealStage, type StageProcessor } from './processors.js'
import { createSealingWorker } from './worker.js'

let env: WorkerEnv | undefined
let mgr: ManagerEnv | undefined
afterAll(async () => {
  await mgr?.stop()
  env?.cleanup()
})

/** Wraps a processor and records the highest number of concurrent calls per stage. */
function measured(inner: StageProcessor) {
  const live: Record<string, number> = {}
  const peak: Record<string, number> = {}
  const p: StageProcessor = {
    async run(stage, req, opts) {
      live[stage] = (live[stage] ?? 0) + 1
      peak[stage] = Math.max(peak[stage] ?? 0, live[stage] ?? 0)
      try {
        return await inner.run(stage, req, opts)
      } finally {
        live[stage] = (live[stage] ?? 1) - 1
      }
    },
  }
  return { p, peak }
}

describe('worker against the real manager on the devnet (mock proofs)', () => {
  it('seals 12 sectors to Finished on 3 threads with per-stage concurrency never above its limit', async () => {
    env = await workerEnv({
      threads: 3,
      extra: '[processors.limit]\ntree_d = 1\npc1 = 2\npc2 = 1\nc1 = 2\nc2 = 1\n',
    })
    mgr = await startManagerEnv({ persist: env.persist })
    const { parseWorkerConfig } = await import('@venus-cluster/core')
    const config = parseWorkerConfig(
      env.configText.replace('/ip4/127.0.0.1/tcp/1789', mgr.url.replace('http://', 'ws://')),
      'e2e.toml',
    )
    const proofs = mockProofs({ delays: { pc1: 15, pc2: 10, c2: 10 } })
    const { p, peak } = measured(inlineProcessor(proofs))
    const finished = new Set<string>()
    let stop!: () => void
    const done = new Promise<void>((r) => {
      stop = r
    })
    const worker = createSealingWorker({
      config,
      proofs,
      processor: p,
      controlApi: false,
    })
    worker.events.on('sector:state', (e) => {
      if (e.next === 'Finished') finished.add(`m-${e.sector.miner}-s-${e.sector.number}`)
      if (finished.size >= 12) stop()
    })
    const t0 = Date.now()
    await worker.start()
    await done
    // Finished is followed by ReportFinalized on the thread's next loop turn.
    const m = mgr
    for (let i = 0; i < 400; i++) {
      const off = await m.manager.store.listSectors(false)
      if (off.filter((s) => s.finalized).length >= 12) break
      await new Promise((r) => setTimeout(r, 10))
    }
    const elapsed = Date.now() - t0
    await worker.stop()
    const limits: Partial<Record<SealStage, number>> = { tree_d: 1, pc1: 2, pc2: 1, c1: 2, c2: 1 }
    for (const [stage, limit] of Object.entries(limits)) {
      expect(peak[stage] ?? 0, stage).toBeLessThanOrEqual(limit)
      expect(worker.limits.stats(stage).peak, stage).toBeLessThanOrEqual(limit)
    }
    // The limits were reached, so they were what held the pipeline back.
    expect(peak.pc1).toBe(2)
    console.log(`sealed ${finished.size} sectors in ${elapsed} ms; peak concurrency`, JSON.stringify(peak))
    const sealed = readdirSync(join(env.persist, 'sealed'))
    expect(sealed.length).toBeGreaterThanOrEqual(12)
    for (const name of sealed) {
      expect(statSync(join(env.persist, 'sealed', name)).size).toBe(2048)
      expect(readdirSync(join(env.persist, 'cache', name)).sort()).toEqual([
        'p_aux',
        'sc-02-data-tree-r-last.dat',
        't_aux',
      ])
    }
    // The worker announced itself with Venus.WorkerPing.
    const pings = mgr.manager.workers.pings()
    expect(pings.map((p) => [p.name, p.summary.threads])).toEqual([['test-worker', 3]])
    const offline = await mgr.manager.store.listSectors(false)
    expect(offline.filter((s) => s.finalized).length).toBeGreaterThanOrEqual(12)
  }, 120_000)
})
