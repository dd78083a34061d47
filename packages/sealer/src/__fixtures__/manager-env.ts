/**
 * A devnet (simulated chain) plus the real sector manager serving `Venus.*` over HTTP, for
 * end-to-end worker tests. A timer mines one epoch and ticks the manager's batchers.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { createRpcServer, mockProofs, type ProofsBackend } from '@venus-cluster/core'
import { createDevnet, encodeParams, lotusMethods, messagerMethods } from '@venus-cluster/devnet'
import {
  createLotusChain,
  createLotusMessager,
  createSealerApi,
  defaultMinerConfig,
  openSqliteStore,
  SectorManager,
} from '@venus-cluster/manager'

const FIL = 10n ** 18n

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
}): Promise<ManagerEnv> {
  const proofs = mockProofs()
  const devnet = createDevnet({ seed: opts.seed ?? 'sealer-e2e', proofs })
  await devnet.start()
  const methods = { ...lotusMethods(devnet), ...messagerMethods(devnet) }
  const rpc = async (method: string, params: unknown[]) => {
    const fn = methods[method] as ((p: unknown[], c: object) => unknown) | undefined
    if (!fn) throw new Error(`devnet has no ${method}`)
    return fn(params, { permissions: ['read', 'write', 'sign', 'admin'] })
  }
  const owner = devnet.newAccount('bls')
  await devnet.faucet(owner, 1000n * FIL)
  await devnet.mine(2)
  const stored = await devnet.pushMessage({
    To: 't04',
    From: owner,
    Value: devnet.params.minerCreationDeposit.toString(),
    Method: 2,
    Params: Buffer.from(
      encodeParams.createMiner({
        owner,
        worker: owner,
        windowPoStProofType: 10,
        peer: new Uint8Array(),
        multiaddrs: [],
      }),
    ).toString('base64'),
  })
  await devnet.mine(2)
  const r = devnet.searchMessage(stored.cid)
  if (r?.receipt.exitCode !== 0 || !r.receipt.return)
    throw new Error(`CreateMiner failed: ${r?.receipt.error}`)
  const [idBytes] = dagCbor.decode(r.receipt.return) as Uint8Array[]
  let minerId = 0
  let mul = 1
  for (const b of (idBytes as Uint8Array).subarray(1)) {
    minerId += (b & 0x7f) * mul
    mul *= 128
  }
  const m = defaultMinerConfig(minerId, owner)
  m.commitment.confidence = 1
  const manager = new SectorManager({
    store: await openSqliteStore({ path: ':memory:' }),
    chain: createLotusChain(rpc),
    messager: createLotusMessager(rpc),
    config: { miners: [m], persistStores: [{ name: 'ps1', path: opts.persist }] },
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
  let busy = false
  const timer = setInterval(async () => {
    if (busy) return
    busy = true
    try {
      await manager.tick()
      await devnet.mine(1)
    } catch {
      // a failed tick is retried on the next one
    } finally {
      busy = false
    }
  }, opts.blockMs ?? 20)
  return {
    url,
    minerId,
    manager,
    proofs,
    async stop() {
      clearInterval(timer)
      while (busy) await new Promise((r) => setTimeout(r, 5))
      await server.close()
      await manager.stop()
      await manager.store.close()
      await devnet.stop()
    },
  }
}
