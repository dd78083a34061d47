import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  decodePreCommitSectorBatch2,
  sectorIdFromWire as dom,
  idAddress,
  type ManagerConfigInit,
  MinerMethod,
  OnChainState,
  randomnessEntropy,
  SubmitResult,
  zeroCommitment,
} from '@venus-cluster/core'
import { afterEach, describe, expect, it } from 'vitest'
import {
  allocate,
  type Call,
  type DrivenSector,
  fakeProofs,
  stepSector,
  writePersistedFiles,
} from './__fixtures__/worker-driver.js'
import { createSealerApi } from './api/index.js'
import { defaultMinerConfig } from './config.js'
import { createFakeChain, type FakeChain } from './fake-chain.js'
import { SectorManager } from './manager.js'
import { openSqliteStore } from './store/sqlite.js'
import type { ManagerStore } from './store/types.js'

const dirs: string[] = []
const managers: SectorManager[] = []
afterEach(async () => {
  for (const m of managers.splice(0)) {
    await m.stop()
    await m.store.close()
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function config(persist: string, batch: { pre?: number; prove?: number } = {}): ManagerConfigInit {
  const miners = [1000, 2000].map((a) => {
    const m = defaultMinerConfig(a, `t0${a + 1}`)
    m.commitment.confidence = 2
    if (batch.pre !== undefined) {
      m.commitment.pre.batch = { ...m.commitment.pre.batch, enabled: true, threshold: batch.pre }
    }
    if (batch.prove !== undefined) {
      m.commitment.prove.batch = { ...m.commitment.prove.batch, enabled: true, threshold: batch.prove }
    }
    return m
  })
  return { miners, persistStores: [{ name: 'ps1', path: persist }] }
}

async function setup(
  opts: { batch?: { pre?: number; prove?: number }; store?: ManagerStore; chain?: FakeChain } = {},
): Promise<{ mgr: SectorManager; chain: FakeChain; call: Call; persist: string }> {
  const persist = mkdtempSync(join(tmpdir(), 'vsm-ps-'))
  dirs.push(persist)
  const chain = opts.chain ?? createFakeChain({ miners: { 1000: 2048, 2000: 2048 } })
  const store = opts.store ?? (await openSqliteStore({ path: ':memory:' }))
  const mgr = new SectorManager({
    store,
    chain,
    messager: chain,
    config: config(persist, opts.batch),
    proofs: fakeProofs,
    tickMs: 3_600_000,
  })
  managers.push(mgr)
  await mgr.start()
  const api = createSealerApi(mgr)
  const call: Call = async (method, params) => {
    const fn = api[method]
    if (!fn) throw new Error(`no method ${method}`)
    return fn(params)
  }
  return { mgr, chain, call, persist }
}

const settle = () => new Promise((r) => setTimeout(r, 5))

async function driveAll(
  call: Call,
  chain: FakeChain,
  mgr: SectorManager,
  sectors: DrivenSector[],
  persist: string,
  rounds = 400,
): Promise<void> {
  for (let round = 0; round < rounds && sectors.some((s) => s.stage !== 'done'); round++) {
    for (const s of sectors) await stepSector(call, s, 'ps1', persist)
    await settle()
    await mgr.tick()
    chain.advance(1)
  }
}

describe('SectorManager with a worker driving Venus.*', () => {
  it('takes 20 sectors of two miners to Landed proofs in precommit batches and aggregated proofs', async () => {
    const { mgr, chain, call, persist } = await setup({ batch: { pre: 5, prove: 5 } })
    const sectors: DrivenSector[] = []
    for (const miner of [1000, 2000]) {
      for (let i = 0; i < 10; i++) {
        const s = await allocate(call, [miner])
        if (!s) throw new Error('allocation returned null')
        sectors.push(s)
      }
    }
    expect(sectors.map((s) => s.id.Number)).toEqual(
      [...Array(10).keys(), ...Array(10).keys()].map((i) => i + 1),
    )
    await driveAll(call, chain, mgr, sectors, persist)
    expect(sectors.every((s) => s.stage === 'done')).toBe(true)
    const pre = chain.messages.filter((m) => m.msg.method === MinerMethod.PreCommitSectorBatch2)
    const prove = chain.messages.filter((m) => m.msg.method === MinerMethod.ProveCommitSectors3)
    expect(pre.map((m) => m.sectors.length)).toEqual([5, 5, 5, 5])
    expect(prove.map((m) => m.sectors.length)).toEqual([5, 5, 5, 5])
    expect(prove.every((m) => m.aggregated)).toBe(true)
    for (const miner of [1000, 2000]) {
      const mine = pre.filter((m) => m.msg.to === `t0${miner}`)
      expect(mine.flatMap((m) => m.sectors).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      expect(mine.every((m) => m.msg.from === `t0${miner + 1}`)).toBe(true)
      const infos = decodePreCommitSectorBatch2(mine[0]?.msg.params as Uint8Array).sectors
      expect(infos[0]?.sealProof).toBe(5)
      expect(mine[0]?.msg.value).toBe(5000n)
      expect(mine[0]?.spec.maxFee).toBe(5n * 20_000_000_000_000_000n)
    }
    expect(await mgr.store.listSectors(true)).toEqual([])
    const offline = await mgr.store.listSectors(false)
    expect(offline.length).toBe(20)
    expect(offline.every((s) => s.finalized && s.latestReport?.stateChange.next === 'done')).toBe(true)
    expect(await call('Venus.SectorIndexerFind', ['normal', { Miner: 1000, Number: 3 }])).toEqual({
      Found: true,
      Instance: { SealedFile: 'ps1', CacheDir: 'ps1' },
    })
  })

  it('sends one message per sector when batching is off and per-sector proofs below 4 sectors', async () => {
    const { mgr, chain, call, persist } = await setup({ batch: { prove: 2 } })
    const sectors = [
      (await allocate(call, [1000])) as DrivenSector,
      (await allocate(call, [1000])) as DrivenSector,
    ]
    await driveAll(call, chain, mgr, sectors, persist)
    expect(sectors.every((s) => s.stage === 'done')).toBe(true)
    const pre = chain.messages.filter((m) => m.msg.method === MinerMethod.PreCommitSectorBatch2)
    const prove = chain.messages.filter((m) => m.msg.method === MinerMethod.ProveCommitSectors3)
    expect(pre.map((m) => m.sectors.length)).toEqual([1, 1])
    expect(prove.map((m) => [m.sectors.length, m.aggregated])).toEqual([[2, false]])
  })
})

describe('SectorManager events', () => {
  it('tells allocation, state reports, batches sent and landed, and finalization as they happen', async () => {
    const { mgr, chain, call, persist } = await setup({ batch: { pre: 2, prove: 2 } })
    const events: string[] = []
    mgr.on('sector:allocated', (e) => events.push(`allocated ${e.sector.number}`))
    mgr.on('sector:state', (e) => events.push(`state ${e.sector.number} ${e.report.stateChange.next}`))
    mgr.on('sector:queued', (e) => events.push(`queued ${e.kind} ${e.sector.number}`))
    mgr.on('batch:sent', (e) => events.push(`sent ${e.kind} ${e.sectors.join(',')}`))
    mgr.on('batch:landed', (e) => events.push(`landed ${e.kind} ${e.sectors.join(',')}`))
    mgr.on('sector:finalized', (e) => events.push(`finalized ${e.sector.number}`))
    const sectors = [
      (await allocate(call, [1000])) as DrivenSector,
      (await allocate(call, [1000])) as DrivenSector,
    ]
    await driveAll(call, chain, mgr, sectors, persist)
    chain.advance(3)
    await mgr.tick()
    const seen = (prefix: string) => events.filter((e) => e.startsWith(prefix))
    expect(seen('allocated')).toEqual(['allocated 1', 'allocated 2'])
    expect(seen('queued')).toEqual(['queued pre 1', 'queued pre 2', 'queued prove 1', 'queued prove 2'])
    expect(seen('sent')).toEqual(['sent pre 1,2', 'sent prove 1,2'])
    expect(seen('landed')).toEqual(['landed pre 1,2', 'landed prove 1,2'])
    expect(seen('finalized').sort()).toEqual(['finalized 1', 'finalized 2'])
    expect(seen('state 1').at(-1)).toBe('state 1 done')
    // Each kind lands after it was sent, and a sector is finalized after its proof landed.
    expect(events.indexOf('landed pre 1,2')).toBeGreaterThan(events.indexOf('sent pre 1,2'))
    expect(events.indexOf('finalized 1')).toBeGreaterThan(events.indexOf('sent prove 1,2'))
  })
})

describe('allocation', () => {
  it('burns numbers the chain reports as allocated and hands out the next one', async () => {
    const { mgr, chain, call } = await setup()
    chain.allocate(1000, 1)
    chain.allocate(1000, 2)
    const s = await allocate(call, [1000])
    expect(s?.id).toEqual({ Miner: 1000, Number: 3 })
    const burnt = await mgr.store.listSectors(false)
    expect(burnt.map((b) => [b.id.number, b.abortReason])).toEqual([
      [1, 'sector number already allocated on chain'],
      [2, 'sector number already allocated on chain'],
    ])
  })

  it('honours AllowedMiners, AllowedProofTypes, MaxNumber and Enabled', async () => {
    const { mgr, call } = await setup()
    expect(await allocate(call, [3000])).toBeNull()
    expect(await call('Venus.AllocateSector', [{ AllowedMiners: null, AllowedProofTypes: [8] }])).toBeNull()
    const cfg = mgr.config
    mgr.setConfig({
      ...cfg,
      miners: cfg.miners.map((m) =>
        m.actor === 1000
          ? { ...m, sector: { ...m.sector, maxNumber: 1 } }
          : { ...m, sector: { ...m.sector, enabled: false } },
      ),
    })
    expect((await allocate(call, null))?.id).toEqual({ Miner: 1000, Number: 1 })
    expect(await allocate(call, null)).toBeNull()
  })

  it('fails with CHAIN_ERROR and keeps the number burnt when the chain is down', async () => {
    const { mgr, chain, call } = await setup()
    await mgr.networkParams()
    await allocate(call, [1000]) // caches miner info
    chain.failing = true
    await expect(allocate(call, [1000])).rejects.toMatchObject({ code: 'CHAIN_ERROR' })
    chain.failing = false
    expect((await allocate(call, [1000]))?.id.Number).toBe(3)
  })
})

describe('randomness', () => {
  it('draws the ticket at head - 900 with the miner entropy and the seed after the challenge delay', async () => {
    const { chain, call, mgr } = await setup()
    const s = (await allocate(call, [1000])) as DrivenSector
    const t = (await call('Venus.AssignTicket', [s.id])) as { Ticket: string; Epoch: number }
    expect(t.Epoch).toBe(1000 - 900)
    const want = await chain.randomnessFromTickets({
      dst: 5,
      epoch: 100,
      entropy: randomnessEntropy(idAddress(1000)),
    })
    expect(t.Ticket).toBe(Buffer.from(want).toString('base64'))
    expect(randomnessEntropy(idAddress(1000))).toEqual(Uint8Array.of(0x43, 0x00, 0xe8, 0x07))
    s.ticket = t
    s.stage = 'precommit'
    await stepSector(call, s, 'ps1', '/nonexistent')
    await settle()
    chain.advance(1) // precommit lands at 1001
    const w = (await call('Venus.WaitSeed', [s.id])) as { ShouldWait: boolean; Delay: number; Seed: null }
    expect(w).toEqual({ ShouldWait: true, Delay: (1001 + 10 + 6 - 1001) * 4, Seed: null })
    chain.advance(16)
    const got = (await call('Venus.WaitSeed', [s.id])) as { Seed: { Epoch: number } }
    expect(got.Seed.Epoch).toBe(1011)
    expect((await mgr.store.getSector(dom(s.id)))?.state.seed?.epoch).toBe(1011)
  })
})

describe('SubmitPreCommit checks', () => {
  async function ready() {
    const env = await setup({ batch: { pre: 100 } })
    const s = (await allocate(env.call, [1000])) as DrivenSector
    s.ticket = (await env.call('Venus.AssignTicket', [s.id])) as { Ticket: string; Epoch: number }
    const info = { CommR: s.commR, CommD: [...zeroCommitment(2048)], Ticket: s.ticket, Deals: [] }
    const submit = (i: unknown, reset = false) =>
      env.call('Venus.SubmitPreCommit', [{ ID: s.id, ProofType: 5 }, i, reset]) as Promise<{
        Res: number
        Desc: string | null
      }>
    return { ...env, s, info, submit }
  }

  it('accepts an identical resubmission without queueing twice and flags a different one', async () => {
    const { submit, info, mgr } = await ready()
    expect((await submit(info)).Res).toBe(SubmitResult.Accepted)
    expect((await submit(info)).Res).toBe(SubmitResult.Accepted)
    expect((await mgr.store.listQueue('pre')).length).toBe(1)
    const other = { ...info, CommR: [...info.CommR.slice(0, 31), 1] }
    expect((await submit(other)).Res).toBe(SubmitResult.MismatchedSubmission)
    expect((await submit(other, true)).Res).toBe(SubmitResult.Accepted)
    expect((await mgr.store.listQueue('pre')).length).toBe(1)
  })

  it('rejects a foreign ticket, a wrong CommD, deal ids and an expired ticket', async () => {
    const { submit, info, chain, s, mgr } = await ready()
    const otherTicket = { Ticket: Buffer.alloc(32, 7).toString('base64'), Epoch: info.Ticket?.Epoch }
    expect((await submit({ ...info, Ticket: otherTicket })).Desc).toMatch(/ticket/)
    expect((await submit({ ...info, CommD: Array(32).fill(1) })).Desc).toMatch(/CommD/)
    expect((await submit({ ...info, Deals: [7] })).Desc).toMatch(/deal/)
    chain.advance(4000)
    expect((await submit(info)).Desc).toMatch(/expired/)
    expect((await mgr.store.getSector(dom(s.id)))?.state.preCommit).toBeNull()
    expect(await mgr.store.listQueue('pre')).toEqual([])
  })

  it('reports Failed when the precommit message fails on chain', async () => {
    const { submit, info, chain, s, call, mgr } = await ready()
    expect((await submit(info)).Res).toBe(SubmitResult.Accepted)
    await mgr.tick()
    chain.allocate(1000, s.id.Number)
    mgr.setConfig({
      ...mgr.config,
      miners: mgr.config.miners.map((m) => ({
        ...m,
        commitment: {
          ...m.commitment,
          pre: { ...m.commitment.pre, batch: { ...m.commitment.pre.batch, enabled: false } },
        },
      })),
    })
    await mgr.tick()
    expect(await call('Venus.PollPreCommitState', [s.id])).toEqual({
      State: OnChainState.Pending,
      Desc: null,
    })
    chain.advance(1)
    expect(await call('Venus.PollPreCommitState', [s.id])).toEqual({ State: OnChainState.Packed, Desc: null })
    chain.advance(2)
    expect(await call('Venus.PollPreCommitState', [s.id])).toEqual({
      State: OnChainState.Failed,
      Desc: 'exit code 16',
    })
  })
})

describe('restart', () => {
  it('re-queues unsent work from the store after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vsm-restart-'))
    dirs.push(dir)
    const path = join(dir, 'm.db')
    const chain = createFakeChain({ miners: { 1000: 2048, 2000: 2048 } })
    const a = await setup({ batch: { pre: 3 }, store: await openSqliteStore({ path }), chain })
    const sectors = [
      (await allocate(a.call, [1000])) as DrivenSector,
      (await allocate(a.call, [1000])) as DrivenSector,
    ]
    for (const s of sectors) {
      await stepSector(a.call, s, 'ps1', a.persist)
      await stepSector(a.call, s, 'ps1', a.persist)
    }
    await settle()
    expect(chain.messages).toEqual([])
    await a.mgr.stop()
    await a.mgr.store.close()
    managers.splice(managers.indexOf(a.mgr), 1)
    const b = await setup({ batch: { pre: 2 }, store: await openSqliteStore({ path }), chain })
    await settle()
    expect(chain.messages.map((m) => m.sectors.length === 0)).toEqual([true])
    chain.advance(1)
    expect(chain.messages[0]?.sectors).toEqual([1, 2])
    expect((await b.call('Venus.PollPreCommitState', [sectors[0]?.id])) as unknown).toEqual({
      State: OnChainState.Packed,
      Desc: null,
    })
  })
})

describe('CLI-side methods', () => {
  it('answers SectorIndexerFind, CheckProvable and ProvingSectorInfo from the index and the chain', async () => {
    const { mgr, chain, call, persist } = await setup({ batch: { pre: 1, prove: 1 } })
    const s = (await allocate(call, [1000])) as DrivenSector
    await driveAll(call, chain, mgr, [s], persist)
    expect(s.stage).toBe('done')
    expect(await call('Venus.SectorIndexerFind', ['normal', s.id])).toEqual({
      Found: true,
      Instance: { SealedFile: 'ps1', CacheDir: 'ps1' },
    })
    expect(await call('Venus.SectorIndexerFind', ['upgrade', s.id])).toMatchObject({ Found: false })
    const sectors = [
      { SealProof: 5, SectorNumber: 1, SectorKey: null, SealedCID: null },
      { SealProof: 5, SectorNumber: 2, SectorKey: null, SealedCID: null },
    ]
    expect(await call('Venus.CheckProvable', [1000, sectors, false])).toEqual({
      '2': 'sector not found in the sector index',
    })
    rmSync(join(persist, 'cache', 's-t01000-1', 'p_aux'))
    expect(await call('Venus.CheckProvable', [1000, sectors.slice(0, 1), false])).toEqual({
      '1': 'cache file p_aux missing',
    })
    const info = (await call('Venus.ProvingSectorInfo', [s.id])) as {
      OnChain: { SectorNumber: number }
      Private: { Accesses: { SealedFile: string }; SealedSectorURI: string }
    }
    expect(info.OnChain.SectorNumber).toBe(1)
    expect(info.Private.Accesses.SealedFile).toBe('ps1')
    expect(info.Private.SealedSectorURI).toBe(`${persist}/sealed/s-t01000-1`)
    await expect(call('Venus.ProvingSectorInfo', [{ Miner: 1000, Number: 9 }])).rejects.toMatchObject({
      code: 'SECTOR_NOT_FOUND',
    })
  })

  it('restores only aborted records without force, and everything with force', async () => {
    const { call, mgr } = await setup()
    const a = (await allocate(call, [1000])) as DrivenSector
    const b = (await allocate(call, [1000])) as DrivenSector
    await call('Venus.ReportAborted', [a.id, 'bad disk'])
    await call('Venus.ReportFinalized', [b.id])
    await call('Venus.ReportFinalized', [b.id]) // idempotent
    expect((await mgr.store.getSector(dom(a.id)))?.state.abortReason).toBe('bad disk')
    await expect(call('Venus.RestoreSector', [b.id, false])).rejects.toMatchObject({
      code: 'SECTOR_STATE_INVALID',
    })
    expect(await call('Venus.RestoreSector', [a.id, false])).toBeNull()
    expect(await call('Venus.RestoreSector', [b.id, true])).toBeNull()
    expect(((await call('Venus.ListSectors', ['online'])) as unknown[]).length).toBe(2)
    expect(await call('Venus.TerminateSector', [a.id])).toMatchObject({ Res: SubmitResult.Rejected })
  })

  it('rejects SubmitPersisted for unknown stores and missing files', async () => {
    const { call, persist } = await setup()
    const s = (await allocate(call, [1000])) as DrivenSector
    await expect(call('Venus.SubmitPersisted', [s.id, 'nope'])).rejects.toMatchObject({
      code: 'PERSIST_STORE_UNKNOWN',
    })
    expect(await call('Venus.SubmitPersisted', [s.id, 'ps1'])).toBe(false)
    writePersistedFiles(persist, 1000, s.id.Number, 1024)
    expect(await call('Venus.SubmitPersisted', [s.id, 'ps1'])).toBe(false)
    writePersistedFiles(persist, 1000, s.id.Number)
    expect(await call('Venus.SubmitPersisted', [s.id, 'ps1'])).toBe(true)
  })
})

describe('SectorManager.removeSector and Venus.FindSector', () => {
  it('deletes the files of an offline sector that is not on chain, once, and refuses the others', async () => {
    const { mgr, chain, call, persist } = await setup()
    // A sector aborted after its files were persisted: offline, never on chain.
    const gone = { Miner: 1000, Number: 1 }
    await mgr.store.allocateSector(1000, { initNumber: 0 }, 5)
    const name = 's-t01000-1'
    mkdirSync(join(persist, 'sealed'), { recursive: true })
    mkdirSync(join(persist, 'cache', name), { recursive: true })
    writeFileSync(join(persist, 'sealed', name), 'x')
    writeFileSync(join(persist, 'cache', name, 'p_aux'), 'x')
    await mgr.store.setLocation(dom(gone), 'normal', { sealed: 'ps1', cache: 'ps1' })
    expect(await call('Venus.FindSector', ['online', gone])).toMatchObject({ ID: gone })
    await expect(call('Venus.RemoveSector', [gone])).rejects.toThrow(/still being sealed; abort it/)
    await mgr.store.finalizeSector(dom(gone), (st) => ({ ...st, abortReason: 'test' }))
    expect(await call('Venus.FindSector', ['online', gone])).toBeNull()

    expect(await mgr.removeSector(dom(gone))).toEqual([
      join(persist, 'sealed', name),
      join(persist, 'cache', name),
    ])
    expect(existsSync(join(persist, 'sealed', name)) || existsSync(join(persist, 'cache', name))).toBe(false)
    expect(await call('Venus.FindSector', ['offline', gone])).toMatchObject({
      Removed: true,
      AbortReason: 'test',
    })
    expect(await call('Venus.SectorIndexerFind', ['normal', gone])).toMatchObject({ Found: false })
    expect(await mgr.removeSector(dom(gone))).toEqual([])
    const elsewhere = { Miner: 1000, Number: 2 }
    await mgr.store.allocateSector(1000, { initNumber: 0 }, 5)
    await mgr.store.setLocation(dom(elsewhere), 'normal', { sealed: 'detached', cache: 'detached' })
    await mgr.store.finalizeSector(dom(elsewhere), (st) => ({ ...st, abortReason: 'test' }))
    await expect(mgr.removeSector(dom(elsewhere))).rejects.toMatchObject({ code: 'PERSIST_STORE_UNKNOWN' })

    // A sector live on chain keeps its files.
    const live = (await allocate(call, [1000])) as DrivenSector
    await driveAll(call, chain, mgr, [live], persist)
    await expect(mgr.removeSector(dom(live.id))).rejects.toThrow(/is live on chain until epoch \d+/)
    expect(existsSync(join(persist, 'sealed', `s-t01000-${live.id.Number}`))).toBe(true)
    await expect(call('Venus.RemoveSector', [{ Miner: 1000, Number: 99 }])).rejects.toMatchObject({
      code: 'SECTOR_NOT_FOUND',
    })
    await expect(call('Venus.FindSector', ['somewhere', gone])).rejects.toThrow(/params\[0\]/)
  })
})
