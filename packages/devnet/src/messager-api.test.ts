import { MessageState } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { fakeVerifier } from './__fixtures__/fake-proofs.js'
import { FIL } from './__fixtures__/flow.js'
import { testRpcContext } from './__fixtures__/rpc-context.js'
import * as S from './__fixtures__/schema.js'
import { createDevnet } from './devnet.js'
import { messagerMethodPermissions, messagerMethods } from './messager-api.js'
import { devnetTransport } from './transport.js'

const wire = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>

const MessagerMessage: S.Schema = {
  object: {
    ID: 'string',
    UnsignedCid: { nullable: 'cid' },
    SignedCid: { nullable: 'cid' },
    Version: 'number',
    To: 'address',
    From: 'address',
    Nonce: 'number',
    Value: 'bigint',
    GasLimit: 'number',
    GasFeeCap: 'bigint',
    GasPremium: 'bigint',
    Method: 'number',
    Params: { nullable: 'base64' },
    Signature: { nullable: { object: { Type: 'number', Data: 'base64' } } },
    Height: 'number',
    Confidence: 'number',
    Receipt: { nullable: S.MessageReceipt },
    TipSetKey: S.TipSetKey,
    Meta: 'any',
    WalletName: 'string',
    State: 'number',
    ErrorMsg: 'string',
    CreatedAt: 'string',
    UpdatedAt: 'string',
  },
}

describe('messager API served by the devnet', () => {
  it('queues by id, fills and pushes, then reports the on-chain state with confidence', async () => {
    const devnet = createDevnet({ seed: 'messager', proofs: fakeVerifier() })
    const m = messagerMethods(devnet)
    const to = devnet.newAccount()
    const msg = { To: to, From: devnet.faucetAddress(), Value: FIL.toString(), Method: 0, Params: null }
    expect(await m['Message.PushMessageWithId']!(['uid-1', msg, null], testRpcContext)).toBe('uid-1')
    await expect(
      Promise.resolve().then(() => m['Message.PushMessageWithId']!(['uid-1', msg, null], testRpcContext)),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' })
    expect(await m['Message.HasMessageByUid']!(['uid-1'], testRpcContext)).toBe(true)
    let got = wire(await m['Message.GetMessageByUid']!(['uid-1'], testRpcContext))
    expect(S.check(got, MessagerMessage)).toEqual([])
    expect(got.State).toBe(MessageState.FillMsg)
    const waiting = m['Message.WaitMessage']!(['uid-1', 1], testRpcContext) as Promise<unknown>
    await devnet.mine(4)
    got = wire(await waiting)
    expect(got.State).toBe(MessageState.OnChainMsg)
    expect((got.Receipt as { ExitCode: number }).ExitCode).toBe(0)
    expect(got.Confidence).toBeGreaterThan(1)
    expect(S.check(got, MessagerMessage)).toEqual([])
    const bySigned = wire(await m['Message.GetMessageBySignedCid']!([got.SignedCid], testRpcContext))
    expect(bySigned.ID).toBe('uid-1')
    const uuid = (await m['Message.PushMessage']!([msg, null], testRpcContext)) as string
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/)
    await m['Message.MarkBadMessage']!([uuid], testRpcContext)
    expect(wire(await m['Message.GetMessageByUid']!([uuid], testRpcContext)).State).toBe(
      MessageState.FailedMsg,
    )
    expect(await m['Message.WalletHas']!([devnet.faucetAddress()], testRpcContext)).toBe(true)
    expect(Object.keys(messagerMethodPermissions).sort()).toEqual(Object.keys(m).sort())
  })

  it('keeps a message unfilled with the estimation error until it can be filled', async () => {
    const devnet = createDevnet({ seed: 'unfilled', proofs: fakeVerifier() })
    const m = messagerMethods(devnet)
    const poor = devnet.newAccount()
    await m['Message.PushMessageWithId']!(
      ['u', { To: devnet.faucetAddress(), From: poor, Value: '1', Method: 0 }, null],
      testRpcContext,
    )
    const got = wire(await m['Message.GetMessageByUid']!(['u'], testRpcContext))
    expect(got.State).toBe(MessageState.UnFillMsg)
    expect(got.ErrorMsg).not.toBe('')
    await devnet.faucet(poor, FIL)
    await devnet.mine(2)
    await devnet.mine(3)
    expect(wire(await m['Message.GetMessageByUid']!(['u'], testRpcContext)).State).toBe(
      MessageState.OnChainMsg,
    )
  })

  it('serves the core messager client, including replace-by-fee of a pending message', async () => {
    const { createMessagerClient } = await import('@venus-cluster/core')
    const devnet = createDevnet({ seed: 'messager-client', proofs: fakeVerifier() })
    const client = createMessagerClient(devnetTransport(devnet))
    const msg = { To: devnet.newAccount(), From: devnet.faucetAddress(), Value: '5', Method: 0, Params: null }
    expect(await client.pushMessageWithId('c-1', msg as never, null)).toBe('c-1')
    const before = await client.getMessageByUid('c-1')
    expect(before.State).toBe(MessageState.FillMsg)
    const replaced = await client.replaceMessage({ ID: 'c-1', Auto: true } as never)
    expect(replaced['/']).not.toBe((before.SignedCid as { '/': string })['/'])
    expect(devnet.pending()).toHaveLength(1)
    await devnet.mine(3)
    const after = await client.waitMessage('c-1', 0)
    expect(after.State).toBe(MessageState.OnChainMsg)
    expect(after.SignedCid).toEqual(replaced)
    expect(await client.hasAddress(devnet.faucetAddress())).toBe(true)
  })
})
