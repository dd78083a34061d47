import { describe, expect, it } from 'vitest'
import { VenusError } from '../errors/index.js'
import { createRpcClient } from './client.js'
import { localTransport } from './local.js'
import type { RpcMethod } from './types.js'

const methods: Record<string, RpcMethod> = {
  'T.Big': () => ({ when: new Date(0), skip: undefined }),
  'T.Void': () => undefined,
  'T.Fail': () => {
    throw new VenusError('NOT_FOUND', 'nothing here')
  },
  'T.Slow': (_p, ctx) =>
    new Promise((_res, rej) => ctx.signal.addEventListener('abort', () => rej(new Error('stopped')))),
  'T.Ticks': (p) =>
    (async function* () {
      for (let i = 0; i < Number(p[0]); i++) yield i
    })(),
}

describe('localTransport', () => {
  it('returns wire JSON, null for void, and passes VenusErrors through', async () => {
    const c = createRpcClient(localTransport(methods))
    expect(await c.call('T.Big')).toEqual({ when: '1970-01-01T00:00:00.000Z' })
    expect(await c.call('T.Void')).toBeNull()
    await expect(c.call('T.Fail')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(c.call('T.None')).rejects.toMatchObject({ code: 'RPC_METHOD_NOT_FOUND' })
    await expect(c.call('T.Ticks', [1])).rejects.toMatchObject({ code: 'UNSUPPORTED' })
  })

  it('streams channel methods and times out calls', async () => {
    const c = createRpcClient(localTransport(methods))
    const got: unknown[] = []
    for await (const v of c.subscribe('T.Ticks', [3])) got.push(v)
    expect(got).toEqual([0, 1, 2])
    await expect(c.call('T.Slow', [], { timeoutMs: 20 })).rejects.toMatchObject({ code: 'RPC_TIMEOUT' })
  })
})
