import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  cidToCommitment,
  commitmentToCid,
  commPSync,
  decodeProveCommitSectors3,
  fr32Pad,
  MinerMethod,
  mockProofs,
  qaPowerForWeight,
  type WireDeal,
} from '@venus-cluster/core'
import { createDevnet, type Devnet } from '@venus-cluster/devnet'
import { allocateDatacap, createVerifiedClient } from '@venus-cluster/devnet/testing'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createDevnetMiner,
  devnetManagerViews,
  devnetRpc,
  mockPiecePipeline,
} from '../__fixtures__/devnet-env.js'
import { allocate, type Call, type DrivenSector, stepSector } from '../__fixtures__/worker-driver.js'
import { createSealerApi, type WireDirectPieceRecord } from '../api/index.js'
import { defaultMinerConfig } from '../config.js'
import { SectorManager } from '../manager.js'
import { openSqliteStore } from '../store/sqlite.js'
import { createMemoryMarket } from './market.js'

const commitmentBytes = (cid: string) => cidToCommitment(cid).commitment

const dir = mkdtempSync(join(tmpdir(), 'vsm-ddo-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const DAY = 2880

/** A manager on a devnet with one 2 KiB miner taking pieces, driven through the Venus.* API. */
async function setup(seed: string) {
  const proofs = mockProofs()
  const devnet = createDevnet({ seed, proofs })
  await devnet.start()
  const rpc = devnetRpc(devnet)
  const { owner, minerId } = await createDevnetMiner(devnet)
  const { client, clientId } = await createVerifiedClient(devnet, { datacap: 1n << 20n })
  const pieceDir = join(dir, seed, 'pieces')
  const persist = join(dir, seed, 'persist')
  mkdirSync(pieceDir, { recursive: true })
  const m = defaultMinerConfig(minerId, owner)
  m.commitment.confidence = 2
  m.deal = { enabled: true }
  const market = createMemoryMarket()
  const mgr = new SectorManager({
    store: await openSqliteStore({ path: ':memory:' }),
    ...devnetManagerViews(devnet),
    config: {
      miners: [m],
      persistStores: [{ name: 'ps1', path: persist }],
      pieceStores: [{ name: 'pieces', path: pieceDir }],
    },
    proofs,
    market,
    tickMs: 3_600_000,
  })
  await mgr.start()
  const api = createSealerApi(mgr)
  const call: Call = async (method, params) => (api[method] as (p: unknown[]) => unknown)(params)
  const payloads = new Map<string, Uint8Array>()
  /** A piece file of `payload` bytes in the piece store; its CID and padded size. */
  const piece = (payload: number, fill: number) => {
    const data = new Uint8Array(payload).fill(fill)
    const p = commPSync(data)
    const cid = commitmentToCid(p.commP, 'commP').toString()
    writeFileSync(join(pieceDir, cid), data)
    payloads.set(cid, data)
    return { cid, size: p.paddedSize, payload }
  }
  const prover = mockPiecePipeline(proofs, dir, (s) => staged.get(s))
  const staged = new Map<
    DrivenSector,
    { pieces: { commP: Uint8Array; paddedSize: number }[]; staged: Uint8Array }
  >()
  /** Takes pieces for a sector and lays out its staged data as a worker would. */
  const acquire = async (s: DrivenSector) => {
    const pieces = (await call('Venus.AcquireDeals', [s.id, { MaxDeals: null }])) as WireDeal[] | null
    if (pieces === null) return null
    const data = new Uint8Array(2048)
    let offset = 0
    for (const p of pieces) {
      const unpadded = new Uint8Array((p.Piece.Size / 128) * 127)
      const payload = payloads.get(p.Piece.Cid['/'])
      if (payload !== undefined) unpadded.set(payload)
      data.set(fr32Pad(unpadded), offset)
      offset += p.Piece.Size
    }
    staged.set(s, {
      pieces: pieces.map((p) => ({ commP: commitmentBytes(p.Piece.Cid['/']), paddedSize: p.Piece.Size })),
      staged: data,
    })
    // As the sealing worker does: every piece's id, 0 for direct pieces and fillers.
    s.deals = pieces.map((p) => p.ID)
    return pieces
  }
  const seal = async (sectors: DrivenSector[]) => {
    for (let round = 0; round < 300 && sectors.some((s) => s.stage !== 'done'); round++) {
      for (const s of sectors) await stepSector(call, s, 'ps1', persist, prover)
      await mgr.tick()
      await devnet.mine(1)
    }
    expect(sectors.map((s) => s.stage)).toEqual(sectors.map(() => 'done'))
  }
  /** The piece manifests of each sector's ProveCommitSectors3, as sent. */
  const manifests = () => {
    const out = new Map<
      number,
      ReturnType<typeof decodeProveCommitSectors3>['activations'][number]['pieces']
    >()
    for (const x of devnet.messagerMessages()) {
      if (x.message.Method !== MinerMethod.ProveCommitSectors3) continue
      const p = decodeProveCommitSectors3(new Uint8Array(Buffer.from(x.message.Params ?? '', 'base64')), 't')
      for (const a of p.activations) out.set(a.sectorNumber, a.pieces)
    }
    return out
  }
  const stop = async () => {
    await mgr.stop()
    await mgr.store.close()
    await devnet.stop()
  }
  return {
    devnet,
    rpc,
    mgr,
    call,
    market,
    minerId,
    owner,
    client,
    clientId,
    piece,
    acquire,
    seal,
    manifests,
    stop,
  }
}

const sectorOf = (devnet: Devnet, miner: number, n: number) =>
  devnet.worldAt().miners.get(miner)!.sectors.get(n)!

describe('direct data onboarding on the devnet', () => {
  it('seals a verified direct piece, a plain direct piece and a verified market deal: claims, QA power, notifications only for deals', async () => {
    const t = await setup('ddo-seal')
    const verified = t.piece(2000, 1)
    const plain = t.piece(1000, 2)
    const deal = t.piece(500, 3)
    const [allocId] = await allocateDatacap(t.devnet, t.client, [
      { provider: t.minerId, data: verified.cid, size: verified.size },
    ])
    // The operator assigns the two direct pieces; the verified one names its allocation.
    const added = (await t.call('Venus.AddDirectPiece', [
      {
        Miner: t.minerId,
        PieceCID: { '/': verified.cid },
        PieceSize: 2048,
        PayloadSize: 2000,
        Client: t.client,
        AllocationID: allocId,
      },
    ])) as WireDirectPieceRecord
    expect(added).toMatchObject({ State: 'pending', Client: t.clientId, AllocationID: allocId, Sector: 0 })
    await t.call('Venus.AddDirectPiece', [
      { Miner: t.minerId, PieceCID: { '/': plain.cid }, PieceSize: 1024, PayloadSize: 1000 },
    ])
    // A verified market deal: the market's allocation comes from the client's DataCap and expires
    // at the deal's start, which must leave the sealing time the manager allows (a day).
    const start = t.devnet.head().height + 2 * DAY
    const dealId = t.devnet.publishTestDeal({
      pieceCid: deal.cid,
      pieceSize: 512,
      client: t.client,
      provider: `t0${t.minerId}`,
      verified: true,
      startEpoch: start,
      endEpoch: start + 200 * DAY,
    })
    t.market.publish(t.minerId, { id: dealId, pieceCid: deal.cid, pieceSize: 512, payloadSize: 500 })
    const dealAlloc = (await t.rpc('Filecoin.StateGetAllocationIdForPendingDeal', [dealId, []])) as number
    expect(dealAlloc).toBeGreaterThan(0)

    const a = (await allocate(t.call, [t.minerId])) as DrivenSector
    const b = (await allocate(t.call, [t.minerId])) as DrivenSector
    const c = (await allocate(t.call, [t.minerId])) as DrivenSector
    // Direct pieces come first, one sector each (both do not fit one 2 KiB sector); then the deal.
    const pa = (await t.acquire(a))!
    expect(pa.map((p) => [p.ID, p.Direct?.AllocationID ?? null, p.Piece.Size])).toEqual([[0, allocId, 2048]])
    const pb = (await t.acquire(b))!
    expect(pb.map((p) => [p.ID, p.Direct?.AllocationID ?? null, p.Piece.Size])).toEqual([
      [0, 0, 1024],
      [0, null, 1024],
    ])
    const pc = (await t.acquire(c))!
    expect(pc[0]).toMatchObject({ ID: dealId })
    expect(pc[0]?.Direct).toBeUndefined()
    expect(((await t.call('Venus.ListDirectPieces', [{ State: 'assigned' }])) as unknown[]).length).toBe(2)

    await t.seal([a, b, c])

    const m = t.manifests()
    const ma = m.get(a.id.Number)!
    expect(ma.map((p) => [p.cid.toString(), p.verifiedAllocationKey, p.notify])).toEqual([
      [verified.cid, { client: t.clientId, id: allocId }, []],
    ])
    const mb = m.get(b.id.Number)!
    expect(mb[0]).toMatchObject({ verifiedAllocationKey: null, notify: [] })
    const mc = m.get(c.id.Number)!
    expect(mc[0]!.verifiedAllocationKey).toEqual({ client: t.clientId, id: dealAlloc })
    expect(mc[0]!.notify.map((n) => n.address)).toEqual(['t05'])
    expect(mc.slice(1).every((p) => p.notify.length === 0 && p.verifiedAllocationKey === null)).toBe(true)

    // On chain: both allocations became claims of their sectors, the deal is active.
    const claims = (await t.rpc('Filecoin.StateGetClaims', [`t0${t.minerId}`, []])) as Record<
      string,
      { Sector: number }
    >
    expect(claims[String(allocId)]?.Sector).toBe(a.id.Number)
    expect(claims[String(dealAlloc)]?.Sector).toBe(c.id.Number)
    expect(await t.rpc('Filecoin.StateMarketStorageDeal', [dealId, []])).toMatchObject({
      State: { SectorNumber: c.id.Number },
    })
    // A sector full of verified data counts ten times; plain data once.
    const sa = sectorOf(t.devnet, t.minerId, a.id.Number)
    const sb = sectorOf(t.devnet, t.minerId, b.id.Number)
    expect(qaPowerForWeight(2048, sa.expiration - sa.powerBaseEpoch, sa.verifiedDealWeight)).toBe(20480n)
    expect([sb.verifiedDealWeight, sb.dealWeight > 0n]).toEqual([0n, true])
    expect(qaPowerForWeight(2048, sb.expiration - sb.powerBaseEpoch, sb.verifiedDealWeight)).toBe(2048n)
    // The sector's lifetime fits the allocation's term, as the claim required.
    const claim = (await t.rpc('Filecoin.StateGetClaim', [`t0${t.minerId}`, allocId, []])) as {
      TermMin: number
      TermMax: number
      TermStart: number
    }
    expect(sa.expiration - claim.TermStart).toBeGreaterThanOrEqual(claim.TermMin)
    expect(sa.expiration - claim.TermStart).toBeLessThanOrEqual(claim.TermMax)
    // The direct pieces are sealed; the market's deal never went through the direct queue.
    const listed = (await t.call('Venus.ListDirectPieces', [{ Miner: t.minerId }])) as WireDirectPieceRecord[]
    expect(listed.map((p) => [p.State, p.Sector])).toEqual([
      ['sealed', a.id.Number],
      ['sealed', b.id.Number],
    ])
    await t.stop()
  }, 180_000)

  it('refuses an allocation that expires before activation before any fee is spent', async () => {
    const t = await setup('ddo-expiry')
    const p1 = t.piece(2000, 4)
    const p2 = t.piece(2000, 5)
    const head = t.devnet.head().height
    // Expires in 100 epochs: no sector precommitted now can be proven in time.
    const [soon] = await allocateDatacap(t.devnet, t.client, [
      { provider: t.minerId, data: p1.cid, size: 2048, expiration: head + 100 },
    ])
    await expect(
      t.call('Venus.AddDirectPiece', [
        {
          Miner: t.minerId,
          PieceCID: { '/': p1.cid },
          PieceSize: 2048,
          PayloadSize: 2000,
          Client: t.clientId,
          AllocationID: soon,
        },
      ]),
    ).rejects.toThrow(
      /Venus.AddDirectPiece: .*allocation \d+ expires at epoch \d+, before the sector could be activated/,
    )
    // Accepted while it still could be, then the chain moves on before the precommit.
    const [later] = await allocateDatacap(t.devnet, t.client, [
      { provider: t.minerId, data: p2.cid, size: 2048, expiration: t.devnet.head().height + 2 * DAY },
    ])
    await t.call('Venus.AddDirectPiece', [
      {
        Miner: t.minerId,
        PieceCID: { '/': p2.cid },
        PieceSize: 2048,
        PayloadSize: 2000,
        Client: t.clientId,
        AllocationID: later,
      },
    ])
    const s = (await allocate(t.call, [t.minerId])) as DrivenSector
    expect((await t.acquire(s))?.[0]?.Direct?.AllocationID).toBe(later)
    s.ticket = (await t.call('Venus.AssignTicket', [s.id])) as { Ticket: string; Epoch: number }
    await t.devnet.mine(1, { nullRounds: DAY })
    const before = t.devnet.messagerMessages().length
    const balance = t.devnet.balance(t.owner)
    const r = (await t.call('Venus.SubmitPreCommit', [
      { ID: s.id, ProofType: 5 },
      { CommR: Array(32).fill(7), CommD: Array(32).fill(0), Ticket: s.ticket, Deals: [] },
      false,
    ])) as { Res: number; Desc: string }
    // CommD is checked first; give the real one to reach the piece checks.
    expect(r.Res).toBe(4)
    const commD = [
      ...(await import('@venus-cluster/core')).commD(
        [{ commP: commitmentBytes(p2.cid), paddedSize: 2048 }],
        2048,
      ),
    ]
    const refused = (await t.call('Venus.SubmitPreCommit', [
      { ID: s.id, ProofType: 5 },
      { CommR: Array(32).fill(7), CommD: commD, Ticket: s.ticket, Deals: [] },
      false,
    ])) as { Res: number; Desc: string }
    expect(refused).toEqual({
      Res: 4,
      Desc: expect.stringMatching(
        /pieces cannot be activated: direct piece \d+ .*allocation \d+ expires at epoch/,
      ),
    })
    await t.mgr.tick()
    await t.devnet.mine(2)
    // No message, no deposit: nothing was spent.
    expect(t.devnet.messagerMessages().length).toBe(before)
    expect(t.devnet.balance(t.owner)).toBe(balance)
    expect(t.devnet.worldAt().miners.get(t.minerId)!.preCommits.size).toBe(0)
    // The worker aborts the sector; the piece cannot be activated any more and is given up.
    await t.call('Venus.ReportAborted', [s.id, 'precommit refused'])
    const [gone] = (await t.call('Venus.ListDirectPieces', [null])) as WireDirectPieceRecord[]
    expect(gone).toMatchObject({ State: 'failed', Reason: expect.stringMatching(/expires at epoch/) })
    await t.stop()
  }, 120_000)

  it('checks a direct piece when it is added: miner, CID, sizes, file, and the allocation it names', async () => {
    const t = await setup('ddo-checks')
    const p = t.piece(1500, 6)
    const other = t.piece(1500, 7)
    const [allocId] = await allocateDatacap(t.devnet, t.client, [
      { provider: t.minerId, data: other.cid, size: 2048 },
    ])
    const add = (o: Record<string, unknown>) =>
      t.call('Venus.AddDirectPiece', [
        { Miner: t.minerId, PieceCID: { '/': p.cid }, PieceSize: 2048, PayloadSize: 1500, ...o },
      ])
    await expect(add({ Miner: 1 })).rejects.toMatchObject({ code: 'MINER_NOT_CONFIGURED' })
    await expect(add({ PieceCID: { '/': 'bafkqaaa' } })).rejects.toThrow(/is not a piece CID/)
    await expect(add({ PieceSize: 3000 })).rejects.toThrow(/piece size 3000 must be a power of two/)
    await expect(add({ PayloadSize: 2040 })).rejects.toThrow(/payload size 2040 must be 1 … 2032/)
    await expect(
      add({ PieceCID: { '/': commitmentToCid(new Uint8Array(32).fill(9), 'commP').toString() } }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/no file named .* in the piece stores/),
    })
    await expect(add({ Client: t.client, AllocationID: allocId })).rejects.toThrow(
      /allocation \d+ is for piece .*, not /,
    )
    await expect(add({ Client: t.client, AllocationID: 999 })).rejects.toThrow(
      /allocation 999 of client \d+ is not on chain/,
    )
    const ok = (await add({ Client: t.client, AllocationID: undefined })) as WireDirectPieceRecord
    await expect(
      t.call('Venus.AddDirectPiece', [
        {
          Miner: t.minerId,
          PieceCID: { '/': other.cid },
          PieceSize: 2048,
          PayloadSize: 1500,
          Client: t.clientId,
          AllocationID: allocId,
        },
      ]),
    ).resolves.toMatchObject({ AllocationID: allocId })
    await expect(
      t.call('Venus.AddDirectPiece', [
        {
          Miner: t.minerId,
          PieceCID: { '/': other.cid },
          PieceSize: 2048,
          PayloadSize: 1500,
          Client: t.clientId,
          AllocationID: allocId,
        },
      ]),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' })
    await t.call('Venus.RemoveDirectPiece', [ok.ID])
    await expect(t.call('Venus.RemoveDirectPiece', [ok.ID])).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await t.stop()
  }, 60_000)
})
