import {
  commitmentToCid,
  decodePreCommitSectorBatch2,
  MinerMethod,
  managerConfig,
  OnChainState,
  zeroCommitment,
} from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createFakeChain, type FakeChain } from '../fake-chain.js'
import { newSector, type SectorPreCommit } from '../sector.js'
import { openSqliteStore } from '../store/sqlite.js'
import type { ManagerStore } from '../store/types.js'
import { CommitBatcher, type CommitBatcherEvents } from './batcher.js'

const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

const config = (threshold: number) =>
  managerConfig({
    miners: [
      {
        actor: 1000,
        commitment: {
          confidence: 2,
          pre: { sender: 't01001', batch: { enabled: true, threshold } },
          prove: { sender: 't01001' },
        },
      },
      { actor: 2000 },
    ],
  })

/** A precommit of a sector sealed elsewhere: its commitments and the ticket it was sealed with. */
function preCommit(n: number, ticketEpoch: number): SectorPreCommit {
  const commR = new Uint8Array(32).fill(n)
  commR[31] = 0
  return {
    commR: commitmentToCid(commR, 'commR').toString(),
    commD: commitmentToCid(zeroCommitment(2048), 'commD').toString(),
    ticket: { value: new Uint8Array(32).fill(7), epoch: ticketEpoch },
    dealIds: [],
  }
}

async function setup(
  threshold = 3,
): Promise<{ batcher: CommitBatcher; chain: FakeChain; store: ManagerStore }> {
  const chain = createFakeChain({ miners: { 1000: 2048 } })
  const store = await openSqliteStore({ path: ':memory:' })
  const batcher = new CommitBatcher({
    store,
    chain,
    messager: chain,
    config: config(threshold),
    tickMs: 3_600_000,
  })
  closers.push(() => store.close())
  closers.push(() => batcher.stop())
  await batcher.start()
  return { batcher, chain, store }
}

function record(batcher: CommitBatcher): { [K in keyof CommitBatcherEvents]: CommitBatcherEvents[K][] } {
  const seen = { 'sector:queued': [], 'batch:sent': [], 'batch:landed': [], 'batch:failed': [] } as {
    [K in keyof CommitBatcherEvents]: CommitBatcherEvents[K][]
  }
  for (const type of Object.keys(seen) as (keyof CommitBatcherEvents)[])
    batcher.on(type, (e: unknown) => void (seen[type] as unknown[]).push(e))
  return seen
}

describe('CommitBatcher on its own (store, chain, messager)', () => {
  it('sends and announces a claimed batch once when a tick re-pushes it while the batcher is still pushing it', async () => {
    const { batcher, chain, store } = await setup(2)
    const seen = record(batcher)
    // Hold the messager's push so the tick's re-push of `created` claims runs meanwhile.
    const push = chain.pushMessageWithId.bind(chain)
    let release: () => void = () => {}
    const held = new Promise<void>((r) => {
      release = r
    })
    let pushes = 0
    chain.pushMessageWithId = async (uid, msg, spec) => {
      pushes++
      await held
      return push(uid, msg, spec)
    }
    for (const n of [21, 22]) {
      await store.createSector(newSector({ miner: 1000, number: n }, 5))
      await batcher.queuePreCommit({ miner: 1000, number: n }, preCommit(n, 990))
    }
    while ((await store.listMessages('created')).length === 0) await new Promise((r) => setTimeout(r, 5))
    const tick = batcher.tick()
    await new Promise((r) => setTimeout(r, 20))
    release()
    await tick
    await batcher.tick()
    expect(pushes).toBe(1)
    expect(chain.messages.filter((m) => m.msg.method === MinerMethod.PreCommitSectorBatch2)).toHaveLength(1)
    expect(seen['batch:sent'].map((e) => e.sectors)).toEqual([[21, 22]])
  })

  it('sends the precommits of sectors sealed elsewhere in one message at the threshold and reports it landed', async () => {
    const { batcher, chain, store } = await setup(3)
    const seen = record(batcher)
    const queue = async (n: number) => {
      await store.createSector(newSector({ miner: 1000, number: n }, 5))
      await batcher.queuePreCommit({ miner: 1000, number: n }, preCommit(n, 990))
    }
    await queue(11)
    await queue(12)
    await batcher.tick()
    expect(chain.messages).toEqual([]) // below the threshold
    const sentOnce = new Promise((r) => batcher.once('batch:sent', r))
    await queue(13)
    await sentOnce
    expect(seen['sector:queued'].map((e) => e.sector.number)).toEqual([11, 12, 13])
    expect(seen['batch:sent']).toHaveLength(1)
    expect(seen['batch:sent'][0]).toMatchObject({ kind: 'pre', miner: 1000, sectors: [11, 12, 13] })
    const sent = chain.messages.filter((m) => m.msg.method === MinerMethod.PreCommitSectorBatch2)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.msg).toMatchObject({ from: 't01001', to: 't01000' })
    expect(
      decodePreCommitSectorBatch2(sent[0]?.msg.params as Uint8Array).sectors.map((p) => p.sectorNumber),
    ).toEqual([11, 12, 13])
    expect((await batcher.preCommitState({ miner: 1000, number: 12 })).state).toBe(OnChainState.Pending)

    chain.advance(1)
    await batcher.tick()
    expect(seen['batch:landed']).toEqual([]) // on chain, not yet buried 2 epochs
    expect((await batcher.preCommitState({ miner: 1000, number: 12 })).state).toBe(OnChainState.Packed)
    chain.advance(2)
    await batcher.tick()
    expect(seen['batch:landed']).toEqual([
      { kind: 'pre', miner: 1000, uid: seen['batch:sent'][0]?.uid, sectors: [11, 12, 13] },
    ])
    expect(await batcher.preCommitState({ miner: 1000, number: 12 })).toEqual({
      state: OnChainState.Landed,
      description: null,
    })
    expect(seen['batch:failed']).toEqual([])
  })

  it('waits below the threshold until the oldest sector waited maxWait, then sends what it has', async () => {
    let now = 1_000_000
    const chain = createFakeChain({ miners: { 1000: 2048 } })
    const store = await openSqliteStore({ path: ':memory:' })
    closers.push(() => store.close())
    const cfg = config(10)
    const batcher = new CommitBatcher({
      store,
      chain,
      messager: chain,
      config: cfg,
      tickMs: false,
      now: () => now,
    })
    closers.push(() => batcher.stop())
    await batcher.start()
    await batcher.tick()
    await store.createSector(newSector({ miner: 1000, number: 1 }, 5))
    await batcher.queuePreCommit({ miner: 1000, number: 1 }, preCommit(1, 990))
    await batcher.tick()
    expect(chain.messages).toEqual([])
    // The queue's clock is the store's wall clock: move ours past it by maxWait.
    now = Date.now() + (cfg.miners[0]?.commitment.pre.batch.maxWaitMs ?? 0)
    await batcher.tick()
    expect(chain.messages.map((m) => m.msg.method)).toEqual([MinerMethod.PreCommitSectorBatch2])
  })

  it('reports a message that failed on chain as batch:failed', async () => {
    const { batcher, chain, store } = await setup(1)
    const seen = record(batcher)
    const sent = new Promise((r) => batcher.once('batch:sent', r))
    await store.createSector(newSector({ miner: 1000, number: 5 }, 5))
    await batcher.queuePreCommit({ miner: 1000, number: 5 }, preCommit(5, 990))
    await sent
    chain.allocate(1000, 5) // someone else used the number meanwhile
    chain.advance(3)
    await batcher.tick()
    expect(seen['batch:failed']).toMatchObject([{ kind: 'pre', sectors: [5], error: 'exit code 16' }])
    expect((await batcher.preCommitState({ miner: 1000, number: 5 })).state).toBe(OnChainState.Failed)
  })

  it('refuses sectors of a miner without a sender, and sectors the store has no record of', async () => {
    const { batcher, store } = await setup()
    await store.createSector(newSector({ miner: 2000, number: 1 }, 5))
    await expect(batcher.queuePreCommit({ miner: 2000, number: 1 }, preCommit(1, 990))).rejects.toMatchObject(
      {
        code: 'MINER_NOT_CONFIGURED',
      },
    )
    await expect(batcher.queuePreCommit({ miner: 1000, number: 9 }, preCommit(9, 990))).rejects.toMatchObject(
      {
        code: 'SECTOR_NOT_FOUND',
      },
    )
  })
})
