/**
 * Embedding venus-cluster: a devnet chain, the sector manager and one sealing worker in a single
 * process with mock proofs. The worker seals one 2 KiB sector; the program returns once the
 * chain holds it as an active sector.
 *
 * Run it: `npm run build && npx tsx examples/embed-sdk/index.ts`
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  createChainClient,
  createMessagerClient,
  mockProofs,
  prepareFileStore,
  prepareSealingStore,
  workerConfig,
} from '@venus-cluster/core'
import { createDevnet, devnetTransport } from '@venus-cluster/devnet'
import {
  createManagerChain,
  createManagerMessager,
  defaultMinerConfig,
  startManagerNode,
} from '@venus-cluster/manager'
import { createSealingWorker } from '@venus-cluster/sealer'

/** What the example sealed. */
export interface SealedSector {
  miner: string
  sectorNumber: number
  /** Epoch the sector became active. */
  activation: number
}

/** Seals one sector end to end and returns it once it is active on chain. */
export async function sealOneSector(): Promise<SealedSector> {
  const dir = await mkdtemp(join(tmpdir(), 'venus-embed-'))
  try {
    return await sealIn(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function sealIn(dir: string): Promise<SealedSector> {
  const proofs = mockProofs()

  // 1. A chain: the devnet, with a short seed wait, and a funded miner.
  const devnet = createDevnet({ seed: 'embed-sdk-example', proofs, params: { preCommitChallengeDelay: 5 } })
  await devnet.start()
  const miner = await devnet.createTestMiner()
  const blocks = setInterval(() => void devnet.mine(1), 100)

  // 2. The sector manager, talking to the devnet in process (core's chain and messager clients
  //    over the devnet's transport, as they would over HTTP to Lotus and venus-messager),
  //    serving workers on a free port.
  const transport = devnetTransport(devnet)
  const chain = createChainClient(transport)
  const minerConfig = defaultMinerConfig(miner.minerId, miner.owner)
  minerConfig.sector.maxNumber = 1 // seal one sector, then hand out no more
  minerConfig.commitment.confidence = 1
  const persist = join(dir, 'persist')
  await prepareFileStore(persist)
  const manager = await startManagerNode({
    home: join(dir, 'manager'),
    listen: '127.0.0.1:0',
    config: { miners: [minerConfig], persistStores: [{ name: 'ps1', path: persist }] },
    chain: createManagerChain(chain),
    messager: createManagerMessager(createMessagerClient(transport)),
    proofs,
    tickMs: 50,
  })

  // 3. A worker with one sealing thread, configured in code (the same object a
  //    `venus-worker.toml` is read onto; what is left out takes its documented default).
  const store = join(dir, 'store1')
  await prepareSealingStore(store)
  const config = workerConfig({
    sectorManager: { url: manager.url },
    sealing: { sealIntervalMs: 20, rpcPollingIntervalMs: 50 },
    sealingThreads: [{ location: store }],
    attached: [{ name: 'ps1', location: persist }],
  })
  const worker = createSealingWorker({
    config,
    proofs,
    controlApi: false,
    managerToken: await manager.auth?.issue('sign'),
  })
  const sealed = new Promise<void>((resolve) => {
    worker.events.on('sector:state', (e) => e.next === 'Finished' && resolve())
  })

  try {
    await worker.start()
    await sealed
    // 4. The chain's view: the sector is active.
    const info = await chain.stateSectorGetInfo(miner.miner, 1)
    if (info === null) throw new Error('sector 1 is not on chain')
    return { miner: miner.miner, sectorNumber: 1, activation: info.Activation }
  } finally {
    await worker.stop()
    await manager.stop()
    clearInterval(blocks)
    await devnet.stop()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const s = await sealOneSector()
  console.log(`sector ${s.sectorNumber} of miner ${s.miner} is active since epoch ${s.activation}`)
}
