import { VenusError } from '../errors/index.js'
import {
  type PoStProofFacts,
  postProofFacts,
  type SealProofFacts,
  sealProofFacts,
} from '../proofs/registry.js'

/**
 * `abi.RegisteredSealProof` ids by name (go-state-types numbering, which the chain and the JSON
 * wire use). The proofs library names (`StackedDrg32GiBV1_1`) are the keys.
 *
 * @example
 * ```ts
 * RegisteredSealProof.StackedDrg32GiBV1_1 // 8
 * ```
 */
export const RegisteredSealProof = {
  StackedDrg2KiBV1: 0,
  StackedDrg8MiBV1: 1,
  StackedDrg512MiBV1: 2,
  StackedDrg32GiBV1: 3,
  StackedDrg64GiBV1: 4,
  StackedDrg2KiBV1_1: 5,
  StackedDrg8MiBV1_1: 6,
  StackedDrg512MiBV1_1: 7,
  StackedDrg32GiBV1_1: 8,
  StackedDrg64GiBV1_1: 9,
  StackedDrg2KiBV1_1_Feat_SyntheticPoRep: 10,
  StackedDrg8MiBV1_1_Feat_SyntheticPoRep: 11,
  StackedDrg512MiBV1_1_Feat_SyntheticPoRep: 12,
  StackedDrg32GiBV1_1_Feat_SyntheticPoRep: 13,
  StackedDrg64GiBV1_1_Feat_SyntheticPoRep: 14,
  StackedDrg2KiBV1_2_Feat_NonInteractivePoRep: 15,
  StackedDrg8MiBV1_2_Feat_NonInteractivePoRep: 16,
  StackedDrg512MiBV1_2_Feat_NonInteractivePoRep: 17,
  StackedDrg32GiBV1_2_Feat_NonInteractivePoRep: 18,
  StackedDrg64GiBV1_2_Feat_NonInteractivePoRep: 19,
} as const

/**
 * `abi.RegisteredPoStProof` ids by name. 0–4 are WinningPoSt, 5–9 WindowPoSt V1 (retired),
 * 10–14 WindowPoSt V1_1 (the proofs library's `V1_2` API version).
 *
 * @example
 * ```ts
 * RegisteredPoStProof.StackedDrgWindow32GiBV1_1 // 13
 * ```
 */
export const RegisteredPoStProof = {
  StackedDrgWinning2KiBV1: 0,
  StackedDrgWinning8MiBV1: 1,
  StackedDrgWinning512MiBV1: 2,
  StackedDrgWinning32GiBV1: 3,
  StackedDrgWinning64GiBV1: 4,
  StackedDrgWindow2KiBV1: 5,
  StackedDrgWindow8MiBV1: 6,
  StackedDrgWindow512MiBV1: 7,
  StackedDrgWindow32GiBV1: 8,
  StackedDrgWindow64GiBV1: 9,
  StackedDrgWindow2KiBV1_1: 10,
  StackedDrgWindow8MiBV1_1: 11,
  StackedDrgWindow512MiBV1_1: 12,
  StackedDrgWindow32GiBV1_1: 13,
  StackedDrgWindow64GiBV1_1: 14,
} as const

/**
 * `abi.RegisteredAggregationProof` ids.
 *
 * @example
 * ```ts
 * RegisteredAggregationProof.SnarkPackV2 // 1
 * ```
 */
export const RegisteredAggregationProof = { SnarkPackV1: 0, SnarkPackV2: 1 } as const

/**
 * `abi.RegisteredUpdateProof` ids (SnapDeals, `ProveReplicaUpdates3`'s `update_proofs_type`).
 * Every seal proof of a sector size maps to the update proof of that size.
 *
 * @example
 * ```ts
 * RegisteredUpdateProof.StackedDrg32GiBV1 // 3
 * ```
 */
export const RegisteredUpdateProof = {
  StackedDrg2KiBV1: 0,
  StackedDrg8MiBV1: 1,
  StackedDrg512MiBV1: 2,
  StackedDrg32GiBV1: 3,
  StackedDrg64GiBV1: 4,
} as const

/** An update proof name, e.g. `'StackedDrg32GiBV1'`. */
export type UpdateProofName = keyof typeof RegisteredUpdateProof

/** A seal proof name, e.g. `'StackedDrg32GiBV1_1'`. */
export type SealProofName = keyof typeof RegisteredSealProof
/** A PoSt proof name, e.g. `'StackedDrgWindow32GiBV1_1'`. */
export type PoStProofName = keyof typeof RegisteredPoStProof

const sealNames = new Map<number, SealProofName>(
  Object.entries(RegisteredSealProof).map(([k, v]) => [v, k as SealProofName]),
)
const postNames = new Map<number, PoStProofName>(
  Object.entries(RegisteredPoStProof).map(([k, v]) => [v, k as PoStProofName]),
)

/**
 * The proofs-library name of a seal proof id (the `registered_proof` string of the worker's
 * processor protocol).
 *
 * @example
 * ```ts
 * sealProofName(8) // 'StackedDrg32GiBV1_1'
 * ```
 */
export function sealProofName(id: number): SealProofName {
  const name = sealNames.get(id)
  if (name === undefined) {
    throw new VenusError('PROOF_TYPE_INVALID', `unknown seal proof id ${id}`, { details: { proofType: id } })
  }
  return name
}

/** The name of a PoSt proof id; see {@link sealProofName}. */
export function postProofName(id: number): PoStProofName {
  const name = postNames.get(id)
  if (name === undefined) {
    throw new VenusError('PROOF_TYPE_INVALID', `unknown PoSt proof id ${id}`, { details: { proofType: id } })
  }
  return name
}

/**
 * The name of an update proof id.
 *
 * @example
 * ```ts
 * updateProofName(0) // 'StackedDrg2KiBV1'
 * ```
 */
export function updateProofName(id: number): UpdateProofName {
  const name = (Object.keys(RegisteredUpdateProof) as UpdateProofName[]).find(
    (k) => RegisteredUpdateProof[k] === id,
  )
  if (name === undefined) {
    throw new VenusError('PROOF_TYPE_INVALID', `unknown update proof id ${id}`, {
      details: { proofType: id },
    })
  }
  return name
}

/**
 * A seal proof id from its name or its number (as a config file may give either).
 *
 * @example
 * ```ts
 * parseSealProof('StackedDrg2KiBV1_1') // 5
 * parseSealProof(5) // 5
 * ```
 */
export function parseSealProof(value: string | number): number {
  if (typeof value === 'number') {
    sealProofName(value)
    return value
  }
  const id = (RegisteredSealProof as Record<string, number>)[value]
  if (id === undefined) {
    throw new VenusError('PROOF_TYPE_INVALID', `unknown seal proof ${JSON.stringify(value)}`, {
      details: { proofType: value },
    })
  }
  return id
}

/** What a seal proof id implies: sector size, partitions, proof length, its PoSt proofs. */
export interface SealProofInfo extends SealProofFacts {
  name: SealProofName
  /** Sectors per WindowPoSt partition (the `WindowPoStPartitionSectors` of the actors). */
  windowPoStPartitionSectors: number
}

/**
 * Facts of a seal proof id: its sector size, SNARK partitions, proof length, and the WindowPoSt
 * and WinningPoSt proofs that belong to it.
 *
 * @example
 * ```ts
 * const info = sealProofInfo(RegisteredSealProof.StackedDrg32GiBV1_1)
 * info.sectorSize // 34359738368
 * info.windowPoStProof // 13
 * info.windowPoStPartitionSectors // 2349
 * ```
 */
export function sealProofInfo(id: number): SealProofInfo {
  const facts = sealProofFacts(id)
  return { ...facts, name: sealProofName(id), windowPoStPartitionSectors: facts.windowSectorsPerPartition }
}

/** Facts of a PoSt proof id, with its name. */
export interface PoStProofInfo extends PoStProofFacts {
  name: PoStProofName
}

/**
 * Facts of a PoSt proof id.
 *
 * @example
 * ```ts
 * postProofInfo(10).sectorSize // 2048
 * ```
 */
export function postProofInfo(id: number): PoStProofInfo {
  return { ...postProofFacts(id), name: postProofName(id) }
}

/**
 * The seal proof a new sector of `sectorSize` uses (V1_1, or the synthetic variant when
 * asked), as lotus' `SealProofTypeFromSectorSize` picks it on current networks.
 *
 * @example
 * ```ts
 * sealProofForSectorSize(2048) // 5
 * ```
 */
export function sealProofForSectorSize(
  sectorSize: number,
  variant: 'V1_1' | 'SyntheticPoRep' | 'NonInteractivePoRep' = 'V1_1',
): number {
  const index = SECTOR_SIZES.indexOf(sectorSize)
  if (index < 0) {
    throw new VenusError('SECTOR_SIZE_INVALID', `${sectorSize} is not a Filecoin sector size`, {
      details: { sectorSize },
    })
  }
  const base = variant === 'V1_1' ? 5 : variant === 'SyntheticPoRep' ? 10 : 15
  return base + index
}

/** The five sector sizes Filecoin seals, in proof-id order. */
export const SECTOR_SIZES: readonly number[] = [2048, 8 << 20, 512 << 20, 32 * 2 ** 30, 64 * 2 ** 30]
