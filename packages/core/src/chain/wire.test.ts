import { describe, expect, it } from 'vitest'
import { messageCid } from '../codecs/message.js'
import { decodeBase64Json, fromLotusMessage, toLotusMessage, unfilledMessage } from './wire.js'

describe('Lotus JSON messages', () => {
  it('leaves nonce and gas at zero for the node or messager to fill, the fee cap when given', () => {
    const params = Uint8Array.of(0x81, 0x81, 0x83, 0x03, 0x00, 0x42, 0xb0, 0x1c)
    expect(toLotusMessage(unfilledMessage({ from: 't3abc', to: 't01000', method: 10, params }))).toEqual({
      Version: 0,
      To: 't01000',
      From: 't3abc',
      Nonce: 0,
      Value: '0',
      GasLimit: 0,
      GasFeeCap: '0',
      GasPremium: '0',
      Method: 10,
      Params: 'gYGDAwBCsBw=',
    })
    const paid = unfilledMessage({
      from: 't01001',
      to: 't01000',
      method: 0,
      params: new Uint8Array(),
      value: 10n ** 18n,
      gasFeeCap: 7n,
    })
    expect(toLotusMessage(paid)).toMatchObject({ Value: '1000000000000000000', GasFeeCap: '7', Params: '' })
  })

  it('reads a Lotus JSON message back to the same CID, with a null Params as no params', () => {
    const msg = {
      version: 0,
      to: 't01000',
      from: 't01001',
      nonce: 7,
      value: 0n,
      gasLimit: 1000000,
      gasFeeCap: 100000n,
      gasPremium: 1000n,
      method: 10,
      params: Uint8Array.of(0x81, 0x81, 0x83, 0x03, 0x00, 0x42, 0xb0, 0x1c),
    }
    const back = fromLotusMessage(toLotusMessage(msg))
    expect(back).toEqual(msg)
    expect(messageCid(back).toString()).toBe('bafy2bzacecavyojjfxzcsftevoltybrrnjrdwcm4yk4r42qr422gd77pxblz2')
    expect(fromLotusMessage({ ...toLotusMessage(msg), Params: null }).params).toEqual(new Uint8Array(0))
  })

  it('refuses amounts that are not integers and params that are not base64, naming the field', () => {
    const ok = toLotusMessage(
      unfilledMessage({ from: 't01001', to: 't01000', method: 0, params: new Uint8Array() }),
    )
    expect(() => fromLotusMessage({ ...ok, Value: '1.5' })).toThrow(/Value/)
    expect(() => fromLotusMessage({ ...ok, Params: 'not base64!' })).toThrow(/Params/)
  })
})

describe('decodeBase64Json', () => {
  it('takes padded base64 only: whole groups of four, at most two = at the end', () => {
    expect([...decodeBase64Json('AQID')]).toEqual([1, 2, 3])
    expect([...decodeBase64Json('AQI=')]).toEqual([1, 2])
    expect([...decodeBase64Json('AQ==')]).toEqual([1])
    expect(decodeBase64Json('')).toHaveLength(0)
    expect(decodeBase64Json(null)).toHaveLength(0)
    for (const bad of ['AQ', 'AQI', 'A===', '====', 'AQ==AQID', 'AQ=D', 'AQ I', 'AQ-_', 7])
      expect(() => decodeBase64Json(bad, 'Proof'), String(bad)).toThrow(/Proof is not padded base64/)
  })
})
