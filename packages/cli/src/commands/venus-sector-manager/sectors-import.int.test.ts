// Moving in from lotus-miner as an operator does it: a fake lotus-miner served on loopback (104
// sectors: 100 proving, in-flight ones, conflicts) whose proving sectors are on the devnet with
// their replicas in a lotus storage path; `util sealer sectors import` as a dry run, then for
// real; then WindowPoSt on the devnet proves the imported sectors from the attached store, and
// new numbers do not collide with imported ones.
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createChainClient,
  createMessagerClient,
  customTransport,
  mockProofs,
  runsToNumbers,
  SectorFileType,
} from '@venus-cluster/core'
import {
  createDevnet,
  devnetParamsShortPeriod,
  devnetTransport,
  type ServedDevnet,
  serveDevnet,
} from '@venus-cluster/devnet'
import {
  type FakeLotusMiner,
  injectPreCommits,
  lotusSectorInfo,
  sealTestSectors,
  serveFakeLotusMiner,
  writeLotusStorageMeta,
} from '@venus-cluster/devnet/testing'
import {
  createManagerChain,
  createManagerMessager,
  createServiceContext,
  defaultMinerConfig,
  openSqliteStore,
  SectorAllocator,
} from '@venus-cluster/manager'
import {
  onAnyWindowPoStEvent,
  type PosterDeadlineResult,
  postResultListener,
  storesLocator,
  windowPoStService,
} from '@venus-cluster/poster'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedManagerCfg } from '../../__fixtures__/served-miner.js'
import { vsmCli } from '../../__fixtures__/vsm-cli.js'

const proofs = mockProofs()
const devnet = createDevnet({ seed: 'cli-import-lotus', proofs, params: devnetParamsShortPeriod(6) })
const chain = createChainClient(customTransport(devnetTransport(devnet)))
const PROVING = Array.from({ length: 100 }, (_, i) => i + 1)
const STORE_ID = '7a2d4c1e-lotus-store-a'
let served: ServedDevnet
let lotus: FakeLotusMiner
let home: string
let storeA: string
let minerId: number
let miner: string
let owner: string

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'vsm-import-home-'))
  storeA = mkdtempSync(join(tmpdir(), 'vsm-import-lotus-'))
  const who = await devnet.createTestMiner({ windowPoStProofType: 10, funds: 100n * 10n ** 18n })
  ;({ minerId, miner, owner } = who)
  await writeLotusStorageMeta(storeA, { ID: STORE_ID, Weight: 10, CanSeal: true, CanStore: true })
  // 1–100 proving; 101 precommitted and waiting for its seed; 104 proving but left out of the
  // storage index; 103 claimed proving by lotus and not on chain.
  const sealed = await sealTestSectors(proofs, storeA, minerId, [...PROVING, 101, 103, 104])
  const cid = (n: number) => sealed.find((s) => s.sectorNumber === n)?.sealedCid as string
  devnet.injectSectors(
    miner,
    sealed.filter((s) => s.sectorNumber <= 100 || s.sectorNumber === 104),
  )
  await devnet.mine(1)
  injectPreCommits(devnet, miner, [{ sectorNumber: 101, sealedCid: cid(101) }])
  await devnet.mine(1)
  const commD = 'baga6ea4seaqdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy'
  const onChain = await chain.stateMinerSectors(miner, null)
  const expiration = (n: number) => onChain.find((s) => s.SectorNumber === n)?.Expiration ?? 0
  const sectors = [
    ...PROVING.map((n) =>
      lotusSectorInfo({
        number: n,
        state: n % 10 === 0 ? 'Available' : 'Proving',
        commR: cid(n),
        commD,
        ticketEpoch: 1,
        seedEpoch: 2,
        expiration: expiration(n),
      }),
    ),
    lotusSectorInfo({ number: 101, state: 'WaitSeed', commR: cid(101), commD, ticketEpoch: 1, proof: null }),
    lotusSectorInfo({ number: 102, state: 'PreCommit1', ticketEpoch: 1, proof: null }),
    lotusSectorInfo({ number: 103, state: 'Proving', commR: cid(103), commD, ticketEpoch: 1, seedEpoch: 2 }),
    lotusSectorInfo({ number: 104, state: 'Proving', commR: cid(104), commD, ticketEpoch: 1, seedEpoch: 2 }),
    lotusSectorInfo({ number: 105, state: 'Removed', commR: cid(1), commD, ticketEpoch: 1 }),
  ]
  const both = SectorFileType.Sealed | SectorFileType.Cache
  lotus = await serveFakeLotusMiner({
    minerId,
    sectorSize: 2048,
    sectors,
    storage: [
      {
        id: STORE_ID,
        path: storeA,
        sectors: [...PROVING, 101, 103].map((number) => ({ number, types: both })),
      },
    ],
  })
  served = await serveDevnet(devnet, { noAuth: true })
  await writeFile(
    join(home, 'sector-manager.cfg'),
    seedManagerCfg({ minerId, api: `http://${served.host}:${served.port}/rpc/v1`, sender: owner }),
  )
}, 120_000)

afterAll(async () => {
  await lotus?.close()
  await served?.close()
  await devnet.stop()
  rmSync(home, { recursive: true, force: true })
  rmSync(storeA, { recursive: true, force: true })
})

const importArgs = (...extra: string[]) => [
  '--home',
  home,
  'util',
  'sealer',
  'sectors',
  'import',
  '--from',
  'lotus-miner',
  '--api',
  lotus.multiaddr,
  '--token',
  lotus.adminToken,
  ...extra,
]

describe('util sealer sectors import --from lotus-miner', () => {
  it('refuses a token without admin permission, naming the storage call', async () => {
    const r = await vsmCli([
      '--home',
      home,
      'util',
      'sealer',
      'sectors',
      'import',
      '--api',
      lotus.url,
      '--token',
      lotus.readToken,
    ])
    expect(r.code).not.toBe(0)
    expect(r.err).toMatch(/StorageList/)
    expect(r.err).not.toMatch(/\n\s+at /)
  })

  it('reports what it would import and every conflict, writing nothing', async () => {
    const r = await vsmCli(importArgs())
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out).toContain('would import 100 proven sector(s), would take over 1 in flight, skip 4')
    expect(r.out).toMatch(
      new RegExp(
        `m-${minerId}-n-101\\tWaitSeed\\ttake-over\\tprecommitted at epoch \\d+: resumes from WaitSeed`,
      ),
    )
    expect(r.out).toMatch(
      new RegExp(`m-${minerId}-n-102\\tPreCommit1\\tskip \\(refused\\)\\tPreCommit1: not precommitted yet`),
    )
    expect(r.out).toMatch(new RegExp(`m-${minerId}-n-103\\tProving\\tskip \\(chain\\)\\tno live sector`))
    expect(r.out).toMatch(
      new RegExp(
        `m-${minerId}-n-104\\tProving\\tskip \\(files-missing\\)\\tno sealed file in the storage index`,
      ),
    )
    expect(r.out).toMatch(
      new RegExp(`m-${minerId}-n-105\\tRemoved\\tskip \\(refused\\)\\tRemoved: terminated or removed`),
    )
    expect(r.out).toContain(`Name = "${STORE_ID}"`)
    expect(r.out).toContain('dry run: nothing was written')
    const store = await openSqliteStore({ path: join(home, 'manager.db') })
    try {
      expect(await store.listSectors(false)).toEqual([])
      expect(await store.lastNumber(minerId)).toBeUndefined()
    } finally {
      await store.close()
    }
  })

  it('imports with --really-do-it; WindowPoSt proves the imported sectors and new numbers start above them', async () => {
    const r = await vsmCli(importArgs('--really-do-it', '--json'))
    expect(r.err).toBe('')
    const done = JSON.parse(r.out) as { counts: { import: number; takeOver: number }; applied: boolean }
    expect(done).toMatchObject({ applied: true, counts: { import: 100, takeOver: 1, skip: 4 } })

    const store = await openSqliteStore({ path: join(home, 'manager.db') })
    try {
      const offline = await store.listSectors(false)
      expect(offline.map((s) => s.id.number)).toEqual(PROVING)
      expect(offline.every((s) => s.finalized && s.imported === true && s.proof !== null)).toBe(true)
      expect(await store.findLocation({ miner: minerId, number: 7 }, 'normal')).toEqual({
        sealed: STORE_ID,
        cache: STORE_ID,
      })
      const [online] = await store.listSectors(true)
      expect(online?.id.number).toBe(101)
      expect(online?.preCommit?.commR).toBeDefined()
      expect(online?.messages).toEqual({ preCommit: null, proveCommit: null, needSend: false })
      // A second run finds every sector known.
      const again = await vsmCli(importArgs())
      expect(again.out).toContain('would import 0 proven sector(s), would take over 0 in flight, skip 105')

      // The manager hands out numbers above every number lotus knows and the chain allocated.
      expect(await store.lastNumber(minerId)).toBe(105)
      const ctx = createServiceContext({
        store,
        chain: createManagerChain(chain),
        messager: createManagerMessager(createMessagerClient(customTransport(devnetTransport(devnet)))),
        config: { miners: [defaultMinerConfig(minerId, owner)] },
      })
      const got = await new SectorAllocator(ctx).allocate({ allowedMiners: null, allowedProofTypes: null })
      expect(got?.id.number).toBe(106)
      const allocated = runsToNumbers(await chain.stateMinerAllocated(miner))
      expect(allocated).not.toContain(106)
    } finally {
      await store.close()
    }

    // The poster as `daemon run --poster` wires it: the persist stores the import printed.
    const results: PosterDeadlineResult[] = []
    const poster = windowPoStService({
      chain,
      proofs,
      locate: storesLocator([storeA]),
      miners: [{ miner, config: { challengeConfidence: 1, submitConfidence: 1 } }],
    })
    onAnyWindowPoStEvent(
      poster.events,
      postResultListener((x) => results.push(x)),
    )
    await poster.start()
    try {
      const di = await chain.stateMinerProvingDeadline(miner)
      const end = di.PeriodStart + 2 * di.WPoStProvingPeriod
      while (devnet.head().height < end) {
        const ts = await devnet.mine(1)
        await Promise.all(poster.schedulers.map((s) => s.settled(ts.height)))
      }
    } finally {
      await poster.stop()
    }
    const proven = results.filter((x) => x.partitions > 0)
    expect(proven.length).toBeGreaterThan(0)
    expect(results.every((x) => x.ok && (x.skipped ?? 0) === 0)).toBe(true)
    expect(runsToNumbers(await chain.stateMinerFaults(miner))).toEqual([])
    // Every deadline holding imported sectors was proven.
    const holding = new Set<number>()
    for (let dl = 0; dl < 48; dl++) {
      const parts = await chain.stateMinerPartitions(miner, dl)
      if (parts.some((p) => runsToNumbers(p.AllSectors).length > 0)) holding.add(dl)
    }
    expect(new Set(proven.map((x) => x.deadline))).toEqual(holding)
  }, 180_000)

  it('exports the records in damocles export-json lines, which import-json reads back into another manager', async () => {
    const out = await vsmCli(['--home', home, 'util', 'sealer', 'sectors', 'export-json', '--all'])
    expect(out.err).toBe('')
    const lines = out.out.trim().split('\n')
    // 100 proven, 101 taken over, 106 allocated since.
    expect(lines.length).toBe(102)
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      ID: { Miner: minerId, Number: 1 },
      Finalized: true,
      Imported: true,
    })
    const other = mkdtempSync(join(tmpdir(), 'vsm-import-other-'))
    try {
      await writeFile(join(other, 'sectors.json'), out.out)
      await writeFile(
        join(other, 'sector-manager.cfg'),
        seedManagerCfg({ minerId, api: `http://${served.host}:${served.port}/rpc/v1`, sender: owner }),
      )
      const r = await vsmCli([
        '--home',
        other,
        'util',
        'sealer',
        'sectors',
        'import-json',
        join(other, 'sectors.json'),
      ])
      expect(r.err).toBe('')
      // The proven ones import (files not located: damocles records do not say); 101 is in
      // flight with its precommit on chain, 106 not precommitted yet.
      expect(r.out).toContain('would import 100 proven sector(s), would take over 2 in flight, skip 0')
    } finally {
      rmSync(other, { recursive: true, force: true })
    }
  })

  it('names the file and key of a bad sectorstore.json', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'vsm-import-bad-'))
    try {
      await writeFile(join(bad, 'sectorstore.json'), '{"Weight": 1}')
      const r = await vsmCli(['--home', home, 'util', 'storage', 'attach', bad])
      expect(r.code).not.toBe(0)
      expect(r.err).toContain(`${join(bad, 'sectorstore.json')}: key ID: not a storage id`)
      unlinkSync(join(bad, 'sectorstore.json'))
    } finally {
      rmSync(bad, { recursive: true, force: true })
    }
  })
})
