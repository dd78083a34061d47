import { decodeGetBeneficiaryReturn } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { fakeVerifier } from '../../__fixtures__/fake-proofs.js'
import { b64, FIL, send, setupMiner } from '../../__fixtures__/flow.js'
import { testRpcContext } from '../../__fixtures__/rpc-context.js'
import { createDevnet, type Devnet } from '../../devnet.js'
import { lotusMethods } from '../../lotus-api.js'
import { encodeParams } from '../../params-codec.js'

async function funded(devnet: Devnet): Promise<string> {
  const a = devnet.newAccount('bls')
  await devnet.faucet(a, 10n * FIL)
  await devnet.mine(2)
  return a
}

interface Info {
  Owner: string
  Beneficiary: string
  BeneficiaryTerm: { Quota: string; UsedQuota: string; Expiration: number }
  PendingBeneficiaryTerm: {
    NewBeneficiary: string
    NewQuota: string
    NewExpiration: number
    ApprovedByBeneficiary: boolean
    ApprovedByNominee: boolean
  } | null
}

async function info(devnet: Devnet, miner: string): Promise<Info> {
  const m = lotusMethods(devnet)['Filecoin.StateMinerInfo']!
  return JSON.parse(JSON.stringify(await m([miner, []], testRpcContext))) as Info
}

describe('miner beneficiary (ChangeBeneficiary 30, GetBeneficiary 31)', () => {
  it('changes the beneficiary once the owner proposed and the nominee confirmed, then pays withdrawals to it within its quota', async () => {
    const devnet = createDevnet({ seed: 'beneficiary', proofs: fakeVerifier() })
    const who = await setupMiner(devnet)
    const nominee = await funded(devnet)
    const nomineeId = devnet.idAddress(devnet.resolve(nominee)!)
    const expiration = devnet.head().height + 10_000
    const change = (from: string, quota: bigint) =>
      send(devnet, {
        To: who.miner,
        From: from,
        Method: 30,
        Params: b64(
          encodeParams.changeBeneficiary({
            newBeneficiary: nominee,
            newQuota: quota,
            newExpiration: expiration,
          }),
        ),
      })

    // Nobody but the owner may propose; a stranger cannot confirm.
    expect((await change(nominee, FIL)).receipt.exitCode).toBe(18)
    const zero = await change(who.owner, 0n)
    expect(zero.receipt.exitCode).toBe(16)
    expect(zero.receipt.error).toMatch(/must bigger than zero/)

    expect((await change(who.owner, FIL)).receipt.exitCode).toBe(0)
    let i = await info(devnet, who.miner)
    expect(i.PendingBeneficiaryTerm).toEqual({
      NewBeneficiary: nomineeId,
      NewQuota: FIL.toString(),
      NewExpiration: expiration,
      // The owner as beneficiary has no quota left to protect.
      ApprovedByBeneficiary: true,
      ApprovedByNominee: false,
    })
    // The nominee must confirm the same terms.
    const other = await change(nominee, 2n * FIL)
    expect(other.receipt.exitCode).toBe(16)
    expect((await change(nominee, FIL)).receipt.exitCode).toBe(0)
    i = await info(devnet, who.miner)
    expect(i.Beneficiary).toBe(nomineeId)
    expect(i.BeneficiaryTerm).toEqual({ Quota: FIL.toString(), UsedQuota: '0', Expiration: expiration })
    expect(i.PendingBeneficiaryTerm).toBeNull()

    // GetBeneficiary answers the same.
    const got = await send(devnet, { To: who.miner, From: who.owner, Method: 31, Params: '' })
    expect(got.receipt.exitCode).toBe(0)
    expect(decodeGetBeneficiaryReturn(got.receipt.return!, 't')).toMatchObject({
      active: { beneficiary: nomineeId, term: { quota: FIL, usedQuota: 0n, expiration } },
      proposed: null,
    })

    // A withdrawal by the owner goes to the beneficiary, capped by its quota.
    const top = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 0,
      Params: '',
      Value: (3n * FIL).toString(),
    })
    expect(top.receipt.exitCode).toBe(0)
    const before = devnet.balance(nominee)
    const w = await send(devnet, {
      To: who.miner,
      From: who.owner,
      Method: 16,
      Params: b64(encodeParams.withdrawBalance(5n * FIL)),
    })
    expect(w.receipt.exitCode, w.receipt.error).toBe(0)
    expect(devnet.balance(nominee) - before).toBe(FIL)
    expect((await info(devnet, who.miner)).BeneficiaryTerm.UsedQuota).toBe(FIL.toString())
    // The quota is used up: a further withdrawal is refused.
    const again = await send(devnet, {
      To: who.miner,
      From: nominee,
      Method: 16,
      Params: b64(encodeParams.withdrawBalance(FIL)),
    })
    expect(again.receipt.exitCode).toBe(18)
    expect(again.receipt.error).toMatch(/quota of .* depleted/)
  })
})
