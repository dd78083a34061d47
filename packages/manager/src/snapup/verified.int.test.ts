/**
 * Snap-up of verified data (Fil+): a direct piece with a client's verified allocation is snapped
 * into a CC sector. The manager checks the piece as it does before sealing (the allocation is
 * this provider's and this piece's, claimable until the update lands, its term allows the CC
 * sector's expiration), keys the allocation into the `ProveReplicaUpdates3` manifest and sends
 * the pledge the verified space adds; the devnet claims the allocation for the sector and counts
 * the piece's space ten times in the miner's QA power.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  commitmentToCid,
  commPSync,
  decodeProveReplicaUpdates3,
  MinerMethod,
  mockProofs,
} from '@venus-cluster/core'
import { createDevnet } from '@venus-cluster/devnet'
import {
  allocateDatacap,
  createVerifiedClient,
  injectSectors,
  sealTestSectors,
} from '@venus-cluster/devnet/testing'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createDevnetMiner, devnetManagerViews, devnetRpc } from '../__fixtures__/devnet-env.js'
import { workerSnap } from '../__fixtures__/snap-worker.js'
import type { Call } from '../__fixtures__/worker-driver.js'
import { createSealerApi } from '../api/index.js'
import { defaultMinerConfig } from '../config.js'
import { createMemoryMarket } from '../deals/market.js'
import { SectorManager } from '../manager.js'
import { openSqliteStore } from '../store/sqlite.js'

const dir = mkdtempSync(join(tmpdir(), 'vsm-snap-verified-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const DAY = 2880

type Allocation = Parameters<typeof workerSnap>[4]

/** A manager on a devnet whose miner has one proven CC sector, a verified client and a piece store. */
async function setup(seed: string) {
  const proofs = mockProofs()
  const devnet = createDevnet({ seed, proofs })
  await devnet.start()
  const rpc = devnetRpc(devnet)
  const { owner, minerId } = await createDevnetMiner(devnet)
  const persist = join(dir, seed, 'persist')
  const pieceDir = join(dir, seed, 'pieces')
  mkdirSync(pieceDir, { recursive: true })
  injectSectors(devnet, `t0${minerId}`, await sealTestSectors(proofs, persist, minerId, [1]))
  const { client, clientId } = await createVerifiedClient(devnet, { datacap: 1n << 20n })
  const m = defaultMinerConfig(minerId, owner)
  m.commitment.confidence = 2
  m.deal.enabled = true
  m.snapup.batch.enabled = false
  m.snapup.minLifetimeEpochs = 100
  m.snapup.finalityEpochs = 4
  const mgr = new SectorManager({
    store: await openSqliteStore({ path: ':memory:' }),
    ...devnetManagerViews(devnet),
    config: {
      miners: [m],
      persistStores: [{ name: 'ps1', path: persist }],
      pieceStores: [{ name: 'pieces', path: pieceDir }],
    },
    proofs,
    market: createMemoryMarket(),
    tickMs: 3_600_000,
  })
  await mgr.store.setLocation({ miner: minerId, number: 1 }, 'normal', { sealed: 'ps1', cache: 'ps1' })
  await mgr.start()
  const api = createSealerApi(mgr)
  const call: Call = async (method, params) => (api[method] as (p: unknown[]) => unknown)(params)
  const data = new Map<string, Uint8Array>()
  /**
   * A 1 KiB piece in the piece store, its allocation made by the client with `terms`, queued as a
   * direct piece.
   */
  const verifiedPiece = async (fill: number, terms: { termMin?: number; termMax?: number } = {}) => {
    const raw = new Uint8Array(1016).fill(fill)
    const cid = commitmentToCid(commPSync(raw).commP, 'commP').toString()
    writeFileSync(join(pieceDir, cid), raw)
    data.set(cid, raw)
    const [allocationId] = await allocateDatacap(devnet, client, [
      { provider: minerId, data: cid, size: 1024, ...terms },
    ])
    const piece = await mgr.addDirectPiece({
      miner: minerId,
      pieceCid: cid,
      pieceSize: 1024,
      payloadSize: 1016,
      allocation: { client: clientId, id: allocationId! },
    })
    return { cid, allocationId: allocationId!, piece }
  }
  const fetchCandidate = async () => {
    for (let i = 0; i < 120; i++) {
      if ((await mgr.snapup.fetchCandidates(minerId)).total >= 1) return
      await devnet.mine(1)
    }
    throw new Error('the CC sector never became a candidate')
  }
  const allocate = async () =>
    (await call('Venus.AllocateSnapUpSector', [
      { Sector: { AllowedMiners: [minerId] } },
    ])) as Allocation | null
  const stop = async () => {
    await mgr.stop()
    await mgr.store.close()
    await devnet.stop()
  }
  return {
    proofs,
    devnet,
    rpc,
    mgr,
    call,
    minerId,
    clientId,
    persist,
    data,
    verifiedPiece,
    fetchCandidate,
    allocate,
    stop,
  }
}

describe('snap-up of verified data', () => {
  it('snaps a verified direct piece into a CC sector: the update claims its allocation and the piece counts ten times', async () => {
    const s = await setup('snap-verified')
    const { cid, allocationId } = await s.verifiedPiece(71)
    await s.fetchCandidate()
    const powerBefore = (await s.rpc('Filecoin.StateMinerPower', [`t0${s.minerId}`, null])) as {
      MinerPower: { QualityAdjPower: string }
    }
    const a = await s.allocate()
    expect(a?.Sector.ID.Number).toBe(1)
    expect(a?.Pieces.map((p) => [p.ID, p.Piece.Cid['/'], p.Piece.Size])).toEqual([
      [0, cid, 1024],
      [0, expect.any(String), 1024],
    ])
    expect((await s.mgr.listDirectPieces({ miner: s.minerId }))[0]).toMatchObject({
      state: 'assigned',
      sector: 1,
    })
    expect(await workerSnap(dir, s.call, s.proofs, s.persist, a!, (c) => s.data.get(c))).toEqual({
      Res: 1,
      Desc: null,
    })
    const sealed: number[][] = []
    s.mgr.on('direct:sealed', (e) => sealed.push(e.pieces))
    let state: string | undefined
    for (let i = 0; i < 60 && state !== 'landed' && state !== 'done'; i++) {
      await s.mgr.tick()
      await s.devnet.mine(1)
      state = (await s.mgr.snapup.state({ miner: s.minerId, number: 1 }))?.state
    }
    expect(state === 'landed' || state === 'done').toBe(true)

    // The manifest carried the allocation key; the message the pledge the verified space adds.
    const [msg] = (await s.mgr.store.listMessages()).filter((x) => x.kind === 'upgrade')
    const onChain = (await s.rpc('Message.GetMessageByUid', [msg!.uid])) as {
      Method: number
      Params: string
      Value: string
      Receipt: { ExitCode: number }
    }
    expect(onChain.Method).toBe(MinerMethod.ProveReplicaUpdates3)
    expect(onChain.Receipt.ExitCode).toBe(0)
    const params = decodeProveReplicaUpdates3(Buffer.from(onChain.Params, 'base64'))
    expect(params.sectorUpdates[0]?.pieces.map((p) => [p.cid.toString(), p.verifiedAllocationKey])).toEqual([
      [cid, { client: s.clientId, id: allocationId }],
    ])
    expect(BigInt(onChain.Value)).toBeGreaterThan(0n)

    // On chain: the allocation is a claim of sector 1; the sector's QA power counts 1 KiB ten times.
    const claims = (await s.rpc('Filecoin.StateGetClaims', [`t0${s.minerId}`, null])) as Record<
      string,
      { Sector: number; Client: number; Data: { '/': string } }
    >
    expect(claims[String(allocationId)]).toMatchObject({ Sector: 1, Client: s.clientId, Data: { '/': cid } })
    expect(await s.rpc('Filecoin.StateGetAllocation', [`t0${s.clientId}`, allocationId, null])).toBeNull()
    const info = (await s.rpc('Filecoin.StateSectorGetInfo', [`t0${s.minerId}`, 1, null])) as {
      VerifiedDealWeight: string
      DealWeight: string
    }
    expect(BigInt(info.VerifiedDealWeight)).toBeGreaterThan(0n)
    expect(info.DealWeight).toBe('0')
    const powerAfter = (await s.rpc('Filecoin.StateMinerPower', [
      `t0${s.minerId}`,
      null,
    ])) as typeof powerBefore
    const gained =
      BigInt(powerAfter.MinerPower.QualityAdjPower) - BigInt(powerBefore.MinerPower.QualityAdjPower)
    // 1 KiB of a 2 KiB sector verified: 9 × 1024 more bytes of QA power (integer division).
    expect(gained).toBeGreaterThanOrEqual(9n * 1024n - 1n)
    expect(gained).toBeLessThanOrEqual(9n * 1024n)
    // The direct piece is sealed once the update landed.
    await vi.waitFor(() => expect(sealed).toEqual([[1]]), { timeout: 2_000 })
    expect((await s.mgr.listDirectPieces({ miner: s.minerId }))[0]).toMatchObject({
      state: 'sealed',
      sector: 1,
    })
    await s.stop()
  }, 120_000)

  it('does not snap a verified piece into a CC sector whose expiration its allocation term does not allow', async () => {
    const s = await setup('snap-verified-term')
    // The CC sector lives about 210 days more; this allocation's term ends after 182 days.
    const { cid, allocationId, piece } = await s.verifiedPiece(72, {
      termMin: 180 * DAY,
      termMax: 182 * DAY,
    })
    await s.fetchCandidate()
    // The queued piece is left for a sector it fits (a new one); the CC sector stays a candidate.
    expect(await s.allocate()).toBeNull()
    expect((await s.mgr.listDirectPieces({ miner: s.minerId }))[0]).toMatchObject({
      id: piece.id,
      state: 'pending',
    })
    expect(s.mgr.snapup.candidates.list(s.minerId).map((c) => c.number)).toEqual([1])
    expect((await s.mgr.store.getSector({ miner: s.minerId, number: 1 }))?.online ?? false).toBe(false)

    // Pieces a library caller brings are refused with the reason.
    await expect(
      s.mgr.snapup.allocate({
        allowedMiners: null,
        allowedProofTypes: null,
        pieces: [
          {
            dealId: 0,
            piece: { cid, size: 1024 },
            payloadSize: 1016,
            proposal: null,
            direct: { id: piece.id, allocation: { client: s.clientId, id: allocationId } },
          },
        ],
      }),
    ).rejects.toThrow(/cannot be activated in any candidate sector: .*sector expiration \d+ is outside/)
    expect(s.mgr.snapup.candidates.list(s.minerId).map((c) => c.number)).toEqual([1])
    await s.stop()
  }, 120_000)
})
