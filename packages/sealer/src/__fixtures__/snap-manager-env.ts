/**
 * A devnet miner with proven CC sectors in a persist store, deal pieces published in a memory
 * market (their bytes in `<pieces>/<piece CID>`), and the real sector manager serving `Venus.*`
 * over HTTP on loopback, its chain advanced every 20 ms: what a snap-up worker test runs against.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { commitmentToCid, createChainClient, createMessagerClient, mockProofs } from '@venus-cluster/core'
import { createRpcServer } from '@venus-cluster/core/rpc'
import { createDevnet, devnetTransport } from '@venus-cluster/devnet'
import { injectSectors, sealTestSectors } from '@venus-cluster/devnet/testing'
import {
  createManagerChain,
  createManagerMessager,
  createMemoryMarket,
  createSealerApi,
  defaultMinerConfig,
  openSqliteStore,
  SectorManager,
} from '@venus-cluster/manager'
import { blockTimer } from './block-timer.js'

export interface SnapManagerOptions {
  seed: string
  sectors: number
  /** The persist store (`ps1`) the CC sectors are sealed into. */
  persist: string
  /** Where the deal pieces' bytes are written. */
  pieces: string
  /** Sectors per `ProveReplicaUpdates3` and the longest wait for a batch. */
  batch: { threshold: number; maxWaitMs: number }
}

export async function startSnapManagerEnv(o: SnapManagerOptions) {
  const proofs = mockProofs()
  const devnet = createDevnet({ seed: o.seed, proofs })
  await devnet.start()
  const { owner, minerId } = await devnet.createTestMiner()
  const numbers = Array.from({ length: o.sectors }, (_, i) => i + 1)
  injectSectors(devnet, `t0${minerId}`, await sealTestSectors(proofs, o.persist, minerId, numbers))
  await devnet.mine(1)
  const m = defaultMinerConfig(minerId, owner)
  m.commitment.confidence = 1
  m.deal.enabled = true
  const market = createMemoryMarket()
  mkdirSync(o.pieces, { recursive: true })
  for (const n of numbers) {
    const raw = new Uint8Array(1016).fill(60 + n)
    const { piece } = await proofs.addPiece({
      proofType: 5,
      source: raw,
      unpaddedSize: 1016,
      stagedPath: join(o.pieces, `probe-${n}`),
      existingPieceSizes: [],
    })
    const cid = commitmentToCid(piece.commP, 'commP').toString()
    writeFileSync(join(o.pieces, cid), raw)
    market.publish(minerId, { id: n, pieceCid: cid, pieceSize: piece.paddedSize, payloadSize: 1016 })
  }
  const manager = new SectorManager({
    store: await openSqliteStore({ path: ':memory:' }),
    chain: createManagerChain(createChainClient(devnetTransport(devnet))),
    messager: createManagerMessager(createMessagerClient(devnetTransport(devnet))),
    config: { miners: [m], persistStores: [{ name: 'ps1', path: o.persist }] },
    proofs,
    market,
    tickMs: 3_600_000,
    snapUpPolicy: () => ({
      batch: { enabled: true, ...o.batch },
      minLifetimeEpochs: 100,
      finalityEpochs: 3,
    }),
  })
  for (const n of numbers)
    await manager.store.setLocation({ miner: minerId, number: n }, 'normal', { sealed: 'ps1', cache: 'ps1' })
  await manager.start()
  const server = createRpcServer({ methods: createSealerApi(manager) })
  const { url } = await server.listen({ host: '127.0.0.1', port: 0 })
  const blocks = blockTimer(async () => {
    await manager.tick()
    await manager.snapup.fetchCandidates(minerId)
    await devnet.mine(1)
  }, 20)
  return {
    url,
    minerId,
    manager,
    devnet,
    async stop() {
      await blocks.stop()
      await server.close()
      await manager.stop()
      await manager.store.close()
      await devnet.stop()
    },
  }
}
