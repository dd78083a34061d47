import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  commitmentToCid,
  createChainClient,
  createMessagerClient,
  createRpcClient,
  decodeProveReplicaUpdates3,
  localTransport,
  MinerMethod,
  mockProofs,
  silentLogger,
  WORKER_CONFIG_DEFAULTS,
} from '@venus-cluster/core'
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
import { afterAll, describe, expect, it } from 'vitest'
import { sectorPaths } from '../paths.js'
import { runStageOn } from '../processors.js'
import { emptySectorRecord, type SectorRecord } from '../record.js'
import { sealerClient } from '../sealer-client.js'
import { PlanRegistry } from './index.js'
import { snapUpPlan } from './snapup.js'
import type { StepContext } from './types.js'

const dir = mkdtempSync(join(tmpdir(), 'plan-snap-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const SECTORS = 3

async function env() {
  const proofs = mockProofs()
  const devnet = createDevnet({ seed: 'plan-snapup', proofs })
  await devnet.start()
  const { owner, minerId } = await devnet.createTestMiner()
  const persist = join(dir, 'persist')
  const numbers = Array.from({ length: SECTORS }, (_, i) => i + 1)
  injectSectors(devnet, `t0${minerId}`, await sealTestSectors(proofs, persist, minerId, numbers))
  await devnet.mine(1)
  const m = defaultMinerConfig(minerId, owner)
  m.commitment.confidence = 1
  m.deal.enabled = true
  const market = createMemoryMarket()
  const mgr = new SectorManager({
    store: await openSqliteStore({ path: ':memory:' }),
    chain: createManagerChain(createChainClient(devnetTransport(devnet))),
    messager: createManagerMessager(createMessagerClient(devnetTransport(devnet))),
    config: { miners: [m], persistStores: [{ name: 'ps1', path: persist }] },
    proofs,
    market,
    tickMs: 3_600_000,
    snapUpPolicy: () => ({
      batch: { enabled: true, threshold: SECTORS, maxWaitMs: 3_600_000 },
      minLifetimeEpochs: 100,
      finalityEpochs: 3,
    }),
  })
  for (const n of numbers)
    await mgr.store.setLocation({ miner: minerId, number: n }, 'normal', { sealed: 'ps1', cache: 'ps1' })
  await mgr.start()
  const manager = sealerClient(createRpcClient(localTransport(createSealerApi(mgr))))
  // Deal pieces: 1 KiB each, bytes a piece fetcher hands out by CID.
  const pieces = new Map<string, Uint8Array>()
  for (const n of numbers) {
    const raw = new Uint8Array(1016).fill(40 + n)
    const { piece } = await proofs.addPiece({
      proofType: 5,
      source: raw,
      unpaddedSize: 1016,
      stagedPath: join(dir, `probe-${n}`),
      existingPieceSizes: [],
    })
    const cid = commitmentToCid(piece.commP, 'commP').toString()
    pieces.set(cid, raw)
    market.publish(minerId, { id: n, pieceCid: cid, pieceSize: piece.paddedSize, payloadSize: 1016 })
  }
  /** The processor stages the plan's steps ran, in order. */
  const stages: string[] = []
  return { proofs, devnet, minerId, persist, mgr, manager, pieces, stages }
}

type Env = Awaited<ReturnType<typeof env>>

/** A thread's step context over its own store directory, the manager and the persist store. */
function context(e: Env, record: SectorRecord, location: string): StepContext {
  return {
    thread: { index: 0, location, instance: 'w1' },
    record,
    manager: e.manager,
    proofs: e.proofs,
    sealing: { ...WORKER_CONFIG_DEFAULTS.sealing, recoverIntervalMs: 1, enableDeals: true, maxDeals: 1 },
    stores: {
      attached: [{ name: 'ps1', location: e.persist, readonly: false }],
      freeSpace: async () => 2 ** 40,
    },
    pieceFetcher: async (cid) => {
      const raw = e.pieces.get(cid)
      if (raw === undefined) throw new Error(`no piece ${cid}`)
      return raw
    },
    staticTreeD: {},
    resubmitWaitMs: 1,
    log: silentLogger,
    signal: new AbortController().signal,
    paths: () => sectorPaths(location, record.base?.allocated.ID ?? { Miner: 0, Number: 0 }),
    withSlot: (_stage, fn) => fn(),
    withGpu: () => {
      throw new Error('the snapup plan takes GPU slots through its processor stages')
    },
    runStage: (stage, req) => {
      e.stages.push(stage)
      return runStageOn(e.proofs, stage, req)
    },
    checkpoint: async () => {},
    sleep: async () => {},
    pollWait: async () => {},
    throwIfInterrupted: () => {},
  }
}

/**
 * Runs a thread's task to its end, as the runtime does. Before each step is kept, the step runs
 * once on a copy of the record whose result is thrown away: a worker killed after the step's work
 * but before its record was saved, restarted from the record before the step.
 */
async function runThread(e: Env, location: string): Promise<{ record: SectorRecord; replays: number }> {
  let record = emptySectorRecord('snapup')
  let replays = 0
  for (let i = 0; i < 50 && record.state_name !== 'Finished'; i++) {
    const state = record.state_name
    const handler = snapUpPlan.steps[state]
    if (handler === undefined) throw new Error(`no handler for ${state}`)
    if (state !== 'Empty') {
      const crashed = structuredClone(record)
      await handler(context(e, crashed, location))
      replays++
    }
    const event = await handler(context(e, record, location))
    if (event === null) continue
    record = { ...record, state_name: snapUpPlan.next(state, event) }
  }
  return { record, replays }
}

describe('the snapup plan against the manager on the devnet (mock proofs)', () => {
  it('is a registered plan that asks AllocateSnapUpSector', () => {
    expect(new PlanRegistry().get('snapup')?.initial.asks).toBe('Venus.AllocateSnapUpSector')
    expect(snapUpPlan.stages).toEqual(['snap_encode', 'snap_prove'])
  })

  it('snaps deals into 3 CC sectors from 3 threads, each step replayed after a simulated crash, in one ProveReplicaUpdates3', async () => {
    const e = await env()
    await e.mgr.snapup.fetchCandidates(e.minerId)
    for (let i = 0; i < 50 && e.mgr.snapup.candidates.list(e.minerId).length < SECTORS; i++) {
      await e.devnet.mine(1)
      await e.mgr.snapup.fetchCandidates(e.minerId)
    }
    const done = await Promise.all(
      Array.from({ length: SECTORS }, (_, t) => runThread(e, mkdtempSync(join(dir, `thread-${t}-`)))),
    )
    expect(done.map((d) => d.record.state_name)).toEqual(['Finished', 'Finished', 'Finished'])
    // Allocated, PieceAdded, SnapEncoded, SnapProved, Persisted, PersistanceSubmitted, ProofSubmitted.
    expect(done.map((d) => d.replays)).toEqual([7, 7, 7])
    // Each encode and proof (the crashed try and the kept one) ran on the worker's processors.
    expect(e.stages.filter((s) => s === 'snap_encode')).toHaveLength(2 * SECTORS)
    expect(e.stages.filter((s) => s === 'snap_prove')).toHaveLength(2 * SECTORS)
    const numbers = done.map((d) => d.record.base!.allocated.ID.Number).sort()
    expect(numbers).toEqual([1, 2, 3])
    for (const n of numbers) {
      expect(existsSync(join(e.persist, 'update', `s-t0${e.minerId}-${n}`))).toBe(true)
      expect(existsSync(join(e.persist, 'update-cache', `s-t0${e.minerId}-${n}`, 'p_aux'))).toBe(true)
    }

    for (let i = 0; i < 40; i++) {
      await e.mgr.tick()
      await e.devnet.mine(1)
      const states = await Promise.all(
        numbers.map(async (n) => (await e.mgr.snapup.state({ miner: e.minerId, number: n }))?.state),
      )
      if (states.every((s) => s === 'done')) break
    }
    const msgs = (await e.mgr.store.listMessages()).filter((m) => m.kind === 'upgrade')
    expect(msgs).toHaveLength(1)
    const rpc = createRpcClient(devnetTransport(e.devnet))
    const onChain = await rpc.call<Record<string, unknown>>('Message.GetMessageByUid', [msgs[0]!.uid])
    expect(onChain.Method).toBe(MinerMethod.ProveReplicaUpdates3)
    expect((onChain.Receipt as { ExitCode: number }).ExitCode).toBe(0)
    const params = decodeProveReplicaUpdates3(Buffer.from(String(onChain.Params), 'base64'))
    expect(params.sectorUpdates.map((u) => u.sectorNumber).sort()).toEqual([1, 2, 3])
    for (const n of numbers) {
      expect((await e.mgr.snapup.state({ miner: e.minerId, number: n }))?.state).toBe('done')
      expect(existsSync(join(e.persist, 'sealed', `s-t0${e.minerId}-${n}`))).toBe(false)
    }
    await e.mgr.stop()
    await e.mgr.store.close()
    await e.devnet.stop()
  }, 120_000)
})
