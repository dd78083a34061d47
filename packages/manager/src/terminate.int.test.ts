import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeTerminateSectors, mockProofs, SubmitResult, sectorIdFromWire } from '@venus-cluster/core'
import { createDevnet } from '@venus-cluster/devnet'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createDevnetMiner,
  devnetManagerViews,
  devnetRpc,
  mockPiecePipeline,
} from './__fixtures__/devnet-env.js'
import { allocate, type Call, type DrivenSector, stepSector } from './__fixtures__/worker-driver.js'
import { createSealerApi, type WireTerminateInfo } from './api/index.js'
import { defaultMinerConfig } from './config.js'
import { SectorManager } from './manager.js'
import { openSqliteStore } from './store/sqlite.js'

const dir = mkdtempSync(join(tmpdir(), 'vsm-term-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('TerminateSector on the devnet', () => {
  it('terminates a finalized active sector with a TerminateSectors message at its deadline and partition', async () => {
    const proofs = mockProofs()
    const devnet = createDevnet({ seed: 'manager-terminate', proofs })
    await devnet.start()
    const rpc = devnetRpc(devnet)
    const { owner, minerId } = await createDevnetMiner(devnet)
    const m = defaultMinerConfig(minerId, owner)
    m.commitment.confidence = 2
    const persist = join(dir, 'persist')
    const { chain, messager } = devnetManagerViews(devnet)
    const mgr = new SectorManager({
      store: await openSqliteStore({ path: join(dir, 'm.db') }),
      chain,
      messager,
      config: { miners: [m], persistStores: [{ name: 'ps1', path: persist }] },
      proofs,
      tickMs: 3_600_000,
    })
    await mgr.start()
    const api = createSealerApi(mgr)
    const call: Call = async (method, params) => (api[method] as (p: unknown[]) => unknown)(params)
    const prover = mockPiecePipeline(proofs, dir, () => undefined)
    const sectors = [
      (await allocate(call, [minerId])) as DrivenSector,
      (await allocate(call, [minerId])) as DrivenSector,
    ]
    for (let round = 0; round < 200 && sectors.some((s) => s.stage !== 'done'); round++) {
      for (const s of sectors) await stepSector(call, s, 'ps1', persist, prover)
      await mgr.tick()
      await devnet.mine(1)
    }
    const [victim, keeper] = sectors as [DrivenSector, DrivenSector]
    expect(sectors.map((s) => s.stage)).toEqual(['done', 'done'])
    expect(await chain.sectorInfo(minerId, victim.id.Number)).not.toBeNull()

    // Not allocated → unknown; a sector still sealing → Rejected.
    await expect(call('Venus.TerminateSector', [{ Miner: minerId, Number: 99 }])).rejects.toMatchObject({
      code: 'SECTOR_NOT_FOUND',
    })
    const sealing = (await allocate(call, [minerId])) as DrivenSector
    expect(await call('Venus.TerminateSector', [sealing.id])).toMatchObject({ Res: SubmitResult.Rejected })

    const where = (await rpc('Filecoin.StateSectorPartition', [`t0${minerId}`, victim.id.Number, null])) as {
      Deadline: number
      Partition: number
    }
    expect(await call('Venus.TerminateSector', [victim.id])).toEqual({
      Res: SubmitResult.Accepted,
      Desc: null,
    })
    expect(await call('Venus.TerminateSector', [victim.id])).toMatchObject({
      Res: SubmitResult.DuplicateSubmit,
    })
    let info = (await call('Venus.PollTerminateSectorState', [victim.id])) as WireTerminateInfo
    expect(info.AddedHeight).toBeGreaterThan(0)
    // The sector's deadline may be immutable for a while; the manager waits and sends later.
    for (let round = 0; round < 400 && info.TerminatedAt === 0; round++) {
      await mgr.tick()
      await devnet.mine(1)
      info = (await call('Venus.PollTerminateSectorState', [victim.id])) as WireTerminateInfo
    }
    expect(info.TerminateCid).not.toBeNull()
    expect(info.TerminatedAt).toBeGreaterThan(info.AddedHeight)
    expect(await chain.sectorInfo(minerId, victim.id.Number)).toBeNull()
    expect(await chain.sectorInfo(minerId, keeper.id.Number)).not.toBeNull()

    const msg = (await rpc('Message.GetMessageByUid', [info.TerminateCid?.['/']])) as Record<string, unknown>
    expect(msg.Method).toBe(9)
    expect((msg.Receipt as { ExitCode: number }).ExitCode).toBe(0)
    const entries = decodeTerminateSectors(Buffer.from(String(msg.Params), 'base64')).entries
    expect(entries).toEqual([
      { deadline: where.Deadline, partition: where.Partition, sectors: [victim.id.Number] },
    ])
    // Settled: offline again, listed with its termination.
    const got = await mgr.store.getSector(sectorIdFromWire(victim.id))
    expect(got?.online).toBe(false)
    expect(got?.state.termination?.terminatedAt).toBe(info.TerminatedAt)

    await mgr.stop()
    await mgr.store.close()
    await devnet.stop()
  }, 120_000)
})
