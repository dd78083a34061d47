import { createChainClient, randomnessEntropy } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import { commRCid, FIL, preCommit } from './__fixtures__/flow.js'
import * as S from './__fixtures__/schema.js'
import { createDevnet } from './devnet.js'
import { devnetTransport } from './transport.js'

const ok = (v: unknown, schema: S.Schema) =>
  expect(S.check(JSON.parse(JSON.stringify(v)), schema)).toEqual([])

describe('core chain client decodes every devnet Lotus answer', () => {
  it('reads chain, miner, randomness and message state through createChainClient', async () => {
    const devnet = createDevnet({ seed: 'chain-client', proofs: fakeVerifier() })
    const who = await devnet.createTestMiner()
    devnet.injectSectors(
      who.miner,
      [1, 2, 3].map((n) => ({ sectorNumber: n, sealedCid: commRCid(n) })),
    )
    const pc = await preCommit(devnet, { owner: who.owner, miner: who.miner }, [10])
    const chain = createChainClient(devnetTransport(devnet))
    const head = await chain.chainHead()
    ok(head, S.TipSet)
    const tsk = head.Cids
    ok(await chain.version(), S.Version)
    ok(await chain.chainGetTipSet(tsk), S.TipSet)
    ok(await chain.chainGetTipSetByHeight(2, tsk), S.TipSet)
    ok(await chain.chainGetMessage({ '/': pc.message.cid }), S.Message)
    ok(await chain.stateMinerInfo(who.miner, tsk), S.MinerInfo)
    ok(await chain.stateMinerProvingDeadline(who.miner, tsk), S.DeadlineInfo)
    ok(await chain.stateMinerDeadlines(who.miner, tsk), { array: S.Deadline })
    const s1 = devnet.worldAt().miners.get(who.minerId)!.sectors.get(1)!
    ok(await chain.stateMinerPartitions(who.miner, s1.deadline, tsk), { array: S.Partition })
    ok(await chain.stateMinerSectors(who.miner, null, tsk), { array: S.SectorOnChainInfo })
    ok(await chain.stateMinerActiveSectors(who.miner, tsk), { array: S.SectorOnChainInfo })
    ok(await chain.stateSectorPreCommitInfo(who.miner, 10, tsk), S.SectorPreCommitOnChainInfo)
    expect(await chain.stateSectorPreCommitInfo(who.miner, 1, tsk)).toBeNull()
    ok(await chain.stateSectorGetInfo(who.miner, 1, tsk), S.SectorOnChainInfo)
    expect(await chain.stateSectorPartition(who.miner, 1, tsk)).toEqual({
      Deadline: s1.deadline,
      Partition: s1.partition,
    })
    ok(await chain.stateMinerFaults(who.miner, tsk), 'bitfield')
    ok(await chain.stateMinerRecoveries(who.miner, tsk), 'bitfield')
    expect(await chain.stateMinerSectorAllocated(who.miner, 10, tsk)).toBe(true)
    ok(await chain.stateMinerAllocated(who.miner, tsk), 'bitfield')
    expect(typeof (await chain.stateMinerAvailableBalance(who.miner, tsk))).toBe('bigint')
    const info = (await chain.stateSectorPreCommitInfo(who.miner, 10, tsk))!.Info
    expect(await chain.stateMinerPreCommitDepositForPower(who.miner, info, tsk)).toBeGreaterThan(0n)
    expect(await chain.stateMinerInitialPledgeForSector(518400, 2048, 0, tsk)).toBeGreaterThan(0n)
    expect(await chain.stateMinerInitialPledgeCollateral(who.miner, info, tsk)).toBeGreaterThan(0n)
    expect(await chain.stateMinerCreationDeposit(tsk)).toBe(devnet.params.minerCreationDeposit)
    ok(await chain.stateMinerPower(who.miner, tsk), S.MinerPower)
    const entropy = randomnessEntropy(who.miner)
    const t = await chain.stateGetRandomnessFromTickets(5, head.Height - 1, entropy, tsk)
    expect(t).toEqual(devnet.ticketRandomness(5, head.Height - 1, entropy))
    expect(await chain.stateGetRandomnessFromBeacon(6, head.Height - 1, entropy, tsk)).toHaveLength(32)
    expect(await chain.stateGetRandomnessDigestFromTickets(head.Height - 1, tsk)).toHaveLength(32)
    expect(await chain.stateGetRandomnessDigestFromBeacon(head.Height - 1, tsk)).toHaveLength(32)
    expect(await chain.stateLookupID(who.owner, tsk)).toMatch(/^t0\d+$/)
    expect(await chain.stateAccountKey(await chain.stateLookupID(who.owner, tsk), tsk)).toBe(who.owner)
    ok(await chain.stateGetActor(who.miner, tsk), S.Actor)
    ok(await chain.stateReadState(who.miner, tsk), S.MinerActorState)
    expect(await chain.stateNetworkVersion(tsk)).toBe(28)
    expect(await chain.stateNetworkName()).toBe('localnet-devnet')
    ok(await chain.stateGetNetworkParams(), S.NetworkParams)
    expect(await chain.walletBalance(who.owner)).toBeGreaterThan(0n)
    ok(await chain.stateSearchMsg({ '/': pc.message.cid }), S.MsgLookup)
    ok(await chain.stateWaitMsg({ '/': pc.message.cid }, 0), S.MsgLookup)
    const msg = {
      Version: 0,
      To: who.owner,
      From: devnet.faucetAddress(),
      Nonce: 0,
      Value: FIL.toString(),
      GasLimit: 0,
      GasFeeCap: '0',
      GasPremium: '0',
      Method: 0,
      Params: null,
    }
    ok(await chain.stateCall(msg, tsk), S.InvocResult)
    ok(await chain.gasEstimateMessageGas(msg, null, tsk), S.Message)
    expect(await chain.mpoolGetNonce(devnet.faucetAddress())).toBeTypeOf('number')
    const signed = await chain.mpoolPushMessage(msg, null)
    ok(signed, S.SignedMessage)
    const own = {
      ...msg,
      Nonce: await chain.mpoolGetNonce(devnet.faucetAddress()),
      GasLimit: 1_000_000,
      GasFeeCap: '1000',
      GasPremium: '10',
    }
    ok(
      await chain.mpoolPush({
        Message: own,
        Signature: { Type: 2, Data: Buffer.alloc(96).toString('base64') },
      } as never),
      'cid',
    )
    const it = chain.chainNotify()[Symbol.asyncIterator]()
    ok((await it.next()).value, { array: S.HeadChange })
    await devnet.mine(1)
    const applied = (await it.next()).value
    ok(applied, { array: S.HeadChange })
    await it.return?.(undefined)
  })
})
