import { describe, expect, it } from 'vitest'
import { VenusError } from '../errors/index.js'
import { fromRpcError, httpStatusForRpcCode, toRpcError } from './errors.js'

describe('JSON-RPC error mapping', () => {
  it.each([
    ['RPC_PARSE', -32700],
    ['RPC_BODY_TOO_LARGE', -32700],
    ['RPC_INVALID_REQUEST', -32600],
    ['RPC_METHOD_NOT_FOUND', -32601],
    ['RPC_INVALID_PARAMS', -32602],
    ['ACTOR_NOT_FOUND', 11],
    ['SECTOR_NOT_FOUND', 1],
    ['PERMISSION_DENIED', 1],
  ] as const)('maps %s to code %i and back', (code, rpcCode) => {
    const wire = JSON.parse(JSON.stringify(toRpcError(new VenusError(code, 'why', { details: { k: 1 } }))))
    expect(wire.code).toBe(rpcCode)
    const back = fromRpcError(wire, 'X.Y')
    expect(back.code).toBe(code)
    expect(back.message).toBe('why')
    expect(back.details).toEqual({ k: 1, rpcCode, method: 'X.Y' })
  })

  it('maps errors of non-venus servers by JSON-RPC code and keeps their message', () => {
    expect(fromRpcError({ code: -32601, message: "method 'A' not found" })).toMatchObject({
      code: 'RPC_METHOD_NOT_FOUND',
    })
    expect(fromRpcError({ code: 11, message: 'actor not found' })).toMatchObject({ code: 'ACTOR_NOT_FOUND' })
    const lotus = fromRpcError(
      { code: 1, message: 'missing permission to invoke', meta: { Foo: 1 } },
      'Filecoin.X',
    )
    expect(lotus).toMatchObject({ code: 'RPC_SERVER', message: 'missing permission to invoke' })
    expect(lotus.details).toEqual({ rpcCode: 1, method: 'Filecoin.X' })
    expect(fromRpcError('garbage')).toMatchObject({ code: 'RPC_SERVER', details: { rpcCode: -32603 } })
  })

  it('reads the VenusError from meta too, and plain errors become code 1', () => {
    const meta = new VenusError('TIMEOUT', 'slow').toJSON()
    expect(fromRpcError({ code: 1, message: 'slow', meta })).toMatchObject({ code: 'TIMEOUT' })
    expect(toRpcError(new TypeError('bad'))).toEqual({ code: 1, message: 'bad' })
    expect(toRpcError('text')).toEqual({ code: 1, message: 'text' })
  })

  it('uses HTTP 500 for protocol codes and 200 for handler codes', () => {
    expect([-32700, -32600, -32601, -32602, -32603].map(httpStatusForRpcCode)).toEqual([
      500, 500, 500, 500, 500,
    ])
    expect([0, 1, 11, 11001].map(httpStatusForRpcCode)).toEqual([200, 200, 200, 200])
  })
})
