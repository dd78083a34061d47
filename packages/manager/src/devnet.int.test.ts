import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createChainClient,
  createMessagerClient,
  decodePreCommitSectorBatch2,
  decodeProveCommitSectors3,
  httpTransport,
  MinerMethod,
  mockProofs,
} from '@venus-cluster/core'
import { createRpcServer } from '@venus-cluster/core/rpc'
import { createDevnet, lotusMethods, messagerMethods } from '@venus-cluster/devnet'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createDevnetMiner,
  devnetManagerViews,
  devnetRpc,
  mockPiecePipeline,
} from './__fixtures__/devnet-env.js'
import { allocate, type Call, type DrivenSector, stepSector } from './__fixtures__/worker-driver.js'
import { createSealerApi } from './api/index.js'
import { createManagerChain, createManagerMessager } from './chain-adapter.js'
import { defaultMinerConfig } from './config.js'
import { SectorManager } from './manager.js'
import { openSqliteStore } from './store/sqlite.js'

const _FIL = 10n ** 18n
const dir = mkdtempSync(join(tmpdir(), 'vsm-devnet-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const batchedGas = { pre: 0, prove: 0 }

describe('manager on the devnet with mock proofs', () => {
  it('takes 20 sectors of two miners to Landed proofs with batched precommits and aggregated proofs', async () => {
    const proofs = mockProofs()
    const devnet = createDevnet({ seed: 'manager-e2e', proofs })
    await devnet.start()
    const rpc = devnetRpc(devnet)
    const a = await createDevnetMiner(devnet)
    const b = await createDevnetMiner(devnet)
    const persist = join(dir, 'persist')
    const miners = [a, b].map(({ owner, minerId }) => {
      const m = defaultMinerConfig(minerId, owner)
      m.commitment.confidence = 2
      m.commitment.pre.batch = { ...m.commitment.pre.batch, enabled: true, threshold: 5 }
      m.commitment.prove.batch = { ...m.commitment.prove.batch, enabled: true, threshold: 5 }
      return m
    })
    const { chain, messager } = devnetManagerViews(devnet)
    expect((await chain.networkParams()).name).toBe('2k')
    const mgr = new SectorManager({
      store: await openSqliteStore({ path: join(dir, 'manager.db') }),
      chain,
      messager,
      config: { miners, persistStores: [{ name: 'ps1', path: persist }] },
      proofs,
      tickMs: 3_600_000,
    })
    await mgr.start()
    const api = createSealerApi(mgr)
    const call: Call = async (method, params) => (api[method] as (p: unknown[]) => unknown)(params)
    const prover = mockPiecePipeline(proofs, dir, () => undefined)
    const sectors: DrivenSector[] = []
    for (const { minerId } of [a, b]) {
      for (let i = 0; i < 10; i++) sectors.push((await allocate(call, [minerId])) as DrivenSector)
    }
    for (let round = 0; round < 200 && sectors.some((s) => s.stage !== 'done'); round++) {
      for (const s of sectors) await stepSector(call, s, 'ps1', persist, prover)
      await new Promise((r) => setTimeout(r, 5))
      await mgr.tick()
      await devnet.mine(1)
    }
    expect(sectors.filter((s) => s.stage !== 'done').map((s) => [s.id, s.stage])).toEqual([])

    // What landed on chain: per miner two PreCommitSectorBatch2 of 5 and two aggregated
    // ProveCommitSectors3 of 5, all exit code 0.
    const uids = (await mgr.store.listMessages()).map((m) => m.uid)
    const landed = await Promise.all(
      uids.map(async (uid) => (await rpc('Message.GetMessageByUid', [uid])) as Record<string, unknown>),
    )
    const gas: { pre: number[]; prove: number[] } = { pre: [], prove: [] }
    for (const { minerId } of [a, b]) {
      const mine = landed.filter((m) => m.To === `t0${minerId}`)
      const pre = mine.filter((m) => m.Method === MinerMethod.PreCommitSectorBatch2)
      const prove = mine.filter((m) => m.Method === MinerMethod.ProveCommitSectors3)
      expect(
        pre.map((m) => decodePreCommitSectorBatch2(Buffer.from(String(m.Params), 'base64')).sectors.length),
      ).toEqual([5, 5])
      const decoded = prove.map((m) => decodeProveCommitSectors3(Buffer.from(String(m.Params), 'base64')))
      expect(decoded.map((d) => [d.activations.length, d.aggregateProofType, d.sectorProofs.length])).toEqual(
        [
          [5, 1, 0],
          [5, 1, 0],
        ],
      )
      expect(decoded.flatMap((d) => d.activations.map((a) => a.sectorNumber)).sort((x, y) => x - y)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ])
      for (const m of mine) {
        expect((m.Receipt as { ExitCode: number }).ExitCode).toBe(0)
        const per = (m.Receipt as { GasUsed: number }).GasUsed / 5
        gas[m.Method === MinerMethod.PreCommitSectorBatch2 ? 'pre' : 'prove'].push(per)
      }
      for (let n = 1; n <= 10; n++) {
        expect(await chain.sectorInfo(minerId, n)).not.toBeNull()
      }
    }
    batchedGas.pre = gas.pre[0] ?? 0
    batchedGas.prove = gas.prove[0] ?? 0
    console.log('devnet gas per sector (batched by 5):', JSON.stringify(gas))
    await mgr.stop()
    await mgr.store.close()
    await devnet.stop()
  }, 120_000)

  it('sends one message per sector without batching, at a higher gas cost per sector', async () => {
    const proofs = mockProofs()
    const devnet = createDevnet({ seed: 'manager-single', proofs })
    await devnet.start()
    const rpc = devnetRpc(devnet)
    const a = await createDevnetMiner(devnet)
    const m = defaultMinerConfig(a.minerId, a.owner)
    m.commitment.confidence = 2
    const persist = join(dir, 'persist-single')
    const mgr = new SectorManager({
      store: await openSqliteStore({ path: ':memory:' }),
      ...devnetManagerViews(devnet),
      config: { miners: [m], persistStores: [{ name: 'ps1', path: persist }] },
      proofs,
      tickMs: 3_600_000,
    })
    await mgr.start()
    const api = createSealerApi(mgr)
    const call: Call = async (method, params) => (api[method] as (p: unknown[]) => unknown)(params)
    const prover = mockPiecePipeline(proofs, dir, () => undefined)
    const sectors: DrivenSector[] = []
    for (let i = 0; i < 3; i++) sectors.push((await allocate(call, [a.minerId])) as DrivenSector)
    for (let round = 0; round < 200 && sectors.some((s) => s.stage !== 'done'); round++) {
      for (const s of sectors) await stepSector(call, s, 'ps1', persist, prover)
      await new Promise((r) => setTimeout(r, 5))
      await mgr.tick()
      await devnet.mine(1)
    }
    expect(sectors.every((s) => s.stage === 'done')).toBe(true)
    const landed = await Promise.all(
      (await mgr.store.listMessages()).map(
        async (x) => (await rpc('Message.GetMessageByUid', [x.uid])) as Record<string, unknown>,
      ),
    )
    const gasOf = (method: number) =>
      landed.filter((x) => x.Method === method).map((x) => (x.Receipt as { GasUsed: number }).GasUsed)
    const pre = gasOf(MinerMethod.PreCommitSectorBatch2)
    const prove = gasOf(MinerMethod.ProveCommitSectors3)
    expect(pre.length).toBe(3)
    expect(prove.length).toBe(3)
    const single = { pre: pre[0] ?? 0, prove: prove[0] ?? 0 }
    console.log(
      'devnet gas per sector (single messages):',
      JSON.stringify(single),
      'batched:',
      JSON.stringify(batchedGas),
    )
    if (batchedGas.pre > 0) {
      expect(single.pre).toBeGreaterThan(batchedGas.pre)
      expect(single.prove).toBeGreaterThan(batchedGas.prove)
    }
    await mgr.stop()
    await mgr.store.close()
    await devnet.stop()
  }, 120_000)

  it('reads the devnet through Filecoin.* and Message.* over HTTP JSON-RPC', async () => {
    const devnet = createDevnet({ seed: 'manager-http', proofs: mockProofs() })
    await devnet.start()
    const a = await createDevnetMiner(devnet)
    const server = createRpcServer({
      methods: { ...lotusMethods(devnet), ...messagerMethods(devnet) },
      path: '/rpc/v1',
    })
    const { url } = await server.listen({ host: '127.0.0.1', port: 0 })
    try {
      const client = createChainClient(httpTransport(url))
      const chain = createManagerChain(client)
      const messager = createManagerMessager(createMessagerClient(httpTransport(url)))
      expect(await chain.networkParams()).toMatchObject({
        name: '2k',
        addressPrefix: 't',
        preCommitChallengeDelay: 10,
      })
      expect((await chain.head()).height).toBe(devnet.head().height)
      expect(await chain.minerInfo(a.minerId)).toMatchObject({ sectorSize: 2048 })
      expect(await chain.isSectorAllocated(a.minerId, 1)).toBe(false)
      expect(await chain.preCommitInfo(a.minerId, 1)).toBeNull()
      expect(
        (await chain.randomnessFromTickets({ dst: 5, epoch: 1, entropy: new Uint8Array([1]) })).length,
      ).toBe(32)
      expect(await messager.hasMessageByUid('nope')).toBe(false)
      await expect(createManagerChain(client, { network: 'nonsense' }).networkParams()).rejects.toMatchObject(
        {
          code: 'NETWORK_UNKNOWN',
        },
      )
      expect((await createManagerChain(client, { network: 'mainnet' }).networkParams()).addressPrefix).toBe(
        'f',
      )
    } finally {
      await server.close()
      await devnet.stop()
    }
  })
})
