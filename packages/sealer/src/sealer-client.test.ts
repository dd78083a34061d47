import { createRpcClient, customTransport, httpTransport, VenusError } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { SealingFailure } from './failure.js'
import { sealerClient } from './sealer-client.js'

const id = { miner: 1000, number: 7 }

async function failureOf(p: Promise<unknown>): Promise<SealingFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(SealingFailure)
  return err as SealingFailure
}

describe('sealerClient failures', () => {
  it('makes a manager that cannot be reached (down, restarting) a Temporary failure, so the step is retried', async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const rpc = createRpcClient(httpTransport('http://127.0.0.1:1/rpc/v0'))
    const f = await failureOf(sealerClient(rpc, { timeoutMs: 2_000 }).assignTicket(id))
    expect(f.level).toBe('Temporary')
    expect(f.message).toBe('AssignTicket failed')
    await rpc.close()
  })

  it('makes a connection cut mid-call Temporary, and "sector state not found" an Abort', async () => {
    const cut = createRpcClient(
      customTransport({
        request: async () => {
          throw new TypeError('fetch failed', {
            cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
          })
        },
      }),
    )
    expect((await failureOf(sealerClient(cut).submitPersisted(id, 'ps1'))).level).toBe('Temporary')
    const gone = createRpcClient(
      customTransport({
        request: async () => {
          throw new VenusError('SECTOR_NOT_FOUND', 'sector state not found: m-1000-s-7')
        },
      }),
    )
    expect((await failureOf(sealerClient(gone).waitSeed(id))).level).toBe('Abort')
  })

  it('turns an answer of the wrong shape into a Permanent failure naming the method', async () => {
    const odd = createRpcClient(customTransport({ request: async () => ({ Ticket: 42, Epoch: 'ten' }) }))
    const f = await failureOf(sealerClient(odd).assignTicket(id))
    expect(f.level).toBe('Permanent')
    expect(f.message).toBe("AssignTicket: the manager's answer is not {Ticket: base64, Epoch}")
    const list = createRpcClient(customTransport({ request: async () => [{ ID: 1 }] }))
    expect((await failureOf(sealerClient(list).acquireDeals(id, { maxDeals: null }))).level).toBe('Permanent')
  })

  it('speaks the wire shapes of the manager on the call and domain types to the caller', async () => {
    const calls: unknown[][] = []
    const rpc = createRpcClient(
      customTransport({
        request: async (method, params) => {
          calls.push([method, ...(params as unknown[])])
          if (method === 'Venus.AllocateSector') return { ID: { Miner: 1000, Number: 7 }, ProofType: 5 }
          if (method === 'Venus.WaitSeed') return { ShouldWait: true, Delay: 30, Seed: null }
          return { Res: 1, Desc: null }
        },
      }),
    )
    const c = sealerClient(rpc)
    expect(await c.allocateSector({ allowedMiners: [1000], allowedProofTypes: null })).toEqual({
      id: { miner: 1000, number: 7 },
      proofType: 5,
    })
    expect(await c.waitSeed(id)).toEqual({ shouldWait: true, delaySeconds: 30, seed: null })
    expect(await c.submitProof(id, new Uint8Array([1, 2, 3]), false)).toEqual({ result: 1, desc: null })
    expect(calls).toEqual([
      ['Venus.AllocateSector', { AllowedMiners: [1000], AllowedProofTypes: null }],
      ['Venus.WaitSeed', { Miner: 1000, Number: 7 }],
      ['Venus.SubmitProof', { Miner: 1000, Number: 7 }, { Proof: 'AQID' }, false],
    ])
  })
})
