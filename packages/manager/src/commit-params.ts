/**
 * CBOR params of the two commit messages the manager sends (go-state-types miner v13+ tuple
 * encodings): `PreCommitSectorBatch2` (method 28) and `ProveCommitSectors3` (method 34).
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'

/** Miner actor method numbers. */
export const MinerMethod = {
  PreCommitSectorBatch2: 28,
  ProveCommitSectors3: 34,
} as const

/** One sector of a `PreCommitSectorBatch2`. */
export interface PreCommitParam {
  sealProof: number
  sectorNumber: number
  sealedCid: string
  sealRandEpoch: number
  dealIds: number[]
  expiration: number
  unsealedCid: string | null
}

/**
 * CBOR of `PreCommitSectorBatchParams2 { Sectors []SectorPreCommitInfo }`.
 *
 * @example
 * ```ts
 * const bytes = encodePreCommitBatch2([{ sealProof: 5, sectorNumber: 1, ... }])
 * ```
 */
export function encodePreCommitBatch2(sectors: readonly PreCommitParam[]): Uint8Array {
  return dagCbor.encode([
    sectors.map((s) => [
      s.sealProof,
      s.sectorNumber,
      CID.parse(s.sealedCid),
      s.sealRandEpoch,
      s.dealIds,
      s.expiration,
      s.unsealedCid === null ? null : CID.parse(s.unsealedCid),
    ]),
  ])
}

/** Inverse of {@link encodePreCommitBatch2} (for tests and the CLI). */
export function decodePreCommitBatch2(bytes: Uint8Array): PreCommitParam[] {
  const [sectors] = dagCbor.decode(bytes) as [unknown[][]]
  return sectors.map((s) => ({
    sealProof: s[0] as number,
    sectorNumber: s[1] as number,
    sealedCid: String(s[2]),
    sealRandEpoch: s[3] as number,
    dealIds: s[4] as number[],
    expiration: s[5] as number,
    unsealedCid: s[6] === null ? null : String(s[6]),
  }))
}

/** One `PieceActivationManifest`; `dealId` set = notify the market actor of that deal. */
export interface ActivationPiece {
  cid: string
  size: number
  dealId: number | null
}

/** The market actor's ID address bytes (f05): protocol 0, LEB128 id 5. */
const MARKET_ACTOR_BYTES = new Uint8Array([0, 5])

/** `ProveCommitSectors3Params`. */
export interface ProveCommitParam {
  sectorNumbers: number[]
  /** Piece manifests per sector (same order as `sectorNumbers`); absent or [] = CC. */
  pieces?: ActivationPiece[][] | undefined
  /** One proof per sector, or empty with `aggregateProof` set. */
  sectorProofs: Uint8Array[]
  aggregateProof: Uint8Array
  /** 1 = SnarkPackV2 when aggregated, else null. */
  aggregateProofType: number | null
}

/**
 * CBOR of `ProveCommitSectors3Params`. Activation and notification success are not required,
 * so one bad sector does not fail the whole batch.
 *
 * @example
 * ```ts
 * encodeProveCommitSectors3({ sectorNumbers: [1], sectorProofs: [proof], aggregateProof: new Uint8Array(), aggregateProofType: null })
 * ```
 */
export function encodeProveCommitSectors3(p: ProveCommitParam): Uint8Array {
  return dagCbor.encode([
    p.sectorNumbers.map((n, i) => [
      n,
      (p.pieces?.[i] ?? []).map((pc) => [
        CID.parse(pc.cid),
        pc.size,
        null,
        pc.dealId === null ? [] : [[MARKET_ACTOR_BYTES, dagCbor.encode(pc.dealId)]],
      ]),
    ]),
    p.sectorProofs,
    p.aggregateProof,
    p.aggregateProofType,
    false,
    false,
  ])
}

/** Inverse of {@link encodeProveCommitSectors3}. */
export function decodeProveCommitSectors3(bytes: Uint8Array): ProveCommitParam {
  const t = dagCbor.decode(bytes) as [
    [number, [CID, number, unknown, [Uint8Array, Uint8Array][]][]][],
    Uint8Array[],
    Uint8Array,
    number | null,
  ]
  return {
    sectorNumbers: t[0].map((a) => a[0]),
    pieces: t[0].map((a) =>
      a[1].map((pc) => ({
        cid: String(pc[0]),
        size: pc[1],
        dealId: pc[3].length > 0 ? (dagCbor.decode(pc[3][0]?.[1] as Uint8Array) as number) : null,
      })),
    ),
    sectorProofs: t[1],
    aggregateProof: t[2],
    aggregateProofType: t[3],
  }
}
