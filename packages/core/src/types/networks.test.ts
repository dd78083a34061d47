import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { detectNetwork, NETWORK_PARAMS, networkParams, parseNetworkName } from './networks.js'
import { MINER_POLICY } from './policy.js'
import { sealProofInfo } from './proof-types.js'

describe('network parameters', () => {
  it('gives the 2k devnet a 4 s block delay and PreCommitChallengeDelay 10', () => {
    const p = networkParams('2k')
    expect(p.blockDelaySecs).toBe(4)
    expect(p.preCommitChallengeDelay).toBe(10)
    expect(p.sectorSizes).toEqual([2048, 8 << 20])
    expect(p.eip155ChainId).toBe(31415926)
  })

  it('resolves StateNetworkName values to their networks', () => {
    expect(networkParams('testnetnet').kind).toBe('mainnet')
    expect(networkParams('calibrationnet').kind).toBe('calibnet')
    expect(networkParams('butterflynet').kind).toBe('butterfly')
    expect(networkParams('localnet-0d9f').kind).toBe('2k')
    expect(networkParams('devnet').kind).toBe('2k')
  })

  it('allows only V1_1 and SyntheticPoRep seal proofs of the allowed sector sizes', () => {
    for (const p of Object.values(NETWORK_PARAMS)) {
      expect(p.allowedSealProofs).toHaveLength(p.sectorSizes.length * 2)
      for (const id of p.allowedSealProofs) {
        expect(p.sectorSizes).toContain(sealProofInfo(id).sectorSize)
      }
    }
    expect(NETWORK_PARAMS.mainnet.allowedSealProofs).toEqual([8, 13, 9, 14])
  })

  it('uses the same epoch constants on every network', () => {
    for (const p of Object.values(NETWORK_PARAMS)) {
      expect([p.finality, p.interactivePoRepConfidence, p.messageConfidence]).toEqual([900, 6, 5])
    }
  })

  it('rejects unknown network names with INVALID_ARGUMENT naming the input', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{3,8}x$/), (name) => {
        expect(() => networkParams(name)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
      }),
      { numRuns: 50 },
    )
    expect(() => networkParams('nosuchnet')).toThrow(/nosuchnet/)
  })
})

describe('network names', () => {
  it('parses --net names and aliases and detects devnets', () => {
    expect(parseNetworkName('mainnet')).toBe('mainnet')
    expect(parseNetworkName('cali')).toBe('calibnet')
    expect(parseNetworkName('butterflynet')).toBe('butterfly')
    expect(parseNetworkName('devnet')).toBe('2k')
    expect(() => parseNetworkName('moon')).toThrow(expect.objectContaining({ code: 'NETWORK_UNKNOWN' }))
    expect(detectNetwork('calibrationnet')).toBe('calibnet')
    expect(detectNetwork('localnet-devnet')).toBe('2k')
    expect(detectNetwork('something')).toBe('2k')
    expect(networkParams('mainnet')).toMatchObject({
      addressPrefix: 'f',
      blockDelaySecs: 30,
      preCommitChallengeDelay: 150,
    })
    expect(networkParams('2k')).toMatchObject({ addressPrefix: 't', preCommitChallengeDelay: 10 })
  })

  it('carries the miner policy bounds, with the prove-commit window after the challenge delay', () => {
    expect(NETWORK_PARAMS.mainnet).toMatchObject({
      sealRandomnessLookback: 900,
      maxPreCommitRandomnessLookback: 3780,
      minSectorExpiration: 180 * 2880,
      maxSectorExpirationExtension: 1278 * 2880,
      sectorMaxLifetime: 5 * 365 * 2880,
      provingPeriod: 2880,
      maxProveCommitDuration: 30 * 2880 + 150,
    })
    expect(NETWORK_PARAMS['2k'].maxProveCommitDuration).toBe(MINER_POLICY.maxProveCommitDurationBase + 10)
  })
})
