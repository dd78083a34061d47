import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  cidToCommitment,
  commitmentToCid,
  decodeProveReplicaUpdates3,
  MinerMethod,
  mockProofs,
  type ProofsBackend,
  type SnapUpMinerInit,
  snapUpMinerConfig,
} from '@venus-cluster/core'
import { createDevnet, type Devnet } from '@venus-cluster/devnet'
import {
  allocateDatacap,
  createVerifiedClient,
  injectSectors,
  sealTestSectors,
} from '@venus-cluster/devnet/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { createDevnetMiner, devnetManagerViews, devnetRpc } from '../__fixtures__/devnet-env.js'
import { workerSnap } from '../__fixtures__/snap-worker.js'
import type { Call } from '../__fixtures__/worker-driver.js'
import { createSealerApi } from '../api/index.js'
import { defaultMinerConfig } from '../config.js'
import { createMemoryMarket } from '../deals/market.js'
import { SectorManager } from '../manager.js'
import { openSqliteStore } from '../store/sqlite.js'

const dir = mkdtempSync(join(tmpdir(), 'vsm-snap-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** One deal's piece: its bytes (raw, 1016 = a 1 KiB padded piece) and CID. */
async function makeDeal(proofs: ProofsBackend, scratch: string, fill: number) {
  const raw = new Uint8Array(1016).fill(fill)
  const { piece } = await proofs.addPiece({
    proofType: 5,
    source: raw,
    unpaddedSize: 1016,
    stagedPath: join(scratch, `probe-${fill}`),
    existingPieceSizes: [],
  })
  return { raw, cid: commitmentToCid(piece.commP, 'commP').toString(), size: piece.paddedSize }
}

async function setup(
  seed: string,
  batch: { enabled: boolean; threshold: number },
  count: number,
  snapup: SnapUpMinerInit = {},
) {
  const proofs = mockProofs()
  const devnet = createDevnet({ seed, proofs })
  await devnet.start()
  const { owner, minerId } = await createDevnetMiner(devnet)
  const persist = join(dir, `persist-${seed}`)
  // Direct pieces' files, named by piece CID.
  const pieceDir = join(dir, `pieces-${seed}`)
  mkdirSync(pieceDir, { recursive: true })
  const numbers = Array.from({ length: count }, (_, i) => i + 1)
  injectSectors(devnet, `t0${minerId}`, await sealTestSectors(proofs, persist, minerId, numbers))
  await devnet.mine(1)
  const m = defaultMinerConfig(minerId, owner)
  m.commitment.confidence = 2
  m.deal.enabled = true
  // The snap-up policy from the config (`[Miners.SnapUp]`), as an operator writes it.
  m.snapup = snapUpMinerConfig({
    batch: { ...batch, maxWaitMs: 3_600_000 },
    minLifetimeEpochs: 100,
    finalityEpochs: 6,
    ...snapup,
  })
  const market = createMemoryMarket()
  // A manager over the database file: `restart` stops it and starts another on the same file.
  const open = async () => {
    const mgr = new SectorManager({
      store: await openSqliteStore({ path: join(dir, `${seed}.db`) }),
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
    const api = createSealerApi(mgr)
    const call: Call = async (method, params) => (api[method] as (p: unknown[]) => unknown)(params)
    return { mgr, call }
  }
  const first = await open()
  // The CC sectors were sealed elsewhere: the manager knows where their files are.
  for (const n of numbers)
    await first.mgr.store.setLocation({ miner: minerId, number: n }, 'normal', {
      sealed: 'ps1',
      cache: 'ps1',
    })
  await first.mgr.start()
  const deals = new Map<string, Uint8Array>()
  for (const n of numbers) {
    const d = await makeDeal(proofs, dir, n + 10)
    deals.set(d.cid, d.raw)
    market.publish(minerId, { id: n, pieceCid: d.cid, pieceSize: d.size, payloadSize: 1016 })
  }
  const env = {
    proofs,
    devnet,
    minerId,
    persist,
    pieceDir,
    mgr: first.mgr,
    call: first.call,
    deals,
    numbers,
    /** Asks for a snap-up allocation with at most one deal, as a snapup worker with `max_deals = 1`. */
    ask: async () =>
      (await env.call('Venus.AllocateSnapUpSector', [
        { Sector: { AllowedMiners: null }, Deals: { MaxDeals: 1 } },
      ])) as Parameters<typeof workerSnap>[4] | null,
    async stop() {
      await env.mgr.stop()
      await env.mgr.store.close()
      await devnet.stop()
    },
    async restart() {
      await env.mgr.stop()
      await env.mgr.store.close()
      const next = await open()
      await next.mgr.start()
      env.mgr = next.mgr
      env.call = next.call
    },
  }
  return env
}

/** Fetches candidates until `count` are there (deadlines move out of their immutable window). */
async function fetchAll(call: Call, devnet: Devnet, minerId: number, count: number) {
  for (let i = 0; i < 120; i++) {
    const got = (await call('Venus.SnapUpPreFetch', [minerId, null])) as { Total: number }
    if (got.Total >= count) return got
    await devnet.mine(1)
  }
  throw new Error('candidates never all available')
}

async function landAll(s: Awaited<ReturnType<typeof setup>>, until: (states: string[]) => boolean) {
  for (let round = 0; round < 100; round++) {
    await s.mgr.tick()
    await s.devnet.mine(1)
    const states = await Promise.all(
      s.numbers.map(
        async (n) => (await s.mgr.snapup.state({ miner: s.minerId, number: n }))?.state ?? 'none',
      ),
    )
    if (until(states)) return states
  }
  throw new Error('snap-ups did not settle')
}

const gasPerSector: { batched: number; single: number } = { batched: 0, single: 0 }

describe('snap-up on the devnet with mock proofs', () => {
  it('snaps deals into 3 CC sectors with one batched ProveReplicaUpdates3, then drops the sector keys after finality', async () => {
    const s = await setup('snap-batch', { enabled: true, threshold: 3 }, 3)
    const rpc = devnetRpc(s.devnet)
    await fetchAll(s.call, s.devnet, s.minerId, 3)
    const candidates = (await s.call('Venus.SnapUpCandidates', [s.minerId])) as { Number: number }[]
    expect(candidates.map((c) => c.Number)).toEqual([1, 2, 3])

    const allocs = []
    for (let i = 0; i < 3; i++) {
      // The original's misspelt name and the correct one answer the same.
      const method = i === 0 ? 'Venus.AllocateSanpUpSector' : 'Venus.AllocateSnapUpSector'
      allocs.push(
        (await s.call(method, [
          { Sector: { AllowedMiners: [s.minerId], AllowedProofTypes: null }, Deals: { MaxDeals: 1 } },
        ])) as Parameters<typeof workerSnap>[4],
      )
    }
    expect(allocs.map((a) => a.Sector.ID.Number).sort()).toEqual([1, 2, 3])
    // One 1 KiB deal and a 1 KiB zero filler each.
    expect(allocs.map((a) => a.Pieces.map((p) => [p.ID !== 0, p.Piece.Size]))).toEqual([
      [
        [true, 1024],
        [false, 1024],
      ],
      [
        [true, 1024],
        [false, 1024],
      ],
      [
        [true, 1024],
        [false, 1024],
      ],
    ])
    expect(
      await s.call('Venus.AllocateSnapUpSector', [{ Sector: { AllowedMiners: [s.minerId] } }]),
    ).toBeNull()

    for (const a of allocs) {
      expect(await workerSnap(dir, s.call, s.proofs, s.persist, a, (cid) => s.deals.get(cid))).toEqual({
        Res: 1,
        Desc: null,
      })
    }
    // The worker says where it persisted the new replica (checked, then indexed as `upgrade`).
    expect(await s.call('Venus.SubmitPersistedEx', [allocs[0]!.Sector.ID, 'ps1', true])).toBe(true)
    expect(await s.call('Venus.SectorIndexerFind', ['upgrade', allocs[0]!.Sector.ID])).toEqual({
      Found: true,
      Instance: { SealedFile: 'ps1', CacheDir: 'ps1' },
    })
    // A retrying worker gets the same answer; nothing is sent twice.
    expect(await workerSnap(dir, s.call, s.proofs, s.persist, allocs[0]!, (cid) => s.deals.get(cid))).toEqual(
      {
        Res: 1,
        Desc: null,
      },
    )

    const landed = await landAll(s, (st) => st.every((x) => x === 'landed' || x === 'done'))
    expect(landed.every((x) => x === 'landed' || x === 'done')).toBe(true)
    const msgs = (await s.mgr.store.listMessages()).filter((m) => m.kind === 'upgrade')
    expect(msgs).toHaveLength(1)
    const onChain = (await rpc('Message.GetMessageByUid', [msgs[0]!.uid])) as Record<string, unknown>
    expect(onChain.Method).toBe(MinerMethod.ProveReplicaUpdates3)
    const params = decodeProveReplicaUpdates3(Buffer.from(String(onChain.Params), 'base64'))
    expect(params.sectorUpdates.map((u) => [u.sectorNumber, u.pieces.length]).sort()).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ])
    const receipt = onChain.Receipt as { ExitCode: number; GasUsed: number }
    expect(receipt.ExitCode).toBe(0)
    gasPerSector.batched = receipt.GasUsed / 3

    // On chain: the new replica's CID, the CC one kept as the sector key.
    for (const a of allocs) {
      const info = (await rpc('Filecoin.StateSectorGetInfo', [
        `t0${s.minerId}`,
        a.Sector.ID.Number,
        null,
      ])) as Record<string, { '/': string } | null>
      const rec = await s.mgr.snapup.state({ miner: s.minerId, number: a.Sector.ID.Number })
      expect(info.SealedCID).toEqual({ '/': rec!.proven!.newSealedCid })
      expect(info.SectorKeyCID).toEqual({
        '/': commitmentToCid(Uint8Array.from(a.Public.CommR), 'commR').toString(),
      })
    }

    // Before finality the CC sealed files stay; after it they go and the records move offline.
    const sealedFile = (n: number) => join(s.persist, 'sealed', `s-t0${s.minerId}-${n}`)
    const done = await landAll(s, (st) => st.every((x) => x === 'done'))
    expect(done).toEqual(['done', 'done', 'done'])
    for (const n of s.numbers) {
      expect(existsSync(sealedFile(n))).toBe(false)
      expect(existsSync(join(s.persist, 'update', `s-t0${s.minerId}-${n}`))).toBe(true)
      const id = { miner: s.minerId, number: n }
      expect(await s.mgr.store.findLocation(id, 'normal')).toBeUndefined()
      expect(await s.mgr.store.findLocation(id, 'upgrade')).toEqual({ sealed: 'ps1', cache: 'ps1' })
      expect((await s.mgr.store.getSector(id))?.online).toBe(false)
    }
    await s.mgr.stop()
    await s.mgr.store.close()
    await s.devnet.stop()
  }, 120_000)

  it('sends one message per sector without batching (the gas per sector compared)', async () => {
    const s = await setup('snap-single', { enabled: false, threshold: 1 }, 1)
    const rpc = devnetRpc(s.devnet)
    await fetchAll(s.call, s.devnet, s.minerId, 1)
    const a = (await s.call('Venus.AllocateSnapUpSector', [
      { Sector: { AllowedMiners: null } },
    ])) as Parameters<typeof workerSnap>[4]
    expect(await workerSnap(dir, s.call, s.proofs, s.persist, a, (cid) => s.deals.get(cid))).toEqual({
      Res: 1,
      Desc: null,
    })
    await landAll(s, (st) => st.every((x) => x === 'landed' || x === 'done'))
    const msgs = (await s.mgr.store.listMessages()).filter((m) => m.kind === 'upgrade')
    expect(msgs).toHaveLength(1)
    const onChain = (await rpc('Message.GetMessageByUid', [msgs[0]!.uid])) as { Receipt: { GasUsed: number } }
    gasPerSector.single = onChain.Receipt.GasUsed
    expect(gasPerSector.single).toBeGreaterThan(gasPerSector.batched)
    console.log('devnet ProveReplicaUpdates3 gas per sector:', JSON.stringify(gasPerSector))
    await s.mgr.stop()
    await s.mgr.store.close()
    await s.devnet.stop()
  }, 120_000)

  it('hands out no CC sector of a miner whose snap-up is off, and does once it is on', async () => {
    const s = await setup('snap-off', { enabled: false, threshold: 1 }, 1, { enabled: false })
    await fetchAll(s.call, s.devnet, s.minerId, 1)
    expect(await s.ask()).toBeNull()
    // The candidate stays in the pool for when the operator turns snap-up on.
    expect(s.mgr.snapup.candidates.list(s.minerId).map((c) => c.number)).toEqual([1])
    s.mgr.context.config().miners[0]!.snapup.enabled = true
    expect((await s.ask())?.Sector.ID.Number).toBe(1)
    await s.stop()
  }, 60_000)

  it('sends ProveReplicaUpdates3 from the snap-up sender and with the fee settings of [Miners.SnapUp]', async () => {
    const s = await setup('snap-fees', { enabled: false, threshold: 1 }, 1, {
      gasOverEstimation: 1.7,
      maxFeeCap: 7_000_000_000n,
      perSectorMaxFee: 123_000_000_000_000_000n,
    })
    await fetchAll(s.call, s.devnet, s.minerId, 1)
    const a = (await s.call('Venus.AllocateSnapUpSector', [
      { Sector: { AllowedMiners: null } },
    ])) as Parameters<typeof workerSnap>[4]
    expect(await workerSnap(dir, s.call, s.proofs, s.persist, a, (cid) => s.deals.get(cid))).toEqual({
      Res: 1,
      Desc: null,
    })
    await s.mgr.tick()
    const msgs = (await s.mgr.store.listMessages()).filter((m) => m.kind === 'upgrade')
    expect(msgs).toHaveLength(1)
    // No snap-up sender configured: the miner's prove-commit sender.
    expect(msgs[0]!.body).toMatchObject({
      From: s.mgr.context.config().miners[0]!.commitment.prove.sender,
      Method: MinerMethod.ProveReplicaUpdates3,
      Spec: { GasOverEstimation: 1.7, MaxFeeCap: '7000000000', MaxFee: '123000000000000000' },
    })
    await s.stop()
  }, 60_000)

  it('ends a snap-up its worker aborted as failed, gives its deal back and makes the sector a candidate again', async () => {
    const s = await setup('snap-abort', { enabled: false, threshold: 1 }, 1)
    await fetchAll(s.call, s.devnet, s.minerId, 1)
    const a = (await s.ask())!
    const id = a.Sector.ID
    const dealId = a.Pieces[0]!.ID
    expect(dealId).toBeGreaterThan(0)
    expect(s.mgr.snapup.candidates.list(s.minerId)).toEqual([])
    await s.call('Venus.ReportAborted', [id, 'encoding failed: disk full'])
    const st = await s.mgr.snapup.state({ miner: id.Miner, number: id.Number })
    expect([st?.state, st?.failure]).toEqual(['failed', 'aborted by the worker: encoding failed: disk full'])
    const rec = await s.mgr.store.getSector({ miner: id.Miner, number: id.Number })
    expect([rec?.online, rec?.state.pieces, rec?.state.abortReason]).toEqual([false, null, ''])
    expect(s.mgr.snapup.candidates.list(s.minerId).map((c) => c.number)).toEqual([id.Number])
    // A retried ReportAborted changes nothing.
    await s.call('Venus.ReportAborted', [id, 'encoding failed: disk full'])
    expect((await s.mgr.snapup.state({ miner: id.Miner, number: id.Number }))?.failure).toMatch(/disk full/)
    // The sector and its deal are handed out again, and this time the snap-up goes through.
    const again = (await s.ask())!
    expect([again.Sector.ID.Number, again.Pieces[0]!.ID]).toEqual([id.Number, dealId])
    expect(await workerSnap(dir, s.call, s.proofs, s.persist, again, (cid) => s.deals.get(cid))).toEqual({
      Res: 1,
      Desc: null,
    })
    expect(await landAll(s, (x) => x.every((v) => v === 'landed' || v === 'done'))).not.toContain('failed')
    await s.stop()
  }, 60_000)

  it('keeps the candidate pool across a manager restart and never hands a sector out twice', async () => {
    const s = await setup('snap-restart', { enabled: false, threshold: 1 }, 3)
    await fetchAll(s.call, s.devnet, s.minerId, 3)
    expect((await s.ask())?.Sector.ID.Number).toBe(1)
    await s.restart()
    // No fetch after the restart: the pool is what was fetched, less the sector handed out.
    expect(s.mgr.snapup.candidates.list(s.minerId).map((c) => c.number)).toEqual([2, 3])
    expect(
      ((await s.call('Venus.SnapUpCandidates', [s.minerId])) as { Number: number }[]).map((c) => c.Number),
    ).toEqual([2, 3])
    expect((await s.ask())?.Sector.ID.Number).toBe(2)
    // A fetch now finds sector 3 only: 1 and 2 are being snapped up (online records).
    expect((await s.call('Venus.SnapUpPreFetch', [s.minerId, null])) as { Total: number }).toMatchObject({
      Total: 1,
    })
    await s.restart()
    expect((await s.ask())?.Sector.ID.Number).toBe(3)
    expect(await s.ask()).toBeNull()
    expect((await s.mgr.snapup.state({ miner: s.minerId, number: 1 }))?.state).toBe('allocated')
    await s.stop()
  }, 60_000)

  it('snaps a verified direct piece in: its allocation is claimed, the pledge for the QA power is sent along', async () => {
    const s = await setup('snap-verified', { enabled: false, threshold: 1 }, 1)
    const rpc = devnetRpc(s.devnet)
    const d = await makeDeal(s.proofs, dir, 99)
    const { client, clientId } = await createVerifiedClient(s.devnet, { datacap: d.size })
    const [allocationId] = await allocateDatacap(s.devnet, client, [
      { provider: s.minerId, data: d.cid, size: d.size },
    ])
    writeFileSync(join(s.pieceDir, d.cid), d.raw)
    await s.mgr.addDirectPiece({
      miner: s.minerId,
      pieceCid: d.cid,
      pieceSize: d.size,
      payloadSize: 1016,
      allocation: { client: clientId, id: allocationId! },
    })
    await fetchAll(s.call, s.devnet, s.minerId, 1)
    const a = (await s.call('Venus.AllocateSnapUpSector', [
      { Sector: { AllowedMiners: null } },
    ])) as Parameters<typeof workerSnap>[4]
    // The direct piece comes before the market's deals.
    expect(a.Pieces[0]!.Piece.Cid['/']).toBe(d.cid)
    const power = async () =>
      (
        (await rpc('Filecoin.StateMinerPower', [`t0${s.minerId}`, null])) as {
          MinerPower: { QualityAdjPower: string }
        }
      ).MinerPower.QualityAdjPower
    const qaBefore = BigInt(await power())
    expect(
      await workerSnap(dir, s.call, s.proofs, s.persist, a, (cid) => (cid === d.cid ? d.raw : undefined)),
    ).toEqual({
      Res: 1,
      Desc: null,
    })
    await landAll(s, (st) => st.every((x) => x === 'landed' || x === 'done'))
    const msgs = (await s.mgr.store.listMessages()).filter((m) => m.kind === 'upgrade')
    const onChain = (await rpc('Message.GetMessageByUid', [msgs[0]!.uid])) as Record<string, unknown>
    expect((onChain.Receipt as { ExitCode: number }).ExitCode).toBe(0)
    const params = decodeProveReplicaUpdates3(Buffer.from(String(onChain.Params), 'base64'))
    expect(params.sectorUpdates[0]!.pieces.map((p) => p.verifiedAllocationKey)).toEqual([
      { client: clientId, id: allocationId },
    ])
    expect(BigInt(String(onChain.Value))).toBeGreaterThan(0n)
    const claims = (await rpc('Filecoin.StateGetClaims', [`t0${s.minerId}`, null])) as Record<
      string,
      { Sector: number }
    >
    expect(claims[String(allocationId)]?.Sector).toBe(a.Sector.ID.Number)
    // Half the sector verified: 1 KiB counts ten times.
    expect(BigInt(await power()) - qaBefore).toBeGreaterThanOrEqual(9n * 1024n - 1n)
    await s.mgr.stop()
    await s.mgr.store.close()
    await s.devnet.stop()
  }, 120_000)

  it('rejects proofs that do not match the allocation, and cancels a snap-up not yet sent', async () => {
    const s = await setup('snap-reject', { enabled: true, threshold: 5 }, 1)
    await fetchAll(s.call, s.devnet, s.minerId, 1)
    const a = (await s.call('Venus.AllocateSnapUpSector', [
      { Sector: { AllowedMiners: null } },
    ])) as Parameters<typeof workerSnap>[4]
    const id = a.Sector.ID
    const base = {
      CommR: Array.from({ length: 32 }, () => 1),
      CommD: Array.from({ length: 32 }, () => 2),
      Pieces: a.Pieces.map((p) => p.Piece.Cid),
      Proof: Buffer.alloc(192, 1).toString('base64'),
      AccessInstance: 'ps1',
    }
    const res = async (over: Record<string, unknown>) =>
      (await s.call('Venus.SubmitSnapUpProof', [id, { ...base, ...over }])) as { Res: number; Desc: string }
    expect((await res({ Pieces: [a.Pieces[0]!.Piece.Cid] })).Desc).toMatch(/not the allocated ones/)
    expect((await res({})).Desc).toMatch(/CommD is not the CommD of the pieces/)
    // The v0.1.2 manager's shape (CIDs instead of byte arrays) is read too.
    const commD = (await import('@venus-cluster/core')).commD(
      a.Pieces.map((p) => ({
        commP: cidToCommitment(p.Piece.Cid['/']).commitment,
        paddedSize: p.Piece.Size,
      })),
      2048,
    )
    const cids = {
      CommR: undefined,
      CommD: undefined,
      NewSealedCID: commitmentToCid(new Uint8Array(32).fill(1), 'commR').toString(),
      UnsealedCID: { '/': commitmentToCid(commD, 'commD').toString() },
    }
    expect((await res({ ...cids, Proof: Buffer.alloc(10).toString('base64') })).Desc).toMatch(/expected 192/)
    expect((await res({ ...cids })).Desc).toMatch(/invalid update proof/)
    expect((await res({ ...cids, AccessInstance: 'nowhere' })).Desc).toMatch(/not attached/)
    await expect(s.call('Venus.SubmitSnapUpProof', [id, { ...base, Pieces: ['not a cid'] }])).rejects.toThrow(
      /Pieces\[0\] must be a piece CID/,
    )

    // Cancelled before any message: the record goes offline as failed, the deal back to the market.
    await s.call('Venus.SnapUpCancelCommitment', [id])
    const st = await s.mgr.snapup.state({ miner: id.Miner, number: id.Number })
    expect([st?.state, st?.failure]).toEqual(['failed', 'cancelled by the operator'])
    await expect(s.call('Venus.SnapUpCancelCommitment', [id])).rejects.toThrow(/not known|not found/)
    await s.mgr.stop()
    await s.mgr.store.close()
    await s.devnet.stop()
  }, 120_000)
})
