/**
 * A custom miner tool built on the commit batcher alone: sectors sealed somewhere else (here,
 * with the mock proofs in a scratch directory) have their precommits batched into one
 * `PreCommitSectorBatch2` message, sent through the messager and checked on the chain — both
 * reached over HTTP, as a devnet serves them. No sector manager daemon, no worker.
 *
 * Run it: `npm run build && npx tsx examples/commit-batcher/index.ts`
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  commitmentToCid,
  createChainClient,
  createMessagerClient,
  DomainSeparationTag,
  httpTransport,
  managerConfig,
  mockProofs,
  proverId,
  RegisteredSealProof,
  randomnessEntropy,
} from '@venus-cluster/core'
import { createDevnet, serveDevnet } from '@venus-cluster/devnet'
import {
  CommitBatcher,
  type CommitBatcherEvents,
  createManagerChain,
  createManagerMessager,
  newSector,
} from '@venus-cluster/manager'
import { openSqliteStore } from '@venus-cluster/manager/sqlite'

/** What the tool did. */
export interface BatchedPreCommits {
  miner: string
  /** The sector numbers precommitted. */
  sectors: number[]
  /** Precommit messages sent (one batch). */
  messages: number
  /** The batch message's uid at the messager, and the method it called on the miner. */
  uid: string
  method: number
  /** The epoch each sector's precommit took effect on chain (one message: one epoch). */
  preCommitEpochs: number[]
}

/** A sector sealed elsewhere: its number, its commitments and the ticket it was sealed with. */
interface SealedSector {
  number: number
  commR: Uint8Array
  commD: Uint8Array
  ticket: { value: Uint8Array; epoch: number }
}

const SEAL_PROOF_2KIB = RegisteredSealProof.StackedDrg2KiBV1_1

/** Batches the precommits of `count` sectors sealed elsewhere and returns once they are on chain. */
export async function batchPreCommits(count = 4): Promise<BatchedPreCommits> {
  const dir = await mkdtemp(join(tmpdir(), 'venus-batcher-'))
  try {
    return await batchIn(dir, count)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function batchIn(dir: string, count: number): Promise<BatchedPreCommits> {
  const proofs = mockProofs()
  // 1. A chain node and a messager over HTTP: the devnet, producing a block every 100 ms.
  const devnet = createDevnet({ seed: 'commit-batcher-example', proofs })
  await devnet.start()
  const miner = await devnet.createTestMiner()
  const served = await serveDevnet(devnet)
  const blocks = setInterval(() => void devnet.mine(1), 100)
  const nodeApi = httpTransport(served.httpUrl, { token: served.adminToken })
  const messagerApi = httpTransport(served.httpUrl.replace('/rpc/v1', '/rpc/v0'), {
    token: served.adminToken,
  })
  const chain = createChainClient(nodeApi)
  const messager = createMessagerClient(messagerApi)
  const store = await openSqliteStore({ path: join(dir, 'batcher.db') })
  // 2. The batcher over core's clients (the manager's views of them): the miner's owner sends;
  //    a batch goes out once `count` sectors wait.
  const batcher = new CommitBatcher({
    store,
    chain: createManagerChain(chain),
    messager: createManagerMessager(messager),
    config: managerConfig({
      miners: [
        {
          actor: miner.minerId,
          commitment: {
            confidence: 1,
            pre: { sender: miner.owner, batch: { enabled: true, threshold: count } },
          },
        },
      ],
    }),
    tickMs: 100,
  })
  let sent = 0
  batcher.on('batch:sent', () => sent++)
  const landed = new Promise<CommitBatcherEvents['batch:landed']>((resolve, reject) => {
    batcher.once('batch:landed', resolve)
    batcher.once('batch:failed', (b) => reject(new Error(`the precommit batch ${b.uid} failed: ${b.error}`)))
  })
  try {
    await batcher.start()
    // 3. Sectors sealed elsewhere: a ticket from the chain, then PC1 and PC2 of a CC sector.
    const sealed: SealedSector[] = []
    for (let number = 1; number <= count; number++) sealed.push(await sealElsewhere(dir, miner, number))
    // 4. Hand them to the batcher: a record each (numbered by the sealer), then the precommit.
    for (const s of sealed) {
      const id = { miner: miner.minerId, number: s.number }
      await store.createSector(newSector(id, SEAL_PROOF_2KIB))
      await batcher.queuePreCommit(id, {
        commR: commitmentToCid(s.commR, 'commR').toString(),
        commD: commitmentToCid(s.commD, 'commD').toString(),
        ticket: s.ticket,
        dealIds: [],
      })
    }
    const batch = await within(landed, 60_000, 'the precommit batch did not land within 60 s')
    // 5. The chain's view: every sector precommitted, by that one message.
    const msg = await messager.getMessageByUid(batch.uid)
    const preCommitEpochs: number[] = []
    for (const s of sealed) {
      const info = await chain.stateSectorPreCommitInfo(miner.miner, s.number)
      if (info === null) throw new Error(`sector ${s.number} has no precommit on chain`)
      preCommitEpochs.push(info.PreCommitEpoch)
    }
    return {
      miner: miner.miner,
      sectors: batch.sectors,
      messages: sent,
      uid: batch.uid,
      method: msg.Method,
      preCommitEpochs,
    }
  } finally {
    await batcher.stop()
    await store.close()
    clearInterval(blocks)
    await nodeApi.close?.()
    await messagerApi.close?.()
    await served.close()
    await devnet.stop()
  }

  /** What another sealer did: a ticket drawn from the chain, and a CC sector sealed with it. */
  async function sealElsewhere(root: string, m: { miner: string; minerId: number }, number: number) {
    const head = await chain.chainHead()
    const epoch = Math.max(0, head.Height - 1)
    const value = await chain.stateGetRandomnessFromTickets(
      DomainSeparationTag.SealRandomness,
      epoch,
      randomnessEntropy(m.miner),
    )
    const paths = {
      stagedPath: join(root, `staged-${number}`),
      cacheDir: join(root, `cache-${number}`),
      sealedPath: join(root, `sealed-${number}`),
    }
    const added = await proofs.addPiece({
      proofType: SEAL_PROOF_2KIB,
      source: new Uint8Array(2032),
      unpaddedSize: 2032,
      stagedPath: paths.stagedPath,
      existingPieceSizes: [],
    })
    const pc1 = await proofs.sealPreCommitPhase1({
      proofType: SEAL_PROOF_2KIB,
      ...paths,
      proverId: proverId(m.minerId),
      sectorNumber: number,
      ticket: value,
      pieces: [added.piece],
    })
    const { commR, commD } = await proofs.sealPreCommitPhase2({ phase1Output: pc1, ...paths })
    return { number, commR, commD, ticket: { value, epoch } }
  }
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms)
  })
  try {
    return await Promise.race([p, late])
  } finally {
    clearTimeout(timer)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await batchPreCommits()
  console.log(
    `${r.sectors.length} precommits of ${r.miner} (sectors ${r.sectors.join(', ')}) landed in ${r.messages} message ${r.uid} at epoch ${r.preCommitEpochs[0]}`,
  )
}
