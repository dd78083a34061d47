import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs } from '@venus-cluster/core'
import { createDevnet, type Devnet } from '@venus-cluster/devnet'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createDevnetMiner,
  devnetManagerViews,
  devnetRpc,
  mockPiecePipeline,
} from './__fixtures__/devnet-env.js'
import { allocate, type Call, type DrivenSector, stepSector } from './__fixtures__/worker-driver.js'
import { createSealerApi } from './api/index.js'
import { defaultMinerConfig } from './config.js'
import { SectorManager } from './manager.js'
import { openSqliteStore } from './store/sqlite.js'
import type { StoreSpaceFn } from './stores/index.js'

const FIL = 10n ** 18n
const dir = mkdtempSync(join(tmpdir(), 'vsm-operator-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Env {
  devnet: Devnet
  mgr: SectorManager
  call: Call
  rpc: ReturnType<typeof devnetRpc>
  minerId: number
  owner: string
  persist: string
  drive(s: DrivenSector, until: (s: DrivenSector) => boolean): Promise<void>
  /** One step of the sector, without a tick of the manager or a new epoch. */
  step(s: DrivenSector): Promise<boolean>
  close(): Promise<void>
}

async function env(
  name: string,
  opts: { space?: StoreSpaceFn; batchPre?: boolean; batchProve?: boolean } = {},
): Promise<Env> {
  const proofs = mockProofs()
  const devnet = createDevnet({ seed: `operator-${name}`, proofs })
  await devnet.start()
  const rpc = devnetRpc(devnet)
  const { owner, minerId } = await createDevnetMiner(devnet)
  const persist = join(dir, name, 'ps1')
  mkdirSync(persist, { recursive: true })
  const m = defaultMinerConfig(minerId, owner)
  m.commitment.confidence = 1
  // Batched with a threshold never met: precommits wait in the queue until a tick sends them.
  if (opts.batchPre)
    m.commitment.pre.batch = { ...m.commitment.pre.batch, enabled: true, threshold: 100, maxWaitMs: 0 }
  if (opts.batchProve)
    m.commitment.prove.batch = { ...m.commitment.prove.batch, enabled: true, threshold: 100, maxWaitMs: 0 }
  const mgr = new SectorManager({
    store: await openSqliteStore({ path: join(dir, name, 'manager.db') }),
    ...devnetManagerViews(devnet),
    config: { miners: [m], persistStores: [{ name: 'ps1', path: persist }] },
    proofs,
    tickMs: 3_600_000,
    storeSpace: opts.space,
  })
  await mgr.start()
  const api = createSealerApi(mgr)
  const call: Call = async (method, params) => (api[method] as (p: unknown[]) => unknown)(params)
  const prover = mockPiecePipeline(proofs, join(dir, name), () => undefined)
  return {
    devnet,
    mgr,
    call,
    rpc,
    minerId,
    owner,
    persist,
    step: (s) => stepSector(call, s, 'ps1', persist, prover),
    async drive(s, until) {
      for (let round = 0; round < 300 && !until(s); round++) {
        await stepSector(call, s, 'ps1', persist, prover)
        await mgr.tick()
        await devnet.mine(1)
      }
      expect(until(s), `stuck at ${s.stage}`).toBe(true)
    },
    async close() {
      await mgr.stop()
      await mgr.store.close()
      await devnet.stop()
    },
  }
}

describe('operator services on the devnet', () => {
  it('places persisted sectors by weight and per-miner lists within the space left, frees it when a sector is aborted, and checks before a store is detached', async () => {
    const sizes: Record<string, number> = {}
    const e = await env('placement', {
      space: async (path) => ({ free: sizes[path] ?? 0, total: 1 << 30 }),
    })
    try {
      const ps2 = join(dir, 'placement', 'ps2')
      const ps3 = join(dir, 'placement', 'ps3')
      for (const p of [ps2, ps3]) mkdirSync(p, { recursive: true })
      sizes[e.persist] = 2 * 2048
      sizes[ps2] = 3 * 2048
      sizes[ps3] = 100 * 2048
      await e.call('Venus.StoreAttach', [{ Name: 'ps2', Path: ps2, Weight: 5 }])
      // ps3 has the most room, but this miner may not use it.
      await e.call('Venus.StoreAttach', [{ Name: 'ps3', Path: ps3, DenyMiners: [e.minerId] }])
      const placed: string[] = []
      const ids: DrivenSector['id'][] = []
      for (let i = 0; i < 6; i++) {
        const s = (await allocate(e.call, [e.minerId])) as DrivenSector
        ids.push(s.id)
        const r = (await e.call('Venus.StoreReserveSpace', [s.id, 2048, null])) as { Name: string } | null
        placed.push(r?.Name ?? 'none')
      }
      // 3 fit in ps2 and 2 in ps1; the sixth finds no room; ps3 is never chosen.
      expect(placed.filter((p) => p === 'ps2').length).toBe(3)
      expect(placed.filter((p) => p === 'ps1').length).toBe(2)
      expect(placed.at(-1)).toBe('none')
      // A sector asking again keeps its store; a worker offering only some stores gets one of them.
      expect(await e.call('Venus.StoreReserveSpace', [ids[0], 2048, null])).toMatchObject({ Name: placed[0] })
      const list = (await e.call('Venus.StoreList', [])) as {
        Name: string
        Source: string
        Reserved: number
      }[]
      expect(list.map((s) => [s.Name, s.Source, s.Reserved])).toEqual([
        ['ps1', 'config', 2 * 2048],
        ['ps2', 'database', 3 * 2048],
        ['ps3', 'database', 0],
      ])
      // Aborting a sector frees its space for the next.
      const first = ids[0] as DrivenSector['id']
      await e.call('Venus.ReportAborted', [first, 'test'])
      await new Promise((r) => setTimeout(r, 20))
      const next = ids[5] as DrivenSector['id']
      expect(await e.call('Venus.StoreReserveSpace', [next, 2048, ['ps1', 'ps2']])).toMatchObject({
        Name: placed[0],
      })
      // Detaching a store with space reserved is refused; the plan says why.
      const plan = (await e.call('Venus.StoreDetach', ['ps2', { Apply: true, Force: false }])) as {
        Refusals: string[]
        Applied: boolean
      }
      expect(plan.Applied).toBe(false)
      expect(plan.Refusals.join()).toMatch(/have space reserved there/)
      expect(
        (
          (await e.call('Venus.StoreDetach', ['ps1', { Apply: false, Force: false }])) as {
            Refusals: string[]
          }
        ).Refusals,
      ).toContainEqual(expect.stringMatching(/declared in sector-manager\.cfg/))
      const ps3Plan = (await e.call('Venus.StoreDetach', ['ps3', { Apply: true, Force: false }])) as {
        Applied: boolean
      }
      expect(ps3Plan.Applied).toBe(true)
      expect(e.mgr.stores.get('ps3')).toBeUndefined()
      // A store holding a sector of a miner the chain does not know: its sectors cannot be shown
      // dead, so the detach needs Force.
      const ps4 = join(dir, 'placement', 'ps4')
      mkdirSync(join(ps4, 'sealed'), { recursive: true })
      writeFileSync(join(ps4, 'sealed', 's-t099999-1'), '')
      await e.call('Venus.StoreAttach', [{ Name: 'ps4', Path: ps4, Index: true }])
      const unchecked = (await e.call('Venus.StoreDetach', ['ps4', { Apply: true, Force: false }])) as {
        Refusals: string[]
        Applied: boolean
      }
      expect(unchecked.Applied).toBe(false)
      expect(unchecked.Refusals).toEqual([
        expect.stringMatching(
          /^1 sector\(s\) there could not be checked on chain \(m-99999-n-1: .+\); pass --force/,
        ),
      ])
      expect(e.mgr.stores.get('ps4')).toBeDefined()
      const forced = (await e.call('Venus.StoreDetach', ['ps4', { Apply: true, Force: true }])) as {
        Applied: boolean
      }
      expect(forced.Applied).toBe(true)
      expect(e.mgr.stores.get('ps4')).toBeUndefined()
    } finally {
      await e.close()
    }
  }, 60_000)

  it('resends a precommit whose message the messager gave up on, after checking the records, the messager and the chain', async () => {
    const e = await env('resend', { batchPre: true })
    try {
      const s = (await allocate(e.call, [e.minerId])) as DrivenSector
      await e.drive(s, (x) => x.stage === 'precommit')
      // Submitted, and no tick yet: it waits in the queue.
      await e.step(s)
      expect(s.stage).toBe('pollPre')
      const id = { miner: s.id.Miner, number: s.id.Number }
      // Queued, not sent yet: nothing to resend.
      let plan = await e.mgr.admin.resendPreCommit(id, { apply: true, force: false })
      expect(plan.refusals).toEqual(['it waits in the commit queue already; it goes with the next batch'])
      // Pretend the batcher sent it in a message the messager gave up on: bad params fail its gas
      // estimation, it never goes out, and an operator marks it bad.
      const bad = (await e.rpc('Message.PushMessageWithId', [
        'failing-precommit',
        {
          Version: 0,
          To: `t0${e.minerId}`,
          From: e.owner,
          Nonce: 0,
          Value: '0',
          GasLimit: 0,
          GasFeeCap: '0',
          GasPremium: '0',
          Method: 28,
          Params: 'gA==',
        },
        null,
      ])) as string
      await e.mgr.store.updateSector(
        id,
        (r) => ({ ...r, messages: { ...r.messages, preCommit: bad, needSend: false } }),
        { dequeue: true },
      )
      await e.devnet.mine(2)
      plan = await e.mgr.admin.resendPreCommit(id, { apply: false, force: false })
      expect(plan.refusals.join()).toMatch(/still pending at the messager/)
      await e.rpc('Message.MarkBadMessage', [bad])
      plan = await e.mgr.admin.resendPreCommit(id, { apply: false, force: false })
      expect(plan.message).toMatchObject({ uid: bad, state: 'failed' })
      expect(plan.refusals).toEqual([])
      expect(plan.applied).toBe(false)
      plan = await e.mgr.admin.resendPreCommit(id, { apply: true, force: false })
      expect(plan.applied).toBe(true)
      expect(plan.result).toMatchObject({ result: 1 })
      // The batcher sends it again; it lands, and the worker's poll sees it.
      await e.drive(s, (x) => x.stage === 'persist')
      expect(await e.mgr.chain.preCommitInfo(id.miner, id.number)).not.toBeNull()
      plan = await e.mgr.admin.resendPreCommit(id, { apply: true, force: false })
      expect(plan.refusals.join()).toMatch(/precommit is on chain since epoch \d+/)
      // Not proven yet: finalize is refused. Once proven, finalize moves it offline.
      expect((await e.mgr.admin.finalize(id, { apply: true })).refusals.join()).toMatch(/not proven on chain/)
      await e.drive(s, (x) => x.stage === 'finalize')
      expect((await e.mgr.admin.resendProof(id, { apply: false, force: false })).refusals.join()).toMatch(
        /proven on chain since epoch/,
      )
      const fin = await e.mgr.admin.finalize(id, { apply: true })
      expect(fin.refusals).toEqual([])
      expect(fin.applied).toBe(true)
      expect((await e.mgr.store.getSector(id))?.online).toBe(false)
      expect((await e.mgr.admin.finalize(id, { apply: true })).refusals).toEqual([
        `m-${id.miner}-n-${id.number} is finalized already`,
      ])
    } finally {
      await e.close()
    }
  }, 90_000)

  it('resends a prove-commit whose message failed, after checking the messager and the chain', async () => {
    const e = await env('resend-prove', { batchProve: true })
    try {
      const s = (await allocate(e.call, [e.minerId])) as DrivenSector
      await e.drive(s, (x) => x.stage === 'proof')
      await e.step(s)
      expect(s.stage).toBe('pollProof')
      const id = { miner: s.id.Miner, number: s.id.Number }
      let plan = await e.mgr.admin.resendProof(id, { apply: true, force: false })
      expect(plan.refusals).toEqual(['it waits in the commit queue already; it goes with the next batch'])
      // As if the batcher sent it in a message that failed at the messager.
      const bad = (await e.rpc('Message.PushMessageWithId', [
        'failing-prove',
        {
          Version: 0,
          To: `t0${e.minerId}`,
          From: e.owner,
          Nonce: 0,
          Value: '0',
          GasLimit: 0,
          GasFeeCap: '0',
          GasPremium: '0',
          Method: 34,
          Params: 'gA==',
        },
        null,
      ])) as string
      await e.mgr.store.updateSector(
        id,
        (r) => ({ ...r, messages: { ...r.messages, proveCommit: bad, needSend: false } }),
        { dequeue: true },
      )
      plan = await e.mgr.admin.resendProof(id, { apply: false, force: false })
      expect(plan.refusals.join()).toMatch(/still pending at the messager/)
      await e.rpc('Message.MarkBadMessage', [bad])
      plan = await e.mgr.admin.resendProof(id, { apply: true, force: false })
      expect(plan.message).toMatchObject({ uid: bad, state: 'failed' })
      expect(plan.refusals).toEqual([])
      expect(plan.applied).toBe(true)
      // Queued again: the batcher sends it and the sector gets proven.
      await e.drive(s, (x) => x.stage === 'finalize')
      expect(await e.mgr.chain.sectorInfo(id.miner, id.number)).not.toBeNull()
      expect((await e.mgr.admin.resendProof(id, { apply: false, force: false })).refusals.join()).toMatch(
        /proven on chain since epoch/,
      )
    } finally {
      await e.close()
    }
  }, 90_000)

  it("sends each precommit from the richest of the miner's senders, and finds a sector by deal", async () => {
    const e = await env('senders')
    try {
      const mk = async (amount: bigint) => {
        const a = e.devnet.newAccount('bls')
        await e.devnet.faucet(a, amount)
        await e.devnet.mine(2)
        return e.devnet.idAddress(e.devnet.resolve(a) as number)
      }
      const poor = await mk(FIL)
      const rich = await mk(80n * FIL)
      // Only the owner, the worker or a control address may send for the miner: make both controls.
      const { encodeParams } = await import('@venus-cluster/devnet')
      await e.rpc('Message.PushMessageWithId', [
        'controls',
        {
          Version: 0,
          To: `t0${e.minerId}`,
          From: e.owner,
          Nonce: 0,
          Value: '0',
          GasLimit: 0,
          GasFeeCap: '0',
          GasPremium: '0',
          Method: 3,
          Params: Buffer.from(
            encodeParams.changeWorkerAddress({ newWorker: e.owner, newControlAddresses: [poor, rich] }),
          ).toString('base64'),
        },
        null,
      ])
      await e.devnet.mine(3)
      const m = e.mgr.config.miners[0]
      if (m === undefined) throw new Error('no miner')
      e.mgr.setConfig({
        ...e.mgr.config,
        miners: [
          {
            ...m,
            commitment: {
              ...m.commitment,
              pre: { ...m.commitment.pre, sender: poor, senders: [poor, rich] },
            },
          },
        ],
      })
      const s = (await allocate(e.call, [e.minerId])) as DrivenSector
      await e.drive(s, (x) => x.stage === 'persist')
      const uid = (await e.mgr.store.getSector({ miner: s.id.Miner, number: s.id.Number }))?.state.messages
        .preCommit
      const msg = (await e.rpc('Message.GetMessageByUid', [uid])) as {
        From: string
        Receipt: { ExitCode: number }
      }
      expect(msg.Receipt.ExitCode).toBe(0)
      expect(e.devnet.resolve(msg.From)).toBe(e.devnet.resolve(rich))

      // Deals: the record of a sector carrying deal 7.
      const id = { miner: s.id.Miner, number: s.id.Number }
      await e.mgr.store.updateSector(id, (r) => ({
        ...r,
        pieces: [
          { dealId: 7, payloadSize: 1000, piece: { size: 2048, cid: 'baga6ea4seaqtest' }, proposal: null },
        ],
      }))
      expect(await e.call('Venus.FindSectorsWithDeal', [7])).toEqual([
        {
          Sector: s.id,
          Online: true,
          State: 'persist',
          PieceCID: { '/': 'baga6ea4seaqtest' },
          PieceSize: 2048,
        },
      ])
      expect(await e.call('Venus.FindSectorsWithDeal', [8])).toEqual([])
    } finally {
      await e.close()
    }
  }, 90_000)
})
