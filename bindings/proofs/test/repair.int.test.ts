// Issue 19's native check: a 2KiB data sector sealed with the real proofs library loses its
// sealed file; a worker thread of plan `rebuild` re-seals it from the ticket and pieces the manager
// recorded, the manager accepts it only with the CommR "on chain", and the rebuilt replica is
// byte-identical and passes a real WindowPoSt; then only the cache is lost and rebuilt beside the
// replica; then a thread of plan `unseal` recovers a piece, which equals the deal's payload. No C2:
// the rebuild and the unseal need no SNARK, so only the WindowPoSt parameters are required.
import { createHash } from 'node:crypto'
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  commitmentToCid,
  parseWorkerConfig,
  prepareFileStore,
  prepareSealingStore,
  proverId,
  sealProofFacts,
} from '@venus-cluster/core'
import {
  checkSectorFiles,
  createFakeChain,
  defaultMinerConfig,
  startManagerNode,
} from '@venus-cluster/manager'
import { createSealingWorker } from '@venus-cluster/sealer'
import { describe, expect, it } from 'vitest'
import { sealDataSector } from '../../../packages/sealer/src/__fixtures__/data-sector.js'
import { nativeProofs } from '../src/index.js'
import { nativeTestsReady } from './native-ready.js'

const MINUTES = 60_000
const { ready, why } = nativeTestsReady(2048, ['window-post'])
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

describe.skipIf(!ready)(`native rebuild and unseal 2KiB${ready ? '' : ` (skipped: ${why})`}`, () => {
  it(
    'rebuilds a lost sealed file byte-identical with the CommR on chain and a passing WindowPoSt, rebuilds a lost cache, and unseals a piece equal to its payload',
    async () => {
      const proofs = nativeProofs()
      const dir = await mkdtemp(join(tmpdir(), 'venus-native-repair-'))
      const times: Record<string, number> = {}
      try {
        const ps = join(dir, 'ps1')
        const pieces = join(dir, 'pieces')
        await prepareFileStore(ps)
        await mkdir(pieces)
        const stores = [join(dir, 'rebuild'), join(dir, 'unseal')]
        for (const s of stores) await prepareSealingStore(s)
        const chain = createFakeChain({ miners: { 1000: 2048 } })
        // "On chain": the CommR the sector was sealed with (the fake chain never saw a prove-commit).
        let onChainCommR = ''
        chain.sectorInfo = async (_m, n) =>
          n === 3
            ? {
                sectorNumber: 3,
                sealProof: 5,
                sealedCid: onChainCommR,
                activation: 1,
                expiration: 1_000_000,
                initialPledge: 0n,
              }
            : null
        const node = await startManagerNode({
          home: dir,
          listen: '127.0.0.1:0',
          config: {
            miners: [defaultMinerConfig(1000, 't01001')],
            persistStores: [{ name: 'ps1', path: ps }],
            pieceStores: [{ name: 'market', path: pieces }],
          },
          chain,
          messager: chain,
          tickMs: 3_600_000,
          auth: 'off',
        })
        const worker = createSealingWorker({
          config: parseWorkerConfig(
            `[worker]\nname = "repair"\n[sector_manager.rpc_client]\naddr = "/ip4/127.0.0.1/tcp/${node.port}/http"\n[sealing]\nenable_deals = true\nseal_interval = "100ms"\nrecover_interval = "100ms"\n[[sealing_thread]]\nlocation = "${stores[0]}"\nplan = "rebuild"\n[[sealing_thread]]\nlocation = "${stores[1]}"\nplan = "unseal"\n[[attached]]\nname = "ps1"\nlocation = "${ps}"\n`,
            'repair.toml',
          ),
          proofs,
          controlApi: false,
        })
        const m = node.manager
        const waitDone = async (kind: 'rebuild' | 'unseal', piece = '') => {
          const start = performance.now()
          for (;;) {
            const t = await m.repair.get(kind, { miner: 1000, number: 3 }, piece)
            if (t?.state === 'done') return performance.now() - start
            if (t?.state === 'failed') throw new Error(`${kind} failed: ${t.error}`)
            await new Promise((r) => setTimeout(r, 200))
          }
        }
        try {
          let t0 = performance.now()
          const data = await sealDataSector({
            proofs,
            store: m.store,
            persist: ps,
            scratch: join(dir, 'scratch'),
            miner: 1000,
            number: 3,
          })
          times.seal = performance.now() - t0
          onChainCommR = commitmentToCid(data.commR, 'commR').toString()
          // The market still has the deals' pieces: the rebuild fetches them through the manager.
          for (const [i, cid] of data.cids.entries())
            writeFileSync(join(pieces, cid), data.payloads[i] as Buffer)
          const id = data.id
          const name = 's-t01000-3'
          const sealed = join(ps, 'sealed', name)
          const original = sha(sealed)
          const windowPoSt = async () => {
            const facts = sealProofFacts(5)
            const randomness = new Uint8Array(32).fill(7)
            randomness[31] = 7
            const replica = {
              postProofType: facts.windowPoStProof,
              sectorNumber: 3,
              commR: data.commR,
              cacheDir: join(ps, 'cache', name),
              sealedPath: sealed,
            }
            const post = await proofs.generateWindowPoSt({
              randomness,
              proverId: proverId(1000),
              replicas: [replica],
            })
            expect(post.faultySectors).toEqual([])
            return proofs.verifyWindowPoSt({
              randomness,
              proverId: proverId(1000),
              proofs: post.proofs,
              replicas: [{ sectorNumber: 3, commR: data.commR }],
            })
          }
          await worker.start()

          // The sealed file is lost: a full rebuild.
          rmSync(sealed)
          expect((await m.repair.requestRebuild(id)).task.detail).toEqual({
            cacheOnly: false,
            sealedInstance: null,
          })
          times.rebuild = await waitDone('rebuild')
          expect(sha(sealed)).toBe(original)
          expect(await checkSectorFiles(ps, id, 2048)).toBeNull()
          t0 = performance.now()
          expect(await windowPoSt()).toBe(true)
          times.windowPoSt = performance.now() - t0

          // The cache is lost, the replica survives: only the cache comes back, beside it.
          rmSync(join(ps, 'cache', name), { recursive: true })
          const replicaWritten = statSync(sealed).mtimeMs
          expect((await m.repair.requestRebuild(id)).task.detail).toEqual({
            cacheOnly: true,
            sealedInstance: 'ps1',
          })
          times.rebuildCache = await waitDone('rebuild')
          expect(statSync(sealed).mtimeMs).toBe(replicaWritten)
          expect(await windowPoSt()).toBe(true)

          // A piece unsealed from the replica equals the deal's payload, and the piece store serves it.
          rmSync(join(pieces, data.cids[1] as string))
          await m.repair.requestUnseal(id, data.cids[1] as string)
          times.unseal = await waitDone('unseal', data.cids[1] as string)
          const copy = readFileSync(join(ps, 'piece', data.cids[1] as string))
          expect(Buffer.from(copy).equals(data.payloads[1] as Buffer)).toBe(true)
          const served = await fetch(`http://127.0.0.1:${node.port}/piecestore/${data.cids[1]}`)
          expect(served.status).toBe(200)
          expect(Buffer.from(await served.arrayBuffer()).equals(data.payloads[1] as Buffer)).toBe(true)
          console.log(
            `[native-repair] ${JSON.stringify(Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(v)])))}`,
          )
        } finally {
          await worker.stop()
          await node.stop()
        }
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
    20 * MINUTES,
  )
})
