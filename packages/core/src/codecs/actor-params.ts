import type { CID } from 'multiformats/cid'
import { VenusError } from '../errors/index.js'
import { type AddressPrefix, addressFromBytes, addressToBytes } from './address.js'
import { decodeBitfield, encodeBitfield } from './bitfield.js'
import { cborDecode, cborEncode, TupleReader } from './cbor.js'
import { pieceManifestsFromCbor, pieceManifestsToCbor } from './piece-manifest.js'

/**
 * CBOR tuple codecs of the actor method params the cluster sends (go-state-types layouts).
 * Every `encodeX` has a `decodeX` that checks the layout field by field, so the devnet can
 * validate what the manager sends exactly as the actors would.
 */

/** One sector of a `PreCommitSectorBatch2`. */
export interface SectorPreCommitInfo {
  sealProof: number
  sectorNumber: number
  /** CommR as a `fil-commitment-sealed` CID. */
  sealedCid: CID
  sealRandEpoch: number
  dealIds: number[]
  expiration: number
  /** CommD as a `fil-commitment-unsealed` CID; `null` for CC (all-zero) data. */
  unsealedCid: CID | null
}

/** `PreCommitSectorBatchParams2` (miner method 28). */
export interface PreCommitSectorBatch2Params {
  sectors: SectorPreCommitInfo[]
}

/** A piece of a sector being activated by `ProveCommitSectors3`. */
export interface PieceActivationManifest {
  /** The piece CID v1 (CommP). */
  cid: CID
  /** Padded piece size. */
  size: number
  verifiedAllocationKey: { client: number; id: number } | null
  notify: { address: string; payload: Uint8Array }[]
}

/** One sector of a `ProveCommitSectors3`; `pieces` is empty for CC sectors. */
export interface SectorActivationManifest {
  sectorNumber: number
  pieces: PieceActivationManifest[]
}

/** `ProveCommitSectors3Params` (miner method 34): per-sector proofs or one aggregate. */
export interface ProveCommitSectors3Params {
  activations: SectorActivationManifest[]
  /** One proof per activation, or empty when `aggregateProof` is set. */
  sectorProofs: Uint8Array[]
  /** SnarkPack aggregate, or empty bytes. */
  aggregateProof: Uint8Array
  /** 1 (SnarkPackV2) iff `aggregateProof` is non-empty, else `null`. */
  aggregateProofType: number | null
  requireActivationSuccess: boolean
  requireNotificationSuccess: boolean
}

/** `SubmitWindowedPoStParams` (miner method 5). */
export interface SubmitWindowedPoStParams {
  deadline: number
  partitions: { index: number; skipped: number[] }[]
  proofs: { postProof: number; proofBytes: Uint8Array }[]
  chainCommitEpoch: number
  chainCommitRand: Uint8Array
}

/** One (deadline, partition, sectors) entry of faults, recoveries and terminations. */
export interface SectorLocationSet {
  deadline: number
  partition: number
  sectors: number[]
}

/** `DeclareFaultsParams`, `DeclareFaultsRecoveredParams` and `TerminateSectorsParams`. */
export interface SectorLocationParams {
  entries: SectorLocationSet[]
}

/** Verified claims of one sector kept or dropped by an extension. */
export interface SectorClaim {
  sectorNumber: number
  maintainClaims: number[]
  dropClaims: number[]
}

/** One (deadline, partition) entry of `ExtendSectorExpiration2`. */
export interface ExpirationExtension2 {
  deadline: number
  partition: number
  /** Sectors without verified claims. */
  sectors: number[]
  /** Sectors with verified claims, each saying which claims it keeps. */
  sectorsWithClaims: SectorClaim[]
  newExpiration: number
}

/** `ExtendSectorExpiration2Params` (miner method 32). */
export interface ExtendSectorExpiration2Params {
  extensions: ExpirationExtension2[]
}

/** `CreateMinerParams` of the power actor (method 2). */
export interface CreateMinerParams {
  owner: string
  worker: string
  windowPoStProofType: number
  peer: Uint8Array
  multiaddrs: Uint8Array[]
}

/** `CreateMinerReturn`. */
export interface CreateMinerReturn {
  idAddress: string
  robustAddress: string
}

/** `BatchReturn` (e.g. of `ProveCommitSectors3`). */
export interface BatchReturn {
  successCount: number
  failCodes: { index: number; code: number }[]
}

const list = (value: unknown, what: string): unknown[] => {
  if (!Array.isArray(value))
    throw new VenusError('CBOR_INVALID', `${what} must be an array`, { details: { what } })
  return value
}

const uints = (value: unknown, what: string): number[] =>
  list(value, what).map((v, i) => TupleReader.of([v], `${what}[${i}]`, 1).uint(0))

function bitfieldAt(r: TupleReader, i: number, what: string): number[] {
  try {
    return decodeBitfield(r.bytes(i))
  } catch (cause) {
    throw new VenusError('CBOR_INVALID', `${what} is not a valid bitfield`, { cause, details: { what } })
  }
}

// --- PreCommitSectorBatch2 ------------------------------------------------------------------

/**
 * Encodes `PreCommitSectorBatchParams2`.
 *
 * @example
 * ```ts
 * const bytes = encodePreCommitSectorBatch2({ sectors: [{ sealProof: 8, sectorNumber: 1,
 *   sealedCid: commitmentToCid(commR, 'commR'), sealRandEpoch: 1000, dealIds: [],
 *   expiration: 600000, unsealedCid: null }] })
 * ```
 */
export function encodePreCommitSectorBatch2(params: PreCommitSectorBatch2Params): Uint8Array {
  return cborEncode([
    params.sectors.map((s) => [
      s.sealProof,
      s.sectorNumber,
      s.sealedCid,
      s.sealRandEpoch,
      s.dealIds,
      s.expiration,
      s.unsealedCid,
    ]),
  ])
}

/** Decodes and checks `PreCommitSectorBatchParams2`; see {@link encodePreCommitSectorBatch2}. */
export function decodePreCommitSectorBatch2(bytes: Uint8Array): PreCommitSectorBatch2Params {
  const top = TupleReader.of(
    cborDecode(bytes, 'PreCommitSectorBatch2 params'),
    'PreCommitSectorBatchParams2',
    1,
  )
  return {
    sectors: top.array(0).map((item, i) => {
      const what = `sectors[${i}]`
      const r = TupleReader.of(item, what, 7)
      return {
        sealProof: r.int(0),
        sectorNumber: r.uint(1),
        sealedCid: r.cid(2),
        sealRandEpoch: r.int(3),
        dealIds: uints(r.array(4), `${what}.deal_ids`),
        expiration: r.int(5),
        unsealedCid: r.isNull(6) ? null : r.cid(6),
      }
    }),
  }
}

// --- ProveCommitSectors3 --------------------------------------------------------------------

/**
 * Encodes `ProveCommitSectors3Params`.
 *
 * @example
 * ```ts
 * encodeProveCommitSectors3({ activations: [{ sectorNumber: 1, pieces: [] }],
 *   sectorProofs: [proof], aggregateProof: new Uint8Array(), aggregateProofType: null,
 *   requireActivationSuccess: true, requireNotificationSuccess: false })
 * ```
 */
export function encodeProveCommitSectors3(params: ProveCommitSectors3Params): Uint8Array {
  const hasAggregate = params.aggregateProof.length > 0
  if (hasAggregate === (params.aggregateProofType === null)) {
    throw new VenusError(
      'INVALID_ARGUMENT',
      'aggregateProofType must be set exactly when aggregateProof is non-empty',
    )
  }
  if (hasAggregate && params.sectorProofs.length > 0) {
    throw new VenusError('INVALID_ARGUMENT', 'give either sectorProofs or an aggregateProof, not both')
  }
  if (!hasAggregate && params.sectorProofs.length !== params.activations.length) {
    throw new VenusError(
      'INVALID_ARGUMENT',
      'one sector proof per activation is required without an aggregate',
    )
  }
  return cborEncode([
    params.activations.map((a) => [a.sectorNumber, pieceManifestsToCbor(a.pieces)]),
    params.sectorProofs,
    params.aggregateProof,
    params.aggregateProofType,
    params.requireActivationSuccess,
    params.requireNotificationSuccess,
  ])
}

/** Decodes and checks `ProveCommitSectors3Params`; see {@link encodeProveCommitSectors3}. */
export function decodeProveCommitSectors3(
  bytes: Uint8Array,
  prefix: AddressPrefix = 'f',
): ProveCommitSectors3Params {
  const r = TupleReader.of(cborDecode(bytes, 'ProveCommitSectors3 params'), 'ProveCommitSectors3Params', 6)
  const activations = r.array(0).map((item, i): SectorActivationManifest => {
    const what = `sector_activations[${i}]`
    const a = TupleReader.of(item, what, 2)
    return { sectorNumber: a.uint(0), pieces: pieceManifestsFromCbor(a.array(1), `${what}.pieces`, prefix) }
  })
  const sectorProofs = r.array(1).map((p, i) => TupleReader.of([p], `sector_proofs[${i}]`, 1).bytes(0))
  const aggregateProof = r.bytes(2)
  const aggregateProofType = r.isNull(3) ? null : r.int(3)
  if (aggregateProof.length > 0 === (aggregateProofType === null)) {
    throw new VenusError(
      'CBOR_INVALID',
      'aggregate_proof_type must be set exactly when aggregate_proof is non-empty',
    )
  }
  return {
    activations,
    sectorProofs,
    aggregateProof,
    aggregateProofType,
    requireActivationSuccess: r.bool(4),
    requireNotificationSuccess: r.bool(5),
  }
}

// --- SubmitWindowedPoSt ---------------------------------------------------------------------

/**
 * Encodes `SubmitWindowedPoStParams`.
 *
 * @example
 * ```ts
 * encodeSubmitWindowedPoSt({ deadline: 7, partitions: [{ index: 0, skipped: [] }],
 *   proofs: [{ postProof: 13, proofBytes }], chainCommitEpoch: 12345, chainCommitRand })
 * ```
 */
export function encodeSubmitWindowedPoSt(params: SubmitWindowedPoStParams): Uint8Array {
  if (params.chainCommitRand.length > 32) {
    throw new VenusError('INVALID_ARGUMENT', 'chainCommitRand must be at most 32 bytes')
  }
  return cborEncode([
    params.deadline,
    params.partitions.map((p) => [p.index, encodeBitfield(p.skipped)]),
    params.proofs.map((p) => [p.postProof, p.proofBytes]),
    params.chainCommitEpoch,
    params.chainCommitRand,
  ])
}

/** Decodes and checks `SubmitWindowedPoStParams`; see {@link encodeSubmitWindowedPoSt}. */
export function decodeSubmitWindowedPoSt(bytes: Uint8Array): SubmitWindowedPoStParams {
  const r = TupleReader.of(cborDecode(bytes, 'SubmitWindowedPoSt params'), 'SubmitWindowedPoStParams', 5)
  const chainCommitRand = r.bytes(4)
  if (chainCommitRand.length > 32)
    throw new VenusError('CBOR_INVALID', 'chain_commit_rand is longer than 32 bytes')
  return {
    deadline: r.uint(0),
    partitions: r.array(1).map((p, i) => {
      const pr = TupleReader.of(p, `partitions[${i}]`, 2)
      return { index: pr.uint(0), skipped: bitfieldAt(pr, 1, `partitions[${i}].skipped`) }
    }),
    proofs: r.array(2).map((p, i) => {
      const pr = TupleReader.of(p, `proofs[${i}]`, 2)
      return { postProof: pr.int(0), proofBytes: pr.bytes(1) }
    }),
    chainCommitEpoch: r.int(3),
    chainCommitRand,
  }
}

// --- DeclareFaults / DeclareFaultsRecovered / TerminateSectors --------------------------------

function encodeLocations(params: SectorLocationParams): Uint8Array {
  return cborEncode([params.entries.map((e) => [e.deadline, e.partition, encodeBitfield(e.sectors)])])
}

function decodeLocations(bytes: Uint8Array, what: string): SectorLocationParams {
  const top = TupleReader.of(cborDecode(bytes, what), what, 1)
  return {
    entries: top.array(0).map((e, i) => {
      const r = TupleReader.of(e, `${what}[${i}]`, 3)
      return { deadline: r.uint(0), partition: r.uint(1), sectors: bitfieldAt(r, 2, `${what}[${i}].sectors`) }
    }),
  }
}

/**
 * Encodes `DeclareFaultsParams` (miner method 10).
 *
 * @example
 * ```ts
 * encodeDeclareFaults({ entries: [{ deadline: 3, partition: 0, sectors: [5, 6, 7] }] })
 * ```
 */
export const encodeDeclareFaults = encodeLocations
/** Decodes `DeclareFaultsParams`. */
export const decodeDeclareFaults = (bytes: Uint8Array) => decodeLocations(bytes, 'DeclareFaultsParams')
/** Encodes `DeclareFaultsRecoveredParams` (miner method 11). */
export const encodeDeclareFaultsRecovered = encodeLocations
/** Decodes `DeclareFaultsRecoveredParams`. */
export const decodeDeclareFaultsRecovered = (bytes: Uint8Array) =>
  decodeLocations(bytes, 'DeclareFaultsRecoveredParams')
/** Encodes `TerminateSectorsParams` (miner method 9). */
export const encodeTerminateSectors = encodeLocations
/** Decodes `TerminateSectorsParams`. */
export const decodeTerminateSectors = (bytes: Uint8Array) => decodeLocations(bytes, 'TerminateSectorsParams')

// --- ExtendSectorExpiration2 ----------------------------------------------------------------

/**
 * Encodes `ExtendSectorExpiration2Params` (miner method 32).
 *
 * @example
 * ```ts
 * encodeExtendSectorExpiration2({ extensions: [{ deadline: 3, partition: 0, sectors: [5, 6],
 *   sectorsWithClaims: [], newExpiration: 3_000_000 }] })
 * ```
 */
export function encodeExtendSectorExpiration2(params: ExtendSectorExpiration2Params): Uint8Array {
  return cborEncode([
    params.extensions.map((e) => [
      e.deadline,
      e.partition,
      encodeBitfield(e.sectors),
      e.sectorsWithClaims.map((c) => [c.sectorNumber, c.maintainClaims, c.dropClaims]),
      e.newExpiration,
    ]),
  ])
}

/** Decodes `ExtendSectorExpiration2Params`. */
export function decodeExtendSectorExpiration2(bytes: Uint8Array): ExtendSectorExpiration2Params {
  const what = 'ExtendSectorExpiration2Params'
  const top = TupleReader.of(cborDecode(bytes, what), what, 1)
  return {
    extensions: top.array(0).map((e, i) => {
      const at = `${what}.extensions[${i}]`
      const r = TupleReader.of(e, at, 5)
      return {
        deadline: r.uint(0),
        partition: r.uint(1),
        sectors: bitfieldAt(r, 2, `${at}.sectors`),
        sectorsWithClaims: r.array(3).map((c, j) => {
          const cr = TupleReader.of(c, `${at}.sectors_with_claims[${j}]`, 3)
          return {
            sectorNumber: cr.uint(0),
            maintainClaims: uints(cr.array(1), `${at}.sectors_with_claims[${j}].maintain_claims`),
            dropClaims: uints(cr.array(2), `${at}.sectors_with_claims[${j}].drop_claims`),
          }
        }),
        newExpiration: r.int(4),
      }
    }),
  }
}

// --- CreateMiner ----------------------------------------------------------------------------

/**
 * Encodes the power actor's `CreateMinerParams`.
 *
 * @example
 * ```ts
 * encodeCreateMiner({ owner: 'f01000', worker: 'f01001', windowPoStProofType: 13,
 *   peer: new TextEncoder().encode('peer'), multiaddrs: [] })
 * ```
 */
export function encodeCreateMiner(params: CreateMinerParams): Uint8Array {
  return cborEncode([
    addressToBytes(params.owner),
    addressToBytes(params.worker),
    params.windowPoStProofType,
    params.peer,
    params.multiaddrs,
  ])
}

/** Decodes `CreateMinerParams`; see {@link encodeCreateMiner}. */
export function decodeCreateMiner(bytes: Uint8Array, prefix: AddressPrefix = 'f'): CreateMinerParams {
  const r = TupleReader.of(cborDecode(bytes, 'CreateMiner params'), 'CreateMinerParams', 5)
  return {
    owner: addressFromBytes(r.bytes(0), prefix).toString(),
    worker: addressFromBytes(r.bytes(1), prefix).toString(),
    windowPoStProofType: r.int(2),
    peer: r.bytes(3),
    multiaddrs: r.array(4).map((m, i) => TupleReader.of([m], `multiaddrs[${i}]`, 1).bytes(0)),
  }
}

/** Encodes `CreateMinerReturn`. */
export function encodeCreateMinerReturn(ret: CreateMinerReturn): Uint8Array {
  return cborEncode([addressToBytes(ret.idAddress), addressToBytes(ret.robustAddress)])
}

/** Decodes `CreateMinerReturn` from a message receipt. */
export function decodeCreateMinerReturn(bytes: Uint8Array, prefix: AddressPrefix = 'f'): CreateMinerReturn {
  const r = TupleReader.of(cborDecode(bytes, 'CreateMiner return'), 'CreateMinerReturn', 2)
  return {
    idAddress: addressFromBytes(r.bytes(0), prefix).toString(),
    robustAddress: addressFromBytes(r.bytes(1), prefix).toString(),
  }
}

/** Encodes a `BatchReturn`. */
export function encodeBatchReturn(ret: BatchReturn): Uint8Array {
  return cborEncode([ret.successCount, ret.failCodes.map((f) => [f.index, f.code])])
}

/** Decodes a `BatchReturn`. */
export function decodeBatchReturn(bytes: Uint8Array): BatchReturn {
  const r = TupleReader.of(cborDecode(bytes, 'BatchReturn'), 'BatchReturn', 2)
  return {
    successCount: r.uint(0),
    failCodes: r.array(1).map((f, i) => {
      const fr = TupleReader.of(f, `fail_codes[${i}]`, 2)
      return { index: fr.uint(0), code: fr.uint(1) }
    }),
  }
}
