import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  cborDecode,
  cidToCommitment,
  commD,
  commitmentToCid,
  commPSync,
  decodePreCommitSectorBatch2,
  decodeProveCommitSectors3,
  fr32Pad,
  MinerMethod,
  mockProofs,
  type WireDeal,
} from '@venus-cluster/core'
import { createDevnet } from '@venus-cluster/devnet'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createDevnetMiner,
  devnetManagerViews,
  devnetRpc,
  mockPiecePipeline,
} from '../__fixtures__/devnet-env.js'
import { allocate, type Call, type DrivenSector, stepSector } from '../__fixtures__/worker-driver.js'
import { createSealerApi, piecesToWire } from '../api/index.js'
import { defaultMinerConfig } from '../config.js'
import { SectorManager } from '../manager.js'
import { createPieceStoreHandler } from '../piece-store.js'
import { openSqliteStore } from '../store/sqlite.js'
import { createMemoryMarket, fillerPiece } from './market.js'

const dir = mkdtempSync(join(tmpdir(), 'vsm-deals-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('deal sectors on the devnet', () => {
  it('fills a deal sector with market deals plus zero fillers, serves the pieces and activates them on chain', async () => {
    const proofs = mockProofs()
    const devnet = createDevnet({ seed: 'manager-deals', proofs })
    await devnet.start()
    const rpc = devnetRpc(devnet)
    const { owner, minerId } = await createDevnetMiner(devnet)
    const client = devnet.newAccount('secp256k1')
    await devnet.faucet(client, 10n ** 18n)
    await devnet.mine(1)

    // Two deals: 508 and 254 payload bytes → pieces of 512 and 256 padded bytes.
    const pieceDir = join(dir, 'pieces')
    mkdirSync(pieceDir, { recursive: true })
    const market = createMemoryMarket()
    const payloads = new Map<string, Uint8Array>()
    for (const size of [254, 508]) {
      const data = new Uint8Array(randomBytes(size))
      const p = commPSync(data)
      const pieceCid = commitmentToCid(p.commP, 'commP').toString()
      writeFileSync(join(pieceDir, pieceCid), data)
      payloads.set(pieceCid, data)
      const id = devnet.publishTestDeal({
        pieceCid,
        pieceSize: p.paddedSize,
        client,
        provider: `t0${minerId}`,
      })
      market.publish(minerId, { id, pieceCid, pieceSize: p.paddedSize, payloadSize: size })
    }
    const handler = createPieceStoreHandler({ dirs: [pieceDir] })
    const server = createServer((req, res) => {
      if (!handler(req, res)) res.writeHead(404).end()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

    const m = defaultMinerConfig(minerId, owner)
    m.commitment.confidence = 2
    m.deal = { enabled: true }
    const persist = join(dir, 'persist')
    const { chain, messager } = devnetManagerViews(devnet)
    const mgr = new SectorManager({
      store: await openSqliteStore({ path: ':memory:' }),
      chain,
      messager,
      config: { miners: [m], persistStores: [{ name: 'ps1', path: persist }] },
      proofs,
      market,
      tickMs: 3_600_000,
    })
    await mgr.start()
    const api = createSealerApi(mgr)
    const call: Call = async (method, params) => (api[method] as (p: unknown[]) => unknown)(params)

    const dealSector = (await allocate(call, [minerId])) as DrivenSector
    const ccSector = (await allocate(call, [minerId])) as DrivenSector
    const pieces = (await call('Venus.AcquireDeals', [dealSector.id, { MaxDeals: null }])) as WireDeal[]
    expect(pieces.map((p) => [p.ID === 0 ? 0 : 'deal', p.Piece.Size])).toEqual([
      ['deal', 512],
      ['deal', 256],
      [0, 256],
      [0, 1024],
    ])
    expect(pieces[2]).toEqual(piecesToWire([fillerPiece(256)])?.[0])
    // A retry gets the same pieces; the market has nothing left for the next sector.
    expect(await call('Venus.AcquireDeals', [dealSector.id, { MaxDeals: null }])).toEqual(pieces)
    expect(await call('Venus.AcquireDeals', [ccSector.id, { MaxDeals: 4 }])).toBeNull()
    expect(market.pending(minerId)).toEqual([])

    // The worker side: fetch each deal piece through the proxy, check it against its CommP.
    for (const p of pieces.filter((x) => x.ID !== 0)) {
      const res = await fetch(`${base}/piecestore/${p.Piece.Cid['/']}`)
      expect(res.status).toBe(200)
      const body = new Uint8Array(await res.arrayBuffer())
      expect(body.length).toBe(p.PayloadSize)
      const padded = new Uint8Array((p.Piece.Size / 128) * 127)
      padded.set(body)
      expect(commitmentToCid(commPSync(padded).commP, 'commP').toString()).toBe(p.Piece.Cid['/'])
    }
    dealSector.deals = pieces.filter((p) => p.ID !== 0).map((p) => p.ID)
    const commPs = pieces.map((p) => ({
      commP: cidToCommitment(p.Piece.Cid['/']).commitment,
      paddedSize: p.Piece.Size,
    }))
    // The staged sector: each piece's payload, zero-padded to its unpadded size, FR32-padded.
    const staged = new Uint8Array(2048)
    let offset = 0
    for (const p of pieces) {
      const unpadded = new Uint8Array((p.Piece.Size / 128) * 127)
      const payload = payloads.get(p.Piece.Cid['/'])
      if (p.ID !== 0 && payload) unpadded.set(payload)
      staged.set(fr32Pad(unpadded), offset)
      offset += p.Piece.Size
    }
    const prover = mockPiecePipeline(proofs, dir, (s) =>
      s === dealSector ? { pieces: commPs, staged } : undefined,
    )

    const sectors = [dealSector, ccSector]
    for (let round = 0; round < 200 && sectors.some((s) => s.stage !== 'done'); round++) {
      for (const s of sectors) await stepSector(call, s, 'ps1', persist, prover)
      await mgr.tick()
      await devnet.mine(1)
    }
    expect(sectors.map((s) => s.stage)).toEqual(['done', 'done'])
    expect(dealSector.commD).toEqual([...commD(commPs, 2048)])

    const landed = await Promise.all(
      (await mgr.store.listMessages()).map(
        async (x) => (await rpc('Message.GetMessageByUid', [x.uid])) as Record<string, unknown>,
      ),
    )
    const params = (x: Record<string, unknown>) => Buffer.from(String(x.Params), 'base64')
    for (const x of landed) expect((x.Receipt as { ExitCode: number }).ExitCode).toBe(0)
    const pre = landed
      .filter((x) => x.Method === MinerMethod.PreCommitSectorBatch2)
      .flatMap((x) => decodePreCommitSectorBatch2(params(x)).sectors)
    expect(pre.map((p) => p.dealIds)).toEqual([[], []])
    const prove = landed
      .filter((x) => x.Method === MinerMethod.ProveCommitSectors3)
      .map((x) => decodeProveCommitSectors3(params(x)))
    // Each piece as [CID, size, the deal id notified to the market actor or null].
    const manifests = new Map(
      prove.flatMap((p) =>
        p.activations.map((a) => [
          a.sectorNumber,
          a.pieces.map((pc) => ({
            cid: pc.cid.toString(),
            size: pc.size,
            dealId: pc.notify[0] === undefined ? null : (cborDecode(pc.notify[0].payload) as number),
          })),
        ]),
      ),
    )
    expect(manifests.get(ccSector.id.Number)).toEqual([])
    expect(manifests.get(dealSector.id.Number)).toEqual(
      pieces.map((p) => ({ cid: p.Piece.Cid['/'], size: p.Piece.Size, dealId: p.ID === 0 ? null : p.ID })),
    )
    const onChain = devnet.worldAt().miners.get(minerId)?.sectors.get(dealSector.id.Number)
    expect(onChain?.unsealedCid).toBe(commitmentToCid(commD(commPs, 2048), 'commD').toString())

    await mgr.stop()
    await mgr.store.close()
    await new Promise<void>((r) => server.close(() => r()))
    await devnet.stop()
  }, 120_000)
})
