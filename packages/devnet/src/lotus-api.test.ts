import { randomnessEntropy } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import {
  advanceTo,
  b64,
  FIL,
  nextDeadline,
  preCommit,
  proveCommit,
  setupMiner,
  submitPoSt,
} from './__fixtures__/flow.js'
import { testRpcContext } from './__fixtures__/rpc-context.js'
import * as S from './__fixtures__/schema.js'
import { createDevnet, type Devnet } from './devnet.js'
import { lotusMethodPermissions, lotusMethods } from './lotus-api.js'

const wire = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown

async function fixture() {
  const devnet = createDevnet({ seed: 'api', proofs: fakeVerifier() })
  const who = await setupMiner(devnet)
  await preCommit(devnet, who, [1, 2, 3])
  await advanceTo(devnet, devnet.head().height + devnet.params.preCommitChallengeDelay + 1)
  await proveCommit(devnet, who, [1, 2])
  const s = devnet.worldAt().miners.get(who.minerId)!.sectors.get(1)!
  await advanceTo(devnet, nextDeadline(devnet, who.minerId, s.deadline).open)
  const post = await submitPoSt(devnet, who, s.deadline, [{ index: s.partition }])
  expect(post.receipt.exitCode, post.receipt.error).toBe(0)
  return { devnet, who, s, postCid: post.message.cid }
}

function caller(devnet: Devnet) {
  const methods = lotusMethods(devnet)
  const seen = new Set<string>()
  const call = async (name: string, params: unknown[]) => {
    const m = methods[`Filecoin.${name}`]
    if (!m) throw new Error(`no method ${name}`)
    seen.add(`Filecoin.${name}`)
    return wire(await m(wire(params) as unknown[], testRpcContext))
  }
  return { methods, call, seen }
}

describe('Lotus API served by the devnet', () => {
  it('answers every served method with the JSON shapes of the Lotus API documentation', async () => {
    const { devnet, who, s, postCid } = await fixture()
    const { methods, call, seen } = caller(devnet)
    const head = (await call('ChainHead', [])) as { Cids: unknown[]; Height: number }
    const tsk = head.Cids
    const maddr = who.miner
    const entropy = b64(randomnessEntropy(maddr))
    const expectShape = (v: unknown, schema: S.Schema) => expect(S.check(v, schema)).toEqual([])

    expectShape(head, S.TipSet)
    expectShape(await call('ChainGetGenesis', []), S.TipSet)
    expectShape(await call('ChainGetTipSet', [tsk]), S.TipSet)
    expectShape(await call('ChainGetTipSetByHeight', [3, tsk]), S.TipSet)
    expectShape(await call('ChainGetMessage', [{ '/': postCid }]), S.Message)
    expectShape(await call('Version', []), S.Version)
    expect(await call('StateNetworkName', [])).toBe('localnet-devnet')
    expect(await call('StateNetworkVersion', [tsk])).toBe(28)
    expectShape(await call('StateGetNetworkParams', []), S.NetworkParams)
    expect(await call('StateLookupID', [who.owner, tsk])).toMatch(/^t0\d+$/)
    expect(await call('StateAccountKey', [await call('StateLookupID', [who.owner, tsk]), tsk])).toBe(
      who.owner,
    )
    expectShape(await call('StateGetActor', [maddr, tsk]), S.Actor)
    expectShape(await call('StateReadState', [maddr, tsk]), S.MinerActorState)
    expectShape(await call('StateReadState', [who.owner, tsk]), S.AccountActorState)
    expect(S.check(await call('WalletBalance', [who.owner]), 'bigint')).toEqual([])
    expectShape(await call('StateMinerInfo', [maddr, tsk]), S.MinerInfo)
    expectShape(await call('StateMinerProvingDeadline', [maddr, tsk]), S.DeadlineInfo)
    const deadlines = (await call('StateMinerDeadlines', [maddr, tsk])) as unknown[]
    expect(deadlines).toHaveLength(48)
    expectShape(deadlines, { array: S.Deadline })
    const parts = await call('StateMinerPartitions', [maddr, s.deadline, tsk])
    expectShape(parts, { array: S.Partition })
    expect((parts as { ActiveSectors: number[] }[])[0]!.ActiveSectors).toEqual([1, 2])
    expectShape(await call('StateMinerSectors', [maddr, null, tsk]), { array: S.SectorOnChainInfo })
    expect(await call('StateMinerSectors', [maddr, [2, 1], tsk])).toHaveLength(1)
    // A filter of a trillion sectors is refused as a bad parameter, not expanded until the heap dies.
    await expect(call('StateMinerSectors', [maddr, [0, 1e12], tsk])).rejects.toThrow(
      /StateMinerSectors filter: bitfield lists more than 1000000 numbers/,
    )
    expect(await call('StateMinerSectors', [maddr, [2, 1], tsk])).toHaveLength(1)
    expectShape(await call('StateMinerActiveSectors', [maddr, tsk]), { array: S.SectorOnChainInfo })
    expectShape(await call('StateSectorPreCommitInfo', [maddr, 3, tsk]), S.SectorPreCommitOnChainInfo)
    expect(await call('StateSectorPreCommitInfo', [maddr, 1, tsk])).toBeNull()
    expectShape(await call('StateSectorGetInfo', [maddr, 1, tsk]), S.SectorOnChainInfo)
    expect(await call('StateSectorGetInfo', [maddr, 99, tsk])).toBeNull()
    expectShape(await call('StateSectorPartition', [maddr, 1, tsk]), S.SectorLocation)
    expectShape(await call('StateMinerFaults', [maddr, tsk]), 'bitfield')
    expectShape(await call('StateMinerRecoveries', [maddr, tsk]), 'bitfield')
    expect(await call('StateMinerSectorAllocated', [maddr, 3, tsk])).toBe(true)
    expect(await call('StateMinerSectorAllocated', [maddr, 4, tsk])).toBe(false)
    expect(await call('StateMinerAllocated', [maddr, tsk])).toEqual([1, 3])
    expectShape(await call('StateMinerAvailableBalance', [maddr, tsk]), 'bigint')
    const pci = {
      SealProof: 5,
      SectorNumber: 9,
      SealedCID: { '/': 'x' },
      SealRandEpoch: 1,
      DealIDs: null,
      Expiration: 1,
      UnsealedCid: null,
    }
    expectShape(await call('StateMinerPreCommitDepositForPower', [maddr, pci, tsk]), 'bigint')
    expectShape(await call('StateMinerInitialPledgeForSector', [518400, 2048, 0, tsk]), 'bigint')
    expectShape(await call('StateMinerInitialPledgeCollateral', [maddr, pci, tsk]), 'bigint')
    expectShape(await call('StateMinerCreationDeposit', [tsk]), 'bigint')
    const power = (await call('StateMinerPower', [maddr, tsk])) as { MinerPower: { RawBytePower: string } }
    expectShape(power, S.MinerPower)
    expect(power.MinerPower.RawBytePower).toBe('4096')
    for (const name of ['StateGetRandomnessFromTickets', 'StateGetRandomnessFromBeacon']) {
      const r = await call(name, [5, head.Height - 1, entropy, tsk])
      expectShape(r, 'base64')
      expect(Buffer.from(r as string, 'base64')).toHaveLength(32)
    }
    for (const name of ['StateGetRandomnessDigestFromTickets', 'StateGetRandomnessDigestFromBeacon']) {
      expect(Buffer.from((await call(name, [head.Height - 1, tsk])) as string, 'base64')).toHaveLength(32)
    }
    expectShape(await call('StateSearchMsg', [[], { '/': postCid }, -1, true]), S.MsgLookup)
    expectShape(await call('StateWaitMsg', [{ '/': postCid }, 0, -1, true]), S.MsgLookup)
    const msg = {
      Version: 0,
      To: who.owner,
      From: devnet.faucetAddress(),
      Nonce: 0,
      Value: '1',
      GasLimit: 0,
      GasFeeCap: '0',
      GasPremium: '0',
      Method: 0,
      Params: null,
    }
    expectShape(await call('StateCall', [msg, tsk]), S.InvocResult)
    expect(await call('MpoolGetNonce', [devnet.faucetAddress()])).toBeTypeOf('number')
    const est = (await call('GasEstimateMessageGas', [msg, null, tsk])) as { GasLimit: number }
    expectShape(est, S.Message)
    expect(est.GasLimit).toBeGreaterThan(0)
    const pushed = await call('MpoolPushMessage', [msg, { MaxFee: '0' }])
    expectShape(pushed, S.SignedMessage)
    const own = {
      ...msg,
      Nonce: (await call('MpoolGetNonce', [devnet.faucetAddress()])) as number,
      GasLimit: 1_000_000,
      GasFeeCap: '1000',
      GasPremium: '100',
    }
    const cid = await call('MpoolPush', [
      { Message: own, Signature: { Type: 2, Data: b64(new Uint8Array(96)) } },
    ])
    expectShape(cid, 'cid')

    // ChainNotify: first value is `current`, then apply batches.
    const it = (methods['Filecoin.ChainNotify']!([], testRpcContext) as AsyncIterable<unknown[]>)[
      Symbol.asyncIterator
    ]()
    seen.add('Filecoin.ChainNotify')
    const first = wire((await it.next()).value) as { Type: string }[]
    expectShape(first, { array: S.HeadChange })
    expect(first[0]!.Type).toBe('current')
    await devnet.mine(1)
    const next = wire((await it.next()).value) as { Type: string }[]
    expectShape(next, { array: S.HeadChange })
    expect(next.map((c) => c.Type)).toEqual(['apply'])
    await it.return?.()

    expect([...seen].sort()).toEqual(Object.keys(methods).sort())
    for (const k of Object.keys(methods)) expect(lotusMethodPermissions[k]).toMatch(/read|write|sign/)
    expect(lotusMethodPermissions['Filecoin.MpoolPushMessage']).toBe('sign')
  })

  it('rejects wrong parameter counts and types with RPC_INVALID_PARAMS', async () => {
    const devnet = createDevnet({ seed: 'bad-params', proofs: fakeVerifier() })
    const { methods } = caller(devnet)
    expect(() => methods['Filecoin.ChainHead']!([1], testRpcContext)).toThrow(
      expect.objectContaining({ code: 'RPC_INVALID_PARAMS' }),
    )
    expect(() => methods['Filecoin.StateMinerInfo']!([12, []], testRpcContext)).toThrow(
      expect.objectContaining({ code: 'RPC_INVALID_PARAMS' }),
    )
    expect(() => methods['Filecoin.StateMinerInfo']!(['t09999', []], testRpcContext)).toThrow(
      expect.objectContaining({ code: 'ACTOR_NOT_FOUND' }),
    )
    expect(() => methods['Filecoin.ChainGetTipSet']!([[{ '/': 'bafynope' }]], testRpcContext)).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    )
    expect(() =>
      methods['Filecoin.StateGetRandomnessFromTickets']!([5, 100, null, []], testRpcContext),
    ).toThrow(/future/)
    await expect(devnet.faucet('t099', FIL)).rejects.toThrow()
  })
})
