import { describe, expect, it } from 'vitest'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import {
  advanceTo,
  b64,
  FIL,
  nextDeadline,
  preCommit,
  proveCommit,
  send,
  setupMiner,
  submitPoSt,
} from './__fixtures__/flow.js'
import { testRpcContext } from './__fixtures__/rpc-context.js'
import { createDevnet, type Devnet } from './devnet.js'
import { lotusMethods } from './lotus-api.js'
import { encodeParams } from './params-codec.js'

const DELAY = 10

async function miner(seed: string) {
  const devnet = createDevnet({ seed, proofs: fakeVerifier(), params: { workerKeyChangeDelay: DELAY } })
  const who = await setupMiner(devnet)
  return { devnet, who }
}

async function funded(devnet: Devnet): Promise<string> {
  const a = devnet.newAccount('bls')
  await devnet.faucet(a, 10n * FIL)
  await devnet.mine(2)
  return a
}

async function lotus<T>(devnet: Devnet, name: string, params: unknown[]): Promise<T> {
  const m = lotusMethods(devnet)[`Filecoin.${name}`]!
  return JSON.parse(JSON.stringify(await m(params, testRpcContext))) as T
}

interface Info {
  Owner: string
  Worker: string
  NewWorker: string
  WorkerChangeEpoch: number
  PendingOwnerAddress: string | null
  Beneficiary: string
}

describe('miner administration: worker and owner changes, fee debt, compacting numbers, extensions', () => {
  it('proposes a new worker that only a confirmation after the delay puts in place', async () => {
    const { devnet, who } = await miner('worker-change')
    const next = await funded(devnet)
    const other = await funded(devnet)
    const nextId = devnet.idAddress(devnet.resolve(next)!)
    const propose = (worker: string) =>
      send(devnet, {
        To: who.miner,
        From: who.owner,
        Method: 3,
        Params: b64(encodeParams.changeWorkerAddress({ newWorker: worker, newControlAddresses: [] })),
      })
    const confirm = (from: string) => send(devnet, { To: who.miner, From: from, Method: 21, Params: '' })

    const proposed = await propose(next)
    expect(proposed.receipt.exitCode, proposed.receipt.error).toBe(0)
    let info = await lotus<Info>(devnet, 'StateMinerInfo', [who.miner, []])
    expect(info.NewWorker).toBe(nextId)
    expect(info.WorkerChangeEpoch).toBe(proposed.included.height + DELAY)
    const ownerId = info.Worker

    // Too early: the actor accepts the call and changes nothing.
    expect((await confirm(who.owner)).receipt.exitCode).toBe(0)
    expect((await lotus<Info>(devnet, 'StateMinerInfo', [who.miner, []])).Worker).toBe(ownerId)
    // A second proposal while one is pending leaves the first in place.
    expect((await propose(other)).receipt.exitCode).toBe(0)
    expect((await lotus<Info>(devnet, 'StateMinerInfo', [who.miner, []])).NewWorker).toBe(nextId)
    // Only the owner may confirm.
    await advanceTo(devnet, info.WorkerChangeEpoch)
    expect((await confirm(next)).receipt.exitCode).toBe(18)

    expect((await confirm(who.owner)).receipt.exitCode).toBe(0)
    info = await lotus<Info>(devnet, 'StateMinerInfo', [who.miner, []])
    expect([info.Worker, info.NewWorker, info.WorkerChangeEpoch]).toEqual([nextId, '<empty>', -1])
  })

  it('hands the owner role over in two steps: proposal by the owner, acceptance by the new owner', async () => {
    const { devnet, who } = await miner('owner-change')
    const next = await funded(devnet)
    const stranger = await funded(devnet)
    const nextId = devnet.idAddress(devnet.resolve(next)!)
    const change = (from: string, to: string) =>
      send(devnet, {
        To: who.miner,
        From: from,
        Method: 23,
        Params: b64(encodeParams.changeOwnerAddress(to)),
      })

    const notId = await change(who.owner, next)
    expect(notId.receipt.exitCode).toBe(16)
    expect(notId.receipt.error).toMatch(/owner address must be an ID address/)
    expect((await change(next, nextId)).receipt.exitCode).toBe(18)

    expect((await change(who.owner, nextId)).receipt.exitCode).toBe(0)
    expect((await lotus<Info>(devnet, 'StateMinerInfo', [who.miner, []])).PendingOwnerAddress).toBe(nextId)
    expect((await change(stranger, nextId)).receipt.exitCode).toBe(18)
    const wrong = await change(next, devnet.idAddress(devnet.resolve(stranger)!))
    expect(wrong.receipt.exitCode).toBe(16)
    expect(wrong.receipt.error).toMatch(/expected confirmation of/)

    expect((await change(next, nextId)).receipt.exitCode).toBe(0)
    const info = await lotus<Info>(devnet, 'StateMinerInfo', [who.miner, []])
    expect([info.Owner, info.PendingOwnerAddress, info.Beneficiary]).toEqual([nextId, null, nextId])
    // The old owner has lost its rights.
    const withdraw = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 16,
      Params: b64(encodeParams.withdrawBalance(1n)),
    })
    expect(withdraw.receipt.exitCode).toBe(18)
  })

  it('repays fee debt from a control address and shows it in StateReadState', async () => {
    const { devnet, who } = await miner('repay-debt')
    await preCommit(devnet, who, [1])
    await advanceTo(devnet, devnet.head().height + devnet.params.preCommitChallengeDelay + 1)
    await proveCommit(devnet, who, [1])
    // Everything unlocked goes back to the owner, so a missed WindowPoSt's fee becomes debt.
    const drained = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 16,
      Params: b64(encodeParams.withdrawBalance(1000n * FIL)),
    })
    expect(drained.receipt.exitCode, drained.receipt.error).toBe(0)
    const s = devnet.worldAt().miners.get(who.minerId)!.sectors.get(1)!
    await advanceTo(devnet, nextDeadline(devnet, who.minerId, s.deadline).close + 1)
    const state = await lotus<{ State: { FeeDebt: string } }>(devnet, 'StateReadState', [who.miner, []])
    const debt = BigInt(state.State.FeeDebt)
    expect(debt).toBeGreaterThan(0n)
    expect(await lotus(devnet, 'StateMinerAvailableBalance', [who.miner, []])).toBe('0')

    const stranger = await funded(devnet)
    const repay = (from: string, value: bigint) =>
      send(devnet, { To: who.miner, From: from, Method: 22, Value: value.toString(), Params: '' })
    expect((await repay(stranger, debt)).receipt.exitCode).toBe(18)
    const short = await repay(who.owner, 1n)
    expect(short.receipt.exitCode).toBe(19)
    const debtNow = BigInt(
      (await lotus<{ State: { FeeDebt: string } }>(devnet, 'StateReadState', [who.miner, []])).State.FeeDebt,
    )
    const burntBefore = devnet.worldAt().burnt
    const paid = await repay(who.owner, debtNow)
    expect(paid.receipt.exitCode, paid.receipt.error).toBe(0)
    const after = await lotus<{ State: { FeeDebt: string } }>(devnet, 'StateReadState', [who.miner, []])
    expect(after.State.FeeDebt).toBe('0')
    expect(devnet.worldAt().burnt - burntBefore).toBeGreaterThanOrEqual(debtNow)
  })

  it('compacts sector numbers so that a masked number can no longer be pre-committed', async () => {
    const { devnet, who } = await miner('compact')
    const stranger = await funded(devnet)
    const compact = (from: string, mask: number[]) =>
      send(devnet, {
        To: who.miner,
        From: from,
        Method: 20,
        Params: b64(encodeParams.compactSectorNumbers(mask)),
      })
    expect((await compact(stranger, [5])).receipt.exitCode).toBe(18)
    expect((await compact(who.owner, [])).receipt.exitCode).toBe(16)
    const huge = await compact(
      who.owner,
      Array.from({ length: 1_000_001 }, (_, i) => i),
    )
    expect(huge.receipt.exitCode).toBe(16)
    expect(huge.receipt.error).toMatch(/invalid mask bitfield/)

    const ok = await compact(who.owner, [0, 1, 2, 3, 4, 5])
    expect(ok.receipt.exitCode, ok.receipt.error).toBe(0)
    expect(await lotus(devnet, 'StateMinerAllocated', [who.miner, []])).toEqual([0, 6])
    expect(await lotus(devnet, 'StateMinerSectorAllocated', [who.miner, 5, []])).toBe(true)
    const masked = await preCommit(devnet, who, [5])
    expect(masked.receipt.exitCode).toBe(16)
    expect(masked.receipt.error).toMatch(/already allocated/)
  })

  it('extends active sectors within the lifetime and extension limits', async () => {
    const DAY = 2880
    const devnet = createDevnet({
      seed: 'extend',
      proofs: fakeVerifier(),
      params: { sectorMaxLifetime: 300 * DAY },
    })
    const who = await setupMiner(devnet)
    await preCommit(devnet, who, [1, 2])
    await advanceTo(devnet, devnet.head().height + devnet.params.preCommitChallengeDelay + 1)
    await proveCommit(devnet, who, [1, 2])
    const s1 = devnet.worldAt().miners.get(who.minerId)!.sectors.get(1)!
    await advanceTo(devnet, nextDeadline(devnet, who.minerId, s1.deadline).open)
    // Sector 2 is skipped by the proof, so it turns faulty (inactive).
    const post = await submitPoSt(devnet, who, s1.deadline, [{ index: s1.partition, skipped: [2] }])
    expect(post.receipt.exitCode, post.receipt.error).toBe(0)
    const stranger = await funded(devnet)
    const extend = (from: string, sectors: number[], newExpiration: number) =>
      send(devnet, {
        To: who.miner,
        From: from,
        Method: 32,
        Params: b64(
          encodeParams.extendSectorExpiration2([
            { deadline: s1.deadline, partition: s1.partition, sectors, sectorsWithClaims: [], newExpiration },
          ]),
        ),
      })
    const fail = async (from: string, sectors: number[], exp: number, code: number, why: RegExp) => {
      const r = await extend(from, sectors, exp)
      expect(r.receipt.exitCode).toBe(code)
      expect(r.receipt.error).toMatch(why)
    }
    const target = s1.activation + 250 * DAY
    await fail(stranger, [1], target, 18, /is not the owner, worker or a control address/)
    await fail(who.owner, [1], s1.expiration - 1, 16, /cannot reduce sector 1 expiration/)
    await fail(who.owner, [1], s1.activation + 301 * DAY, 16, /total sector lifetime .* exceeds/)
    await fail(who.owner, [2], target, 16, /refusing to replace inactive sector 2/)

    const ok = await extend(who.owner, [1], target)
    expect(ok.receipt.exitCode, ok.receipt.error).toBe(0)
    const info = await lotus<{ Expiration: number }>(devnet, 'StateSectorGetInfo', [who.miner, 1, []])
    expect(info.Expiration).toBe(target)
  })
})
