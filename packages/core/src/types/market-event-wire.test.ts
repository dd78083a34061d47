import { describe, expect, it } from 'vitest'
import {
  MARKET_EVENT_LIMITS,
  marketRequestEventFromWire,
  marketRequestEventToWire,
  marketResponseFromWire,
  marketResponseToWire,
  minerIdOfAddress,
  UNSEAL_PIECE_EVENT,
  unsealRequestFromPayload,
  unsealRequestToWire,
} from './market-event-wire.js'

const PIECE = 'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq'
const req = {
  pieceCid: PIECE,
  miner: 1000,
  sectorNumber: 7,
  offset: 1016,
  size: 1016,
  dest: `market://s/${PIECE}`,
}
const payloadOf = (v: unknown) => new Uint8Array(Buffer.from(JSON.stringify(v)))

describe('market event wire', () => {
  it('reads back what it writes: request events, unseal requests and answers', () => {
    const wire = marketRequestEventToWire('id-1', UNSEAL_PIECE_EVENT, unsealRequestToWire(req))
    expect(wire.Id).toBe('id-1')
    const ev = marketRequestEventFromWire(wire)
    expect(ev.method).toBe(UNSEAL_PIECE_EVENT)
    expect(unsealRequestFromPayload(ev.payload)).toEqual(req)
    // Go writes the id as `Id`; `ID` is read too.
    expect(marketRequestEventFromWire({ ID: 'x', Method: 'InitConnect', Payload: null }).id).toBe('x')
    expect(marketResponseFromWire(marketResponseToWire({ id: 'a', state: 'uploading' }))).toEqual({
      id: 'a',
      state: 'uploading',
    })
    expect(marketResponseToWire({ id: 'a', state: 'finished' }).Payload).toBe(
      Buffer.from('"finished"').toString('base64'),
    )
    expect(marketResponseFromWire(marketResponseToWire({ id: 'b', error: 'no' }))).toEqual({
      id: 'b',
      error: 'no',
    })
  })

  it('refuses fields out of bounds or of the wrong kind, naming each', () => {
    const bad = (over: Record<string, unknown>) => payloadOf({ ...unsealRequestToWire(req), ...over })
    expect(() =>
      unsealRequestFromPayload(bad({ Dest: 'x'.repeat(MARKET_EVENT_LIMITS.destChars + 1) })),
    ).toThrow(/UnsealRequest\.Dest: must be at most 2048 characters/)
    expect(() => unsealRequestFromPayload(bad({ Sid: -1 }))).toThrow(
      /UnsealRequest\.Sid: must be a non-negative integer/,
    )
    expect(() => unsealRequestFromPayload(bad({ Offset: 1.5 }))).toThrow(/UnsealRequest\.Offset/)
    expect(() => unsealRequestFromPayload(bad({ Size: '1016' }))).toThrow(/UnsealRequest\.Size/)
    expect(() => unsealRequestFromPayload(bad({ Miner: 't3abc' }))).toThrow(
      /UnsealRequest\.Miner: must be a miner ID address/,
    )
    expect(() => unsealRequestFromPayload(bad({ PieceCid: { '/': 'bafy' } }))).toThrow(
      /UnsealRequest\.PieceCid/,
    )
    expect(() => unsealRequestFromPayload(bad({ PieceCid: 'baga' }))).toThrow(/PieceCid: must be a CID link/)
    expect(() => unsealRequestFromPayload(payloadOf([1]))).toThrow(/UnsealRequest: must be an object/)
    expect(() => unsealRequestFromPayload(new Uint8Array([0x7b]))).toThrow(/not JSON/)
    expect(() => marketRequestEventFromWire({ Id: 'x'.repeat(65), Method: 'm', Payload: null })).toThrow(
      /RequestEvent\.Id: must be at most 64/,
    )
    expect(() =>
      marketRequestEventFromWire({
        Id: 'x',
        Method: 'm',
        Payload: 'A'.repeat(MARKET_EVENT_LIMITS.payloadChars + 4),
      }),
    ).toThrow(/RequestEvent\.Payload: must be at most/)
    expect(() => marketRequestEventFromWire({ Id: 'x', Method: 'm', Payload: '**' })).toThrow(
      /must be base64/,
    )
    expect(() =>
      marketResponseFromWire({ Id: 'x', Payload: Buffer.from('"done"').toString('base64') }),
    ).toThrow(/must be one of set_up/)
    expect(minerIdOfAddress('f01234')).toBe(1234)
    expect(() => minerIdOfAddress('t0' + '9'.repeat(20))).toThrow(/miner ID address/)
  })
})
