/**
 * A snap-up worker whose new stages run in external processors configured in `venus-worker.toml`
 * (`[[processors.snap_encode]]`, `[[processors.snap_prove]]`): the encode and the proof are
 * computed in child processes, the `[processors.limit]` of a stage holds across threads, the
 * prove child computes on the GPU it was given, and a child that dies under a request costs a
 * retry of the step, not the sector.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadWorkerConfig, mockProofs } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { bundleFixture } from './__fixtures__/bundle.js'
import { type WorkerEnv, workerEnv } from './__fixtures__/env.js'
import { startSnapManagerEnv } from './__fixtures__/snap-manager-env.js'
import type { ThreadStepEvent } from './events.js'
import { createSealingWorker, type SealingWorker } from './worker.js'

const processorMain = fileURLToPath(new URL('./__fixtures__/gpu-processor-main.ts', import.meta.url))
const SECTORS = 2

let env: WorkerEnv | undefined
let worker: SealingWorker | undefined
let stopManager: (() => Promise<void>) | undefined
afterEach(async () => {
  await worker?.stop()
  worker = undefined
  await stopManager?.()
  stopManager = undefined
  env?.cleanup()
  env = undefined
})

interface StageRun {
  stage: string
  call: string
  cuda: string | null
  pid: number
  start: number
  end: number
}

describe('a snap-up worker with external snap_encode and snap_prove processors', () => {
  it('encodes and proves in child processes under the stage limits, and retries the step a crashed child failed', async () => {
    env = await workerEnv({ threads: SECTORS, sealing: 'enable_deals = true\nmax_deals = 1' })
    const pieces = join(env.dir, 'pieces')
    const mgr = await startSnapManagerEnv({
      seed: 'snapup-external',
      sectors: SECTORS,
      persist: env.persist,
      pieces,
      batch: { threshold: SECTORS, maxWaitMs: 200 },
    })
    stopManager = () => mgr.stop()
    const log = join(env.dir, 'stages.log')
    const crashMark = join(env.dir, 'crashed-once')
    const envs = `VC_GPU_LOG = ${JSON.stringify(log)}, VC_STAGE_DELAY_MS = "100"`
    let text = env.configText.replace('/ip4/127.0.0.1/tcp/1789', mgr.url.replace('http://', 'ws://'))
    for (const s of env.stores)
      text = text.replace(`location = "${s}"\n`, `location = "${s}"\nplan = "snapup"\n`)
    text += `
[processors.limit]
snap_encode = 1
[processors.gpu]
devices = ["0"]
[[processors.snap_encode]]
concurrent = 1
envs = { ${envs}, VC_CRASH_ONCE = ${JSON.stringify(crashMark)} }
[[processors.snap_prove]]
envs = { ${envs} }
`
    const configPath = join(env.dir, 'venus-worker.toml')
    writeFileSync(configPath, text)
    const config = await loadWorkerConfig(configPath)
    expect(config.processors.external.snap_encode?.[0]?.concurrent).toBe(1)
    const steps: ThreadStepEvent[] = []
    worker = createSealingWorker({
      config: { ...config, autoResume: false },
      proofs: mockProofs(),
      controlApi: false,
      pieceFetcher: async (cid) => new Uint8Array(readFileSync(join(pieces, cid))),
      selfCommand: [process.execPath, await bundleFixture(processorMain, env.dir, 'venus-worker-snap')],
    })
    worker.events.on('thread:step', (e) => steps.push(e))
    await worker.start()
    const encodeChild = worker.external.snap_encode?.pids()[0]

    const end = Date.now() + 90_000
    for (;;) {
      const states = await Promise.all(
        Array.from({ length: SECTORS }, (_, i) =>
          mgr.manager.snapup.state({ miner: mgr.minerId, number: i + 1 }),
        ),
      )
      if (states.every((s) => s?.state === 'done')) break
      const paused = worker.threads.find((t) => t.info().paused)
      if (paused !== undefined) throw new Error(`snap-up stopped: ${paused.info().lastError}`)
      if (Date.now() > end) throw new Error(`snap-up not done: ${JSON.stringify(states)}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    await worker.stop()

    // The crash: the encode step of one sector failed Temporary, naming the stage, and was retried.
    const crashed = steps.filter((s) => s.failure !== null)
    expect(crashed).toHaveLength(1)
    expect(crashed[0]).toMatchObject({ prev: 'PieceAdded', next: 'PieceAdded' })
    expect(crashed[0]?.failure?.level).toBe('Temporary')
    expect(crashed[0]?.failure?.desc).toMatch(
      /snap_encode processor crashed; the step is retried: .*died \(3\)/,
    )
    expect(readFileSync(crashMark, 'utf8')).toBe(String(encodeChild))
    expect(worker.external.snap_encode?.restarts()).toEqual([1])
    expect(steps.filter((s) => s.next === 'SnapEncoded')).toHaveLength(SECTORS)

    const runs = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as StageRun)
    const encodes = runs.filter((r) => r.stage === 'snap_encode').sort((a, b) => a.start - b.start)
    const proves = runs.filter((r) => r.stage === 'snap_prove')
    // Every encode and proof was computed in a child, never in the worker's own process.
    expect(encodes.map((r) => r.call)).toEqual(Array(SECTORS).fill('encodeInto'))
    expect(proves.map((r) => r.call)).toEqual(Array(SECTORS).fill('generateUpdateProof'))
    for (const r of runs) expect(r.pid).not.toBe(process.pid)
    // The restarted encode child served the sectors; the prove child computed on GPU 0.
    expect(new Set(encodes.map((r) => r.pid)).has(encodeChild as number)).toBe(false)
    expect(new Set(proves.map((r) => r.cuda))).toEqual(new Set(['0']))
    // `[processors.limit] snap_encode = 1`: the two threads' encodes never overlapped.
    for (let i = 1; i < encodes.length; i++) {
      expect((encodes[i] as StageRun).start).toBeGreaterThanOrEqual((encodes[i - 1] as StageRun).end)
    }
    expect(worker.limits.stats('snap_encode')).toMatchObject({ limit: 1, peak: 1, inUse: 0 })
    expect(worker.gpus.stats('0')).toMatchObject({ peak: 1, inUse: 0 })
  }, 150_000)
})
