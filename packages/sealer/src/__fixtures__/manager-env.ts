/**
 * A devnet (simulated chain) plus the real sector manager serving `Venus.*` over HTTP, for
 * end-to-end worker tests. A timer mines one epoch and ticks the manager's batchers.
 */
import {
  createChainClient,
  createMessagerClient,
  type ManagerConfigInit,
  mockProofs,
  type ProofsBackend,
} from '@venus-cluster/core'
import { createRpcServer } from '@venus-cluster/core/rpc'
import { createDevnet, devnetTransport } from '@venus-cluster/devnet'
import {
  createManagerChain,
  createManagerMessager,
  createSealerApi,
  defaultMinerConfig,
  openSqliteStore,
  SectorManager,
} from '@venus-cluster/manager'
import { blockTimer } from './block-timer.js'

export interface ManagerEnv {
  url: string
  minerId: number
  manager: SectorManager
  proofs: ProofsBackend
  stop(): Promise<void>
}

export async function startManagerEnv(opts: {
  persist: string
  blockMs?: number
  seed?: string
  /** Answer AllocateSector with null after this many sectors. */
  maxSectors?: number
  /** More of the manager's config (e.g. `market`, `unseal`). */
  config?: Omit<ManagerConfigInit, 'miners' | 'persistStores'>
}): Promise<ManagerEnv> {
  const proofs = mockProofs()
  const devnet = createDevnet({ seed: opts.seed ?? 'sealer-e2e', proofs })
  await devnet.start()
  const { owner, minerId } = await devnet.createTestMiner()
  const m = defaultMinerConfig(minerId, owner)
  m.commitment.confidence = 1
  const manager = new SectorManager({
    store: await openSqliteStore({ path: ':memory:' }),
    chain: createManagerChain(createChainClient(devnetTransport(devnet))),
    messager: createManagerMessager(createMessagerClient(devnetTransport(devnet))),
    config: { ...opts.config, miners: [m], persistStores: [{ name: 'ps1', path: opts.persist }] },
    proofs,
    tickMs: 3_600_000,
  })
  await manager.start()
  const api = createSealerApi(manager)
  let allocated = 0
  const allocate = api['Venus.AllocateSector']
  if (opts.maxSectors !== undefined && allocate !== undefined) {
    const max = opts.maxSectors
    api['Venus.AllocateSector'] = async (params, ctx) => {
      if (allocated >= max) return null
      allocated++
      return allocate(params, ctx)
    }
  }
  const server = createRpcServer({ methods: api })
  const { url } = await server.listen({ host: '127.0.0.1', port: 0 })
  const blocks = blockTimer(async () => {
    await manager.tick()
    await devnet.mine(1)
  }, opts.blockMs ?? 20)
  return {
    url,
    minerId,
    manager,
    proofs,
    async stop() {
      await blocks.stop()
      await server.close()
      await manager.stop()
      await manager.store.close()
      await devnet.stop()
    },
  }
}
