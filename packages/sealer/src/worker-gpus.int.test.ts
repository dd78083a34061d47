/**
 * A worker with one GPU and external PC2 and C2 processors that share it: configured in
 * `venus-worker.toml`, it seals sectors on two threads while each child sees its
 * `CUDA_VISIBLE_DEVICES`, and a PC2 and a C2 never compute on the GPU at the same time.
 */
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadWorkerConfig, mockProofs, prepareFileStore, prepareSealingStore } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { bundleFixture } from './__fixtures__/bundle.js'
import { type MockManagerEnv, startMockManagerEnv } from './__fixtures__/mock-manager-env.js'
import { createSealingWorker, type SealingWorker } from './worker.js'

const gpuProcessorMain = fileURLToPath(new URL('./__fixtures__/gpu-processor-main.ts', import.meta.url))

let dir = ''
let mgr: MockManagerEnv | undefined
let worker: SealingWorker | undefined
afterEach(async () => {
  await worker?.stop()
  worker = undefined
  await mgr?.stop()
  mgr = undefined
  rmSync(dir, { recursive: true, force: true })
})

interface StageRun {
  stage: string
  cuda: string | null
  pid: number
  start: number
  end: number
}

describe('a worker whose PC2 and C2 processors share one GPU', () => {
  it('pins each child to the GPU and runs the two stages on it one after the other', async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'vc-worker-gpus-')))
    const stores = [join(dir, 'store1'), join(dir, 'store2')]
    for (const s of stores) await prepareSealingStore(s)
    const remote = join(dir, 'remote')
    await prepareFileStore(remote)
    mgr = await startMockManagerEnv({
      actor: 10200,
      sectorSize: 2048,
      persistStores: [{ name: 'ps1', path: remote }],
    })
    const log = join(dir, 'gpu.log')
    const envs = `envs = { VC_GPU_LOG = ${JSON.stringify(log)}, VC_STAGE_DELAY_MS = "150" }`
    writeFileSync(
      join(dir, 'venus-worker.toml'),
      `[worker]
name = "gpu-rig"
[sector_manager.rpc_client]
addr = "/ip4/127.0.0.1/tcp/${mgr.port}"
[sealing]
recover_interval = "100ms"
rpc_polling_interval = "100ms"
seal_interval = "100ms"
[[sealing_thread]]
location = ${JSON.stringify(stores[0])}
[[sealing_thread]]
location = ${JSON.stringify(stores[1])}
[[attached]]
name = "ps1"
location = ${JSON.stringify(remote)}
[processors.gpu]
devices = ["0"]
# Not pinned: the worker gives it the GPU.
[[processors.pc2]]
${envs}
# Pinned the original's way.
[[processors.c2]]
${envs.replace('envs = { ', 'envs = { CUDA_VISIBLE_DEVICES = "0", ')}
`,
    )
    const config = await loadWorkerConfig(join(dir, 'venus-worker.toml'))
    expect(config.processors.external.c2?.[0]?.gpu).toBe('0')
    worker = createSealingWorker({
      config: { ...config, autoResume: false },
      proofs: mockProofs(),
      controlApi: false,
      selfCommand: [process.execPath, await bundleFixture(gpuProcessorMain, dir, 'venus-worker-gpu')],
    })
    await worker.start()
    const end = Date.now() + 60_000
    for (;;) {
      const done = (await mgr.manager.store.listSectors(false)).filter((s) => s.finalized)
      if (done.length >= 2) break
      const paused = worker.threads.find((t) => t.info().paused)
      if (paused !== undefined) throw new Error(`sealing stopped: ${paused.info().lastError}`)
      if (Date.now() > end) throw new Error('sealing did not finish in 60 s')
      await new Promise((r) => setTimeout(r, 50))
    }
    // Stopped first, so no stage is left holding the GPU when the figures are read.
    await worker.stop()
    const runs = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as StageRun)
      .sort((a, b) => a.start - b.start)
    expect(runs.filter((r) => r.stage === 'pc2').length).toBeGreaterThanOrEqual(2)
    expect(runs.filter((r) => r.stage === 'c2').length).toBeGreaterThanOrEqual(2)
    // Every child computed on the GPU it was given.
    expect(new Set(runs.map((r) => r.cuda))).toEqual(new Set(['0']))
    for (let i = 1; i < runs.length; i++) {
      const [a, b] = [runs[i - 1] as StageRun, runs[i] as StageRun]
      expect(b.start, `${b.stage} began while ${a.stage} held the GPU`).toBeGreaterThanOrEqual(a.end)
    }
    expect(worker.gpus.stats('0')).toMatchObject({ slots: 1, peak: 1, inUse: 0 })
    expect(worker.gpus.stats('0').acquired).toBeGreaterThanOrEqual(runs.length)
  }, 120_000)
})
