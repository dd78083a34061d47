/**
 * A worker process for kill -9 tests: `node --import tsx worker-child.ts <config.toml>`.
 * Prints one JSON line per step so the parent can time its kills.
 */
import { loadWorkerConfig, mockProofs } from '@venus-cluster/core'
import { createSealingWorker } from '../worker.js'

const config = await loadWorkerConfig(process.argv[2] as string)
const proofs = mockProofs({ delays: { pc1: 10, pc2: 10, c2: 10 } })
const worker = createSealingWorker({ config, proofs, controlApi: false })
worker.events.on('thread:step', (e) => {
  const sector = e.sector === null ? null : `m-${e.sector.miner}-s-${e.sector.number}`
  const line = { index: e.thread, sector, prev: e.prev, next: e.next, failure: e.failure }
  process.stdout.write(`${JSON.stringify(line)}\n`)
})
await worker.start()
process.stdout.write('started\n')
