/**
 * A stand-in for the original manager's `mock` mode: the real sector manager on the in-memory
 * fake chain (any miner id, short seed delay), serving `Venus.*` on loopback. Its polling methods
 * answer once there is news (up to a few seconds) instead of "pending", so a worker config with
 * the original's polling intervals of minutes still seals in seconds.
 */
import { mockProofs } from '@venus-cluster/core'
import { createRpcServer } from '@venus-cluster/core/rpc'
import {
  createFakeChain,
  createSealerApi,
  defaultMinerConfig,
  openSqliteStore,
  SectorManager,
} from '@venus-cluster/manager'
import { blockTimer } from './block-timer.js'

export interface MockManagerEnv {
  url: string
  /** The port, for rewriting a config's manager address. */
  port: number
  manager: SectorManager
  stop(): Promise<void>
}

const PENDING = new Set([1, 2])

export async function startMockManagerEnv(opts: {
  actor: number
  sectorSize: number
  persistStores: { name: string; path: string }[]
  blockMs?: number
}): Promise<MockManagerEnv> {
  const chain = createFakeChain({
    miners: { [opts.actor]: opts.sectorSize },
    params: { preCommitChallengeDelay: 2, interactivePoRepConfidence: 1 },
  })
  const miner = defaultMinerConfig(opts.actor, `t0${opts.actor}`)
  miner.commitment.confidence = 1
  const manager = new SectorManager({
    store: await openSqliteStore({ path: ':memory:' }),
    chain,
    messager: chain,
    config: { miners: [miner], persistStores: opts.persistStores },
    proofs: mockProofs(),
    tickMs: 3_600_000,
  })
  await manager.start()
  const api = createSealerApi(manager)
  const longPoll = (name: string, done: (r: unknown) => boolean) => {
    const inner = api[name]
    if (inner === undefined) throw new Error(`the manager has no ${name}`)
    api[name] = async (params, ctx) => {
      const end = Date.now() + 5_000
      for (;;) {
        const r = await inner(params, ctx)
        if (done(r) || Date.now() > end) return r
        await new Promise((res) => setTimeout(res, 20))
      }
    }
  }
  longPoll('Venus.PollPreCommitState', (r) => !PENDING.has((r as { State: number }).State))
  longPoll('Venus.PollProofState', (r) => !PENDING.has((r as { State: number }).State))
  longPoll('Venus.WaitSeed', (r) => (r as { Seed: unknown }).Seed !== null)
  const server = createRpcServer({ methods: api })
  const { url, port } = await server.listen({ host: '127.0.0.1', port: 0 })
  const blocks = blockTimer(async () => {
    chain.advance(1)
    await manager.tick()
  }, opts.blockMs ?? 20)
  return {
    url,
    port,
    manager,
    async stop() {
      await blocks.stop()
      await server.close()
      await manager.stop()
      await manager.store.close()
    },
  }
}
