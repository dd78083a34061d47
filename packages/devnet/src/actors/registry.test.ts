import { ExitCode } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { fakeVerifier } from '../__fixtures__/fake-proofs.js'
import { FIL, send } from '../__fixtures__/flow.js'
import { createDevnet } from '../devnet.js'
import { gasForMessage } from '../gas.js'

describe('actor dispatch', () => {
  it('runs each message on its receiver’s code, and refuses methods and actors without code', async () => {
    const devnet = createDevnet({ seed: 'actor-dispatch', proofs: fakeVerifier() })
    const who = await devnet.createTestMiner()
    const other = devnet.newAccount('bls')
    await devnet.faucet(other, FIL)
    await devnet.mine(2)
    const cases = [
      {
        To: other,
        Method: 3,
        exit: ExitCode.ErrUnhandledMessage,
        error: 'account actor has no method 3',
        to: 'account',
      },
      {
        To: 't04',
        Method: 9,
        exit: ExitCode.ErrUnhandledMessage,
        error: 'power method 9 not supported',
        to: 'power',
      },
      {
        To: who.miner,
        Method: 99,
        exit: ExitCode.ErrUnhandledMessage,
        error: 'miner method 99 not supported by the devnet',
        to: 'other',
      },
      // The market actor keeps test deals only: it takes no messages.
      {
        To: 't05',
        Method: 4,
        exit: ExitCode.SysErrInvalidReceiver,
        error: 'actor t05 cannot receive method 4',
        to: 'other',
      },
    ] as const
    for (const c of cases) {
      const r = await send(devnet, { To: c.To, From: who.owner, Method: c.Method })
      expect({ exit: r.receipt.exitCode, error: r.receipt.error }).toEqual({ exit: c.exit, error: c.error })
      expect(r.receipt.gasUsed).toBe(gasForMessage({ method: c.Method, to: c.to }))
    }
    // A plain send to the miner credits it, charged like a transfer.
    const before = devnet.balance(who.miner)
    const paid = await send(devnet, { To: who.miner, From: who.owner, Method: 0, Value: '7' })
    expect(paid.receipt.exitCode).toBe(0)
    expect(devnet.balance(who.miner)).toBe(before + 7n)
    expect(paid.receipt.gasUsed).toBe(gasForMessage({ method: 0, to: 'account' }))
  })
})
