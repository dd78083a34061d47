/**
 * A worker process for the repair kill -9 tests: `repair-child.mjs <config.toml> <delayMs>`.
 * Mock proofs whose stages take `delayMs` each, so a kill lands inside a step; prints one JSON
 * line per step (as worker-child.ts does).
 */
import { loadWorkerConfig, mockProofs } from '@venus-cluster/core'
import { createSealingWorker } from '../worker.js'

const config = await loadWorkerConfig(process.argv[2] as string)
const ms = Number(process.argv[3] ?? 0)
const proofs = mockProofs({ delays: { addPiece: ms, pieceCommitment: ms, pc1: ms, pc2: ms, unseal: ms } })
const worker = createSealingWorker({ config, proofs, controlApi: false })
worker.events.on('thread:step', (e) => {
  const sector = e.sector === null ? null : `m-${e.sector.miner}-s-${e.sector.number}`
  const line = { index: e.thread, plan: e.plan, sector, prev: e.prev, next: e.next, failure: e.failure }
  process.stdout.write(`${JSON.stringify(line)}\n`)
})
await worker.start()
process.stdout.write('started\n')
