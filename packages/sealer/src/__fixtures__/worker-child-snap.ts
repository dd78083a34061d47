/**
 * A snap-up worker process for kill -9 tests: `node worker-child-snap.js <config.toml> <pieces dir>`.
 * Deal pieces are read from `<pieces dir>/<piece CID>`; prints one JSON line per step.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadWorkerConfig, mockProofs } from '@venus-cluster/core'
import { createSealingWorker } from '../worker.js'

const config = await loadWorkerConfig(process.argv[2] as string)
const pieces = process.argv[3] as string
const proofs = mockProofs({ delays: { snapEncode: 10, snapProve: 10 } })
const worker = createSealingWorker({
  config,
  proofs,
  controlApi: false,
  pieceFetcher: async (cid) => new Uint8Array(await readFile(join(pieces, cid))),
})
worker.events.on('thread:step', (e) => {
  const sector = e.sector === null ? null : `m-${e.sector.miner}-s-${e.sector.number}`
  const line = { index: e.thread, sector, prev: e.prev, next: e.next, failure: e.failure }
  process.stdout.write(`${JSON.stringify(line)}\n`)
})
await worker.start()
process.stdout.write('started\n')
