/**
 * A PoSt worker process for kill -9 tests: `node wdpost-worker-child.mjs <config.toml> <delayMs>`.
 * Mock proofs that take `delayMs` per proofs call, so a job is in flight long enough to be killed
 * in the middle. Prints one JSON line per step.
 */
import { loadWorkerConfig, mockProofs } from '@venus-cluster/core'
import { createSealingWorker } from '../worker.js'

const config = await loadWorkerConfig(process.argv[2] as string)
const proofs = mockProofs({ delays: { windowPoSt: Number(process.argv[3] ?? 0) } })
const worker = createSealingWorker({ config, proofs, controlApi: false })
worker.events.on('thread:step', (e) => {
  process.stdout.write(
    `${JSON.stringify({ index: e.thread, prev: e.prev, next: e.next, failure: e.failure })}\n`,
  )
})
await worker.start()
process.stdout.write('started\n')
