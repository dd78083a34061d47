import { createRpcClient, customTransport, httpTransport, VenusError } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { SealingFailure } from './failure.js'
import { sealerClient } from './sealer-client.js'

const id = { Miner: 1000, Number: 7 }

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
})
