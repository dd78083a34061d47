import { describe, expect, it } from 'vitest'
import { isVenusError } from '../errors/index.js'
import {
  postProofFacts,
  sealProofFacts,
  sectorCacheFiles,
  sectorShape,
  updateCacheFiles,
  updateProofFacts,
} from './registry.js'

describe('proofs registry', () => {
  it('maps seal proof ids to sizes, versions and partitions as the library registry does', () => {
    expect(sealProofFacts(0)).toMatchObject({
      sectorSize: 2048,
      apiVersion: '1.0.0',
      variant: 'V1',
      partitions: 1,
    })
    expect(sealProofFacts(8)).toMatchObject({
      sectorSize: 32 * 1024 ** 3,
      apiVersion: '1.1.0',
      layers: 11,
      proofLength: 1920,
    })
    expect(sealProofFacts(12)).toMatchObject({
      variant: 'SyntheticPoRep',
      apiVersion: '1.2.0',
      partitions: 1,
    })
    expect(sealProofFacts(15)).toMatchObject({ variant: 'NonInteractivePoRep', proofLength: 2496 })
    expect(sealProofFacts(9)).toMatchObject({ windowPoStProof: 14, winningPoStProof: 4, baseTrees: 16 })
  })

  it('maps PoSt proof ids to kind, size and partition size', () => {
    expect(postProofFacts(0)).toMatchObject({ kind: 'winning', sectorSize: 2048, challengesPerSector: 66 })
    expect(postProofFacts(8)).toMatchObject({
      kind: 'window',
      apiVersion: '1.0.0',
      sectorsPerPartition: 2349,
    })
    expect(postProofFacts(11)).toMatchObject({ kind: 'window', apiVersion: '1.2.0', sectorsPerPartition: 2 })
  })

  it('rejects unknown proof ids and sector sizes with typed errors', () => {
    for (const bad of [-1, 20, 1.5, Number.NaN]) {
      expect(() => sealProofFacts(bad)).toThrow(expect.objectContaining({ code: 'PROOF_TYPE_INVALID' }))
    }
    expect(() => postProofFacts(15)).toThrow(expect.objectContaining({ code: 'PROOF_TYPE_INVALID' }))
    try {
      sectorShape(4096)
    } catch (err) {
      expect(isVenusError(err, 'SECTOR_SIZE_INVALID')).toBe(true)
    }
  })

  it('names the cache files of split trees with an index and sizes tree D as a full binary tree', () => {
    const small = sectorCacheFiles(8 * 1024 * 1024)
    expect(small[0]).toMatchObject({ name: 'sc-02-data-tree-d.dat', size: (2 * 262144 - 1) * 32 })
    const big = sectorCacheFiles(64 * 1024 ** 3).map((f) => f.name)
    expect(big.filter((n) => n.startsWith('sc-02-data-tree-r-last-'))).toHaveLength(16)
    expect(big).toContain('sc-02-data-tree-c-15.dat')
    expect(big).toContain('sc-02-data-layer-11.dat')
    const kept = sectorCacheFiles(32 * 1024 ** 3)
      .filter((f) => f.keptByClearCache)
      .map((f) => f.name)
    expect(kept).toEqual([
      ...Array.from({ length: 8 }, (_, i) => `sc-02-data-tree-r-last-${i}.dat`),
      'p_aux',
      't_aux',
    ])
  })

  it('maps update proof ids to the update circuit partitions, not the PoRep ones', () => {
    expect([0, 1, 2, 3, 4].map((id) => updateProofFacts(id).partitions)).toEqual([1, 4, 16, 16, 16])
    expect([0, 1, 2, 3, 4].map((id) => updateProofFacts(id).challengesPerPartition)).toEqual([
      10, 10, 86, 86, 86,
    ])
    expect(updateProofFacts(4)).toMatchObject({
      sectorSize: 64 * 1024 ** 3,
      proofLength: 3072,
      apiVersion: '1.1.0',
    })
    // Every seal proof variant of a size maps to that size's update proof.
    expect([3, 8, 13, 18].map((id) => sealProofFacts(id).updateProof)).toEqual([3, 3, 3, 3])
    let err: unknown
    try {
      updateProofFacts(5)
    } catch (e) {
      err = e
    }
    expect(isVenusError(err, 'PROOF_TYPE_INVALID')).toBe(true)
  })

  it('lists the update cache files PoSt of a snapped sector reads', () => {
    expect(updateCacheFiles(2048).map((f) => f.name)).toEqual([
      'sc-02-data-tree-d.dat',
      'sc-02-data-tree-r-last.dat',
      'p_aux',
      't_aux',
    ])
    const big = updateCacheFiles(32 * 1024 ** 3)
    expect(big.filter((f) => f.name.startsWith('sc-02-data-tree-r-last-')).length).toBe(8)
    expect(big.some((f) => f.name.includes('tree-c') || f.name.includes('layer'))).toBe(false)
  })
})
