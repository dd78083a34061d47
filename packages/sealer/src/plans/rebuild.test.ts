import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { mockProofs, parseWorkerConfig, zeroCommitment } from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type WorkerEnv, workerEnv } from '../__fixtures__/env.js'
import { until } from '../__fixtures__/until.js'
import type { RebuildTask } from '../repair-wire.js'
import type { SealerClient } from '../sealer-client.js'
import { createSealingWorker, type SealingWorker } from '../worker.js'

let env: WorkerEnv | undefined
let worker: SealingWorker | undefined
afterEach(async () => {
  await worker?.stop()
  env?.cleanup()
})

/** A manager that hands out one rebuild task and records what the worker tells it. */
function manager(task: RebuildTask) {
  const seen = { failed: [] as string[], submitted: [] as string[] }
  let given = false
  const none = async () => {
    throw new Error('not expected')
  }
  const client = {
    allocateSector: none,
    acquireDeals: none,
    assignTicket: none,
    submitPreCommit: none,
    pollPreCommitState: none,
    submitPersisted: none,
    waitSeed: none,
    submitProof: none,
    pollProofState: none,
    reportState: async () => {},
    reportFinalized: none,
    reportAborted: none,
    allocateRebuildSector: async () => {
      if (given) return null
      given = true
      return task
    },
    submitRebuilt: async (_id, _commR, instance) => {
      seen.submitted.push(instance)
      return { result: 1, desc: null }
    },
    reportRebuildFailed: async (_id, reason) => {
      seen.failed.push(reason)
    },
  } satisfies SealerClient
  return { client, seen }
}

async function run(task: RebuildTask) {
  env = await workerEnv({ threads: 1 })
  const text = env.configText.replace(
    `location = "${env.stores[0]}"\n`,
    `location = "${env.stores[0]}"\nplan = "rebuild"\n`,
  )
  const m = manager(task)
  worker = createSealingWorker({
    config: parseWorkerConfig(text, 'rebuild.toml'),
    proofs: mockProofs(),
    sealer: m.client,
    controlApi: false,
  })
  await worker.start()
  await until(() => m.seen.failed.length + m.seen.submitted.length > 0)
  return m.seen
}

const task = (over: Partial<RebuildTask>): RebuildTask => ({
  id: { miner: 1000, number: 3 },
  proofType: 5,
  ticket: { value: new Uint8Array(32).fill(3), epoch: 9 },
  deals: null,
  commR: new Uint8Array(32).fill(1),
  commD: zeroCommitment(2048),
  cacheOnly: false,
  sealedInstance: null,
  ...over,
})

describe('rebuild plan', () => {
  it('gives the task up, persisting nothing, when the rebuilt CommR is not the one on chain', async () => {
    const seen = await run(task({}))
    expect(seen.submitted).toEqual([])
    expect(seen.failed[0]).toMatch(/the rebuilt CommR .* is not the one on chain .*: nothing is persisted/)
    const persist = (env as WorkerEnv).persist
    expect(existsSync(join(persist, 'sealed')) ? readdirSync(join(persist, 'sealed')) : []).toEqual([])
  })

  it('gives the task up before PC1 when the pieces do not give the recorded CommD', async () => {
    const seen = await run(task({ commD: new Uint8Array(32).fill(2) }))
    expect(seen.failed[0]).toMatch(/pieces do not give the CommD the sector was sealed with/)
  })

  it('persists and submits the sector when the CommR is the one on chain', async () => {
    // The CommR these inputs give, as the first run reports it.
    const first = await run(task({}))
    const got = first.failed[0]?.match(/the rebuilt CommR (\S+) is not/)?.[1] as string
    await worker?.stop()
    env?.cleanup()
    const seen = await run(task({ commR: new Uint8Array(Buffer.from(got, 'base64')) }))
    expect(seen).toEqual({ failed: [], submitted: ['ps1'] })
    const persist = (env as WorkerEnv).persist
    expect(readdirSync(join(persist, 'sealed'))).toEqual(['s-t01000-3'])
    expect(readdirSync(join(persist, 'cache', 's-t01000-3')).sort()).toEqual([
      'p_aux',
      'sc-02-data-tree-r-last.dat',
      't_aux',
    ])
  })
})
