/**
 * `ProveReplicaUpdates3` (miner method 35, SnapDeals): the params and return CBOR tuples of
 * builtin-actors v13+ (FIP-0076 layout), with a decoder that checks each field as the actor does
 * before it looks at state.
 */
import type { CID } from 'multiformats/cid'
import { VenusError } from '../errors/index.js'
import type { BatchReturn, PieceActivationManifest } from './actor-params.js'
import type { AddressPrefix } from './address.js'
import { cborDecode, cborEncode, TupleReader } from './cbor.js'
import { pieceManifestsFromCbor, pieceManifestsToCbor } from './piece-manifest.js'

/** Most sector updates one `ProveReplicaUpdates3` may carry (the actor's policy, 256). */
export const PROVE_REPLICA_UPDATES_MAX_SIZE = 256

/** Largest single update proof the actor accepts, in bytes. */
export const MAX_REPLICA_UPDATE_PROOF_BYTES = 4096

/** One sector of a `ProveReplicaUpdates3`: where it lives, its new CommR and the pieces snapped in. */
export interface SectorUpdateManifest {
  sectorNumber: number
  /** The sector's deadline (from `StateSectorPartition`). */
  deadline: number
  /** The sector's partition in that deadline. */
  partition: number
  /** CommR of the new replica as a `fil-commitment-sealed` CID. */
  newSealedCid: CID
  /** The pieces of the new data, in sector order; their CommD is the new unsealed CID. */
  pieces: PieceActivationManifest[]
}

/** `ProveReplicaUpdates3Params` (miner method 35). */
export interface ProveReplicaUpdates3Params {
  sectorUpdates: SectorUpdateManifest[]
  /** One update proof per sector update (the actor does not accept aggregates yet). */
  sectorProofs: Uint8Array[]
  /** Always empty today: the actor refuses aggregate update proofs. */
  aggregateProof: Uint8Array
  /** `RegisteredUpdateProof` of every sector (the update proof of their seal proof's size). */
  updateProofsType: number
  /** `null` unless `aggregateProof` is set. */
  aggregateProofType: number | null
  /** Abort the whole message when any update fails (else failures are reported per sector). */
  requireActivationSuccess: boolean
  requireNotificationSuccess: boolean
}

/** `ProveReplicaUpdates3Return`: one result per sector update. */
export interface ProveReplicaUpdates3Return {
  activationResults: BatchReturn
}

function checkShape(p: ProveReplicaUpdates3Params): void {
  const fail = (message: string) => {
    throw new VenusError('INVALID_ARGUMENT', `ProveReplicaUpdates3: ${message}`)
  }
  if (p.sectorUpdates.length > PROVE_REPLICA_UPDATES_MAX_SIZE)
    fail(`${p.sectorUpdates.length} sector updates, at most ${PROVE_REPLICA_UPDATES_MAX_SIZE}`)
  const hasAggregate = p.aggregateProof.length > 0
  if (hasAggregate === (p.aggregateProofType === null))
    fail('aggregate proof type must be set exactly when aggregate proof is non-empty')
  if (hasAggregate === p.sectorProofs.length > 0)
    fail('exactly one of sector proofs or aggregate proof must be non-empty')
}

/**
 * Encodes `ProveReplicaUpdates3Params`; throws `INVALID_ARGUMENT` for a shape the actor refuses
 * outright (both or neither of proofs and aggregate, over 256 updates).
 *
 * @example
 * ```ts
 * const params = encodeProveReplicaUpdates3({
 *   sectorUpdates: [{ sectorNumber: 7, deadline: 3, partition: 0,
 *     newSealedCid: commitmentToCid(commRNew, 'commR'), pieces: [{ cid: pieceCid, size: 1024,
 *     verifiedAllocationKey: null, notify: [] }] }],
 *   sectorProofs: [updateProof], aggregateProof: new Uint8Array(), updateProofsType: 0,
 *   aggregateProofType: null, requireActivationSuccess: false, requireNotificationSuccess: false })
 * // MinerMethod.ProveReplicaUpdates3 === 35
 * ```
 */
export function encodeProveReplicaUpdates3(params: ProveReplicaUpdates3Params): Uint8Array {
  checkShape(params)
  return cborEncode([
    params.sectorUpdates.map((u) => [
      u.sectorNumber,
      u.deadline,
      u.partition,
      u.newSealedCid,
      pieceManifestsToCbor(u.pieces),
    ]),
    params.sectorProofs,
    params.aggregateProof,
    params.updateProofsType,
    params.aggregateProofType,
    params.requireActivationSuccess,
    params.requireNotificationSuccess,
  ])
}

/** Decodes and checks `ProveReplicaUpdates3Params`; see {@link encodeProveReplicaUpdates3}. */
export function decodeProveReplicaUpdates3(
  bytes: Uint8Array,
  prefix: AddressPrefix = 'f',
): ProveReplicaUpdates3Params {
  const r = TupleReader.of(cborDecode(bytes, 'ProveReplicaUpdates3 params'), 'ProveReplicaUpdates3Params', 7)
  const sectorUpdates = r.array(0).map((item, i): SectorUpdateManifest => {
    const what = `sector_updates[${i}]`
    const u = TupleReader.of(item, what, 5)
    return {
      sectorNumber: u.uint(0),
      deadline: u.uint(1),
      partition: u.uint(2),
      newSealedCid: u.cid(3),
      pieces: pieceManifestsFromCbor(u.array(4), `${what}.pieces`, prefix),
    }
  })
  const params: ProveReplicaUpdates3Params = {
    sectorUpdates,
    sectorProofs: r.array(1).map((p, i) => TupleReader.of([p], `sector_proofs[${i}]`, 1).bytes(0)),
    aggregateProof: r.bytes(2),
    updateProofsType: r.int(3),
    aggregateProofType: r.isNull(4) ? null : r.int(4),
    requireActivationSuccess: r.bool(5),
    requireNotificationSuccess: r.bool(6),
  }
  // Only the layout is checked here: the actor's own checks (proofs vs aggregate, batch size)
  // are argument errors of the method, not serialization errors.
  return params
}

/** Encodes `ProveReplicaUpdates3Return` (a tuple holding one `BatchReturn`). */
export function encodeProveReplicaUpdates3Return(ret: ProveReplicaUpdates3Return): Uint8Array {
  const b = ret.activationResults
  return cborEncode([[b.successCount, b.failCodes.map((f) => [f.index, f.code])]])
}

/** Decodes `ProveReplicaUpdates3Return` from a message receipt. */
export function decodeProveReplicaUpdates3Return(bytes: Uint8Array): ProveReplicaUpdates3Return {
  const top = TupleReader.of(
    cborDecode(bytes, 'ProveReplicaUpdates3 return'),
    'ProveReplicaUpdates3Return',
    1,
  )
  const r = TupleReader.of(top.array(0), 'activation_results', 2)
  return {
    activationResults: {
      successCount: r.uint(0),
      failCodes: r.array(1).map((f, i) => {
        const fr = TupleReader.of(f, `activation_results.fail_codes[${i}]`, 2)
        return { index: fr.uint(0), code: fr.uint(1) }
      }),
    },
  }
}
