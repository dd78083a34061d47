import { describe, expect, it } from 'vitest'
import { encodeBitfield, encodeBitfieldRuns } from './bitfield.js'
import {
  decodeChangeOwnerAddress,
  decodeChangeWorkerAddress,
  decodeCompactSectorNumbers,
  decodeTerminateSectorsReturn,
  decodeWithdrawBalance,
  decodeWithdrawBalanceReturn,
  encodeChangeOwnerAddress,
  encodeChangeWorkerAddress,
  encodeCompactSectorNumbers,
  encodeTerminateSectorsReturn,
  encodeWithdrawBalance,
  encodeWithdrawBalanceReturn,
} from './miner-admin-params.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const unhex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))

// Vectors written from the go-state-types tuple layouts: a 1-tuple of big-integer bytes, address
// bytes (protocol byte + LEB128 id), and an RLE+ bitfield.
describe('miner admin params CBOR', () => {
  it('WithdrawBalance {1 FIL} → 8149000de0b6b3a7640000, and its bare big-integer return', () => {
    const bytes = encodeWithdrawBalance({ amountRequested: 10n ** 18n })
    expect(hex(bytes)).toBe('8149000de0b6b3a7640000')
    expect(decodeWithdrawBalance(bytes)).toEqual({ amountRequested: 10n ** 18n })
    expect(hex(encodeWithdrawBalanceReturn(3n))).toBe('420003')
    expect(decodeWithdrawBalanceReturn(unhex('420003'))).toBe(3n)
    expect(decodeWithdrawBalanceReturn(encodeWithdrawBalanceReturn(0n))).toBe(0n)
  })

  it('ChangeWorkerAddress {f01001, [f01002]} → 824300e907814300ea07', () => {
    const params = { newWorker: 'f01001', newControlAddresses: ['f01002'] }
    const bytes = encodeChangeWorkerAddress(params)
    expect(hex(bytes)).toBe('824300e907814300ea07')
    expect(decodeChangeWorkerAddress(bytes)).toEqual(params)
    expect(decodeChangeWorkerAddress(bytes, 't')).toEqual({
      newWorker: 't01001',
      newControlAddresses: ['t01002'],
    })
  })

  it('ChangeOwnerAddress f01001 → the bare address bytes 4300e907', () => {
    expect(hex(encodeChangeOwnerAddress('f01001'))).toBe('4300e907')
    expect(decodeChangeOwnerAddress(unhex('4300e907'), 't')).toBe('t01001')
  })

  it('CompactSectorNumbers keeps the mask encoded and refuses malformed RLE+', () => {
    const mask = encodeBitfieldRuns([0, 1_000_000_000])
    const bytes = encodeCompactSectorNumbers({ maskSectorNumbers: mask })
    expect(hex(bytes)).toBe(`81${hex(Uint8Array.of(0x40 + mask.length))}${hex(mask)}`)
    expect(decodeCompactSectorNumbers(bytes).maskSectorNumbers).toEqual(mask)
    expect(hex(encodeCompactSectorNumbers({ maskSectorNumbers: encodeBitfield([5, 6, 7]) }))).toBe('8142b01c')
    expect(() => decodeCompactSectorNumbers(unhex('8141ff'))).toThrow(
      expect.objectContaining({ code: 'BITFIELD_INVALID' }),
    )
  })

  it('TerminateSectors return [true] → 81f5', () => {
    expect(hex(encodeTerminateSectorsReturn(true))).toBe('81f5')
    expect(decodeTerminateSectorsReturn(unhex('81f4'))).toBe(false)
  })

  it('names the field that is wrong', () => {
    expect(() => decodeWithdrawBalance(unhex('8101'))).toThrow(
      expect.objectContaining({ code: 'CBOR_INVALID' }),
    )
    expect(() => decodeChangeWorkerAddress(unhex('82430000e90780'))).toThrow()
    expect(() => decodeChangeOwnerAddress(unhex('01'))).toThrow(/ChangeOwnerAddress params/)
  })
})
