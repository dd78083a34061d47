import { describe, expect, it } from 'vitest'
import {
  beneficiaryAvailable,
  decodeChangeBeneficiary,
  decodeGetBeneficiaryReturn,
  encodeChangeBeneficiary,
  encodeGetBeneficiaryReturn,
} from './beneficiary.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('beneficiary codecs', () => {
  it('encodes ChangeBeneficiaryParams as a 3-tuple of address, big integer and epoch', () => {
    const bytes = encodeChangeBeneficiary({
      newBeneficiary: 'f01002',
      newQuota: 10n ** 18n,
      newExpiration: 1000,
    })
    // [h'00ea07', h'000de0b6b3a7640000', 1000]
    expect(hex(bytes)).toBe('834300ea0749000de0b6b3a76400001903e8')
    expect(decodeChangeBeneficiary(bytes)).toEqual({
      newBeneficiary: 'f01002',
      newQuota: 10n ** 18n,
      newExpiration: 1000,
    })
    expect(() => decodeChangeBeneficiary(Uint8Array.of(0x82, 0x40, 0x40))).toThrow(/3-element tuple/)
  })

  it('round-trips GetBeneficiaryReturn with and without a proposal', () => {
    const active = { beneficiary: 't01000', term: { quota: 0n, usedQuota: 0n, expiration: 0 } }
    expect(decodeGetBeneficiaryReturn(encodeGetBeneficiaryReturn({ active, proposed: null }), 't')).toEqual({
      active,
      proposed: null,
    })
    const proposed = {
      newBeneficiary: 't01005',
      newQuota: 5n,
      newExpiration: 99,
      approvedByBeneficiary: true,
      approvedByNominee: false,
    }
    expect(decodeGetBeneficiaryReturn(encodeGetBeneficiaryReturn({ active, proposed }), 't')).toEqual({
      active,
      proposed,
    })
  })

  it('counts what a beneficiary may still withdraw only while its term runs', () => {
    const term = { quota: 10n, usedQuota: 4n, expiration: 100 }
    expect(beneficiaryAvailable(term, 99)).toBe(6n)
    expect(beneficiaryAvailable(term, 100)).toBe(0n)
    expect(beneficiaryAvailable({ ...term, usedQuota: 12n }, 1)).toBe(0n)
  })
})
