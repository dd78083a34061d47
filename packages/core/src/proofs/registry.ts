import { VenusError } from '../errors/index.js'
import type { PoStProofType, SealProofType } from './backend.js'
import type { UpdateProofType } from './backend-update.js'

/** Bytes of one Groth16 proof of one SNARK partition (G1 + G2 + G1, compressed). */
export const SNARK_PROOF_BYTES = 192

/** Per-sector-size facts of the proofs library (`filecoin-proofs/src/constants.rs`). */
export interface SectorShape {
  sectorSize: number
  /** SDR layers (2 for ≤1GiB, 11 for 32/64GiB). */
  layers: number
  /** Interactive PoRep partitions (1 for ≤1GiB, 10 for 32/64GiB). */
  porepPartitions: number
  /** NI-PoRep partitions (13 small, 126 large). */
  niPorepPartitions: number
  /** Number of base trees the sector is split into for tree C / tree R-last (1, 8 or 16). */
  baseTrees: number
  /** WindowPoSt sectors per partition. */
  windowSectorsPerPartition: number
}

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

/** The five sector sizes, in proof-id order (id % 5). */
const SHAPES: readonly SectorShape[] = [
  {
    sectorSize: 2 * KiB,
    layers: 2,
    porepPartitions: 1,
    niPorepPartitions: 13,
    baseTrees: 1,
    windowSectorsPerPartition: 2,
  },
  {
    sectorSize: 8 * MiB,
    layers: 2,
    porepPartitions: 1,
    niPorepPartitions: 13,
    baseTrees: 1,
    windowSectorsPerPartition: 2,
  },
  {
    sectorSize: 512 * MiB,
    layers: 2,
    porepPartitions: 1,
    niPorepPartitions: 13,
    baseTrees: 1,
    windowSectorsPerPartition: 2,
  },
  {
    sectorSize: 32 * GiB,
    layers: 11,
    porepPartitions: 10,
    niPorepPartitions: 126,
    baseTrees: 8,
    windowSectorsPerPartition: 2349,
  },
  {
    sectorSize: 64 * GiB,
    layers: 11,
    porepPartitions: 10,
    niPorepPartitions: 126,
    baseTrees: 16,
    windowSectorsPerPartition: 2300,
  },
]

/** Facts of a seal proof id (go-state-types `abi.RegisteredSealProof`, 0–19). */
export interface SealProofFacts extends SectorShape {
  proofType: SealProofType
  apiVersion: string
  variant: 'V1' | 'V1_1' | 'SyntheticPoRep' | 'NonInteractivePoRep'
  /** SNARK partitions of this proof type's C2 proof. */
  partitions: number
  /** C2 proof length in bytes. */
  proofLength: number
  /** WindowPoSt proof type (V1_1 numbering, 10–14) used for sectors sealed with this proof. */
  windowPoStProof: PoStProofType
  /** WinningPoSt proof type (0–4). */
  winningPoStProof: PoStProofType
  /** `RegisteredUpdateProof` (0–4) a SnapDeals update of a sector sealed with this proof uses. */
  updateProof: UpdateProofType
}

/** Facts of a PoSt proof id (go-state-types `abi.RegisteredPoStProof`, 0–14). */
export interface PoStProofFacts {
  postProofType: PoStProofType
  kind: 'winning' | 'window'
  sectorSize: number
  apiVersion: string
  sectorsPerPartition: number
  challengesPerSector: number
  shape: SectorShape
}

function checkId(id: number, max: number, what: string): number {
  if (!Number.isInteger(id) || id < 0 || id > max) {
    throw new VenusError('PROOF_TYPE_INVALID', `unknown ${what} proof type`, { details: { proofType: id } })
  }
  return id
}

/**
 * Facts of a seal proof id.
 *
 * @throws VenusError `PROOF_TYPE_INVALID` for an id outside 0–19.
 * @example
 * ```ts
 * sealProofFacts(8).partitions // 10 (32GiB V1_1)
 * ```
 */
export function sealProofFacts(proofType: SealProofType): SealProofFacts {
  const id = checkId(proofType, 19, 'seal')
  const shape = SHAPES[id % 5] as SectorShape
  const group = Math.floor(id / 5)
  const variant = (['V1', 'V1_1', 'SyntheticPoRep', 'NonInteractivePoRep'] as const)[group] ?? 'V1'
  const apiVersion = group === 0 ? '1.0.0' : group === 1 ? '1.1.0' : '1.2.0'
  const partitions = variant === 'NonInteractivePoRep' ? shape.niPorepPartitions : shape.porepPartitions
  return {
    ...shape,
    proofType: id,
    apiVersion,
    variant,
    partitions,
    proofLength: partitions * SNARK_PROOF_BYTES,
    windowPoStProof: 10 + (id % 5),
    winningPoStProof: id % 5,
    updateProof: id % 5,
  }
}

/**
 * Facts of a PoSt proof id: 0–4 winning, 5–9 window V1, 10–14 window V1_1 (the Rust API's V1_2).
 *
 * @throws VenusError `PROOF_TYPE_INVALID` for an id outside 0–14.
 * @example
 * ```ts
 * postProofFacts(13).sectorsPerPartition // 2349 (window 32GiB)
 * ```
 */
export function postProofFacts(postProofType: PoStProofType): PoStProofFacts {
  const id = checkId(postProofType, 14, 'PoSt')
  const shape = SHAPES[id % 5] as SectorShape
  const winning = id < 5
  return {
    postProofType: id,
    kind: winning ? 'winning' : 'window',
    sectorSize: shape.sectorSize,
    apiVersion: id >= 10 ? '1.2.0' : '1.0.0',
    sectorsPerPartition: winning ? 1 : shape.windowSectorsPerPartition,
    challengesPerSector: winning ? 66 : 10,
    shape,
  }
}

/** Facts of a `RegisteredUpdateProof` id (empty-sector update, SnapDeals). */
export interface UpdateProofFacts {
  updateProofType: UpdateProofType
  sectorSize: number
  /** Library API version: every update proof is `'1.1.0'`. */
  apiVersion: string
  /**
   * SNARK partitions of one update proof (`storage-proofs-update` `partition_count`): 1 up to
   * 8KiB, 2 up to 32KiB, 4 up to 16MiB, 16 above. Not the PoRep partition count.
   */
  partitions: number
  /** Challenges per partition: 10 up to 16MiB, 86 above. */
  challengesPerPartition: number
  /** Length of an update proof in bytes: 192 · partitions (the actor's limit is 4096). */
  proofLength: number
  shape: SectorShape
}

/**
 * Facts of a `RegisteredUpdateProof` id: 0 = StackedDrg2KiBV1, 1 = 8MiB, 2 = 512MiB,
 * 3 = 32GiB, 4 = 64GiB. Every seal proof of a sector size (V1, V1_1, synthetic, NI) maps to
 * the one update proof of that size (`SealProofFacts.updateProof`).
 *
 * @throws VenusError `PROOF_TYPE_INVALID` for an id outside 0–4.
 * @example
 * ```ts
 * updateProofFacts(1).partitions // 4 (8MiB)
 * updateProofFacts(3).proofLength // 3072 (32GiB: 16 partitions)
 * ```
 */
export function updateProofFacts(updateProofType: UpdateProofType): UpdateProofFacts {
  const id = checkId(updateProofType, 4, 'update')
  const shape = SHAPES[id] as SectorShape
  const nodes = shape.sectorSize / 32
  const partitions = nodes <= 256 ? 1 : nodes <= 1024 ? 2 : nodes <= 1 << 19 ? 4 : 16
  return {
    updateProofType: id,
    sectorSize: shape.sectorSize,
    apiVersion: '1.1.0',
    partitions,
    challengesPerPartition: nodes <= 1 << 19 ? 10 : 86,
    proofLength: partitions * SNARK_PROOF_BYTES,
    shape,
  }
}

/**
 * The sector shape of a sector size.
 *
 * @throws VenusError `SECTOR_SIZE_INVALID` for a size Filecoin does not seal.
 * @example
 * ```ts
 * sectorShape(64 * 1024 ** 3).baseTrees // 16
 * ```
 */
export function sectorShape(sectorSize: number): SectorShape {
  const shape = SHAPES.find((s) => s.sectorSize === sectorSize)
  if (shape === undefined) {
    throw new VenusError('SECTOR_SIZE_INVALID', 'unsupported sector size', { details: { sectorSize } })
  }
  return shape
}

/** Nodes of a complete `arity`-ary tree over `leaves` leaves (leaves included). */
function treeNodes(leaves: number, arity: number): number {
  let total = 0
  for (let n = leaves; n >= 1; n /= arity) {
    total += n
    if (n === 1) break
  }
  return total
}

/** One cache file the proofs library leaves behind, with the size it has. */
export interface CacheFile {
  name: string
  size: number
  /** Which phase writes it and whether `clear_cache` keeps it. */
  phase: 'pc1' | 'pc2'
  keptByClearCache: boolean
}

/**
 * The files of a sector cache directory after PC2, named as rust-fil-proofs names them:
 * `sc-02-data-tree-d.dat`, `sc-02-data-layer-<n>.dat`, `sc-02-data-tree-c[-i].dat`,
 * `sc-02-data-tree-r-last[-i].dat`, `p_aux` and `t_aux`. Trees split into several base trees
 * (32GiB: 8, 64GiB: 16) get an index suffix. Sizes of tree C / tree R-last are those of the full
 * trees (the real tree R-last keeps fewer rows; its size is not part of any contract).
 *
 * @example
 * ```ts
 * sectorCacheFiles(2048).map((f) => f.name)
 * // ['sc-02-data-tree-d.dat', 'sc-02-data-layer-1.dat', 'sc-02-data-layer-2.dat',
 * //  'sc-02-data-tree-c.dat', 'sc-02-data-tree-r-last.dat', 'p_aux', 't_aux']
 * ```
 */
export function sectorCacheFiles(sectorSize: number): CacheFile[] {
  const shape = sectorShape(sectorSize)
  const leaves = sectorSize / 32
  const files: CacheFile[] = [
    { name: 'sc-02-data-tree-d.dat', size: (2 * leaves - 1) * 32, phase: 'pc1', keptByClearCache: false },
  ]
  for (let l = 1; l <= shape.layers; l++) {
    files.push({ name: `sc-02-data-layer-${l}.dat`, size: sectorSize, phase: 'pc1', keptByClearCache: false })
  }
  const baseLeaves = leaves / shape.baseTrees
  // Base trees are 8-ary; a base tree whose leaf count is not a power of 8 does not occur for
  // the five sizes (2KiB 8^2, 8MiB 8^6, 512MiB 8^8, 32GiB 8^9 per tree, 64GiB 8^9 per tree).
  const baseSize = treeNodes(baseLeaves, 8) * 32
  for (const kind of ['tree-c', 'tree-r-last'] as const) {
    if (shape.baseTrees === 1) {
      files.push({
        name: `sc-02-data-${kind}.dat`,
        size: baseSize,
        phase: 'pc2',
        keptByClearCache: kind !== 'tree-c',
      })
    } else {
      for (let i = 0; i < shape.baseTrees; i++) {
        files.push({
          name: `sc-02-data-${kind}-${i}.dat`,
          size: baseSize,
          phase: 'pc2',
          keptByClearCache: kind !== 'tree-c',
        })
      }
    }
  }
  files.push({ name: 'p_aux', size: 64, phase: 'pc2', keptByClearCache: true })
  files.push({ name: 't_aux', size: 0, phase: 'pc2', keptByClearCache: true })
  return files
}

/**
 * The files of an update cache directory (`update-cache/<id>`) after `encodeInto`, named as the
 * library names them: tree D of the new data, the new replica's `tree-r-last` file(s), `p_aux`
 * (the unchanged comm_c and the new comm_r_last) and `t_aux` (copied from the sector key's
 * cache). `keptByClearCache` marks what PoSt of the updated sector reads; tree D is not.
 *
 * @example
 * ```ts
 * updateCacheFiles(2048).map((f) => f.name)
 * // ['sc-02-data-tree-d.dat', 'sc-02-data-tree-r-last.dat', 'p_aux', 't_aux']
 * ```
 */
export function updateCacheFiles(sectorSize: number): CacheFile[] {
  return sectorCacheFiles(sectorSize).filter(
    (f) => !/^sc-02-data-(layer-\d+|tree-c(-\d+)?)\.dat$/.test(f.name),
  )
}
