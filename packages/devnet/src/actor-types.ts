/**
 * Decoded parameters of the actor methods the devnet executes (core's codecs decode them; the
 * actors keep CIDs as strings) and the runtime the actors run against.
 */
import type {
  PieceActivationManifest,
  ProveCommitSectors3Params,
  ProveReplicaUpdates3Params,
  SectorPreCommitInfo,
} from '@venus-cluster/core'
import type { DevnetParams } from './params.js'
import type { WorldState } from './state.js'

/** One sector of PreCommitSectorBatch2 as the actors keep it: core's layout, CIDs as strings. */
export type PreCommitInfoParam = Omit<SectorPreCommitInfo, 'sealedCid' | 'unsealedCid'> & {
  sealedCid: string
  unsealedCid: string | null
}

/**
 * A piece of a SectorActivationManifest as the actors read it: core's layout, the CID as a
 * string; `notify` (the market, for a deal's piece) is executed once the sector is active.
 */
export type PieceActivationParam = Omit<PieceActivationManifest, 'cid' | 'notify'> & {
  cid: string
  notify?: PieceActivationManifest['notify']
}

/** ProveCommitSectors3 parameters as the actors read them: core's layout, piece CIDs as strings. */
export type ProveCommitSectors3Param = Omit<ProveCommitSectors3Params, 'activations'> & {
  activations: { sectorNumber: number; pieces: PieceActivationParam[] }[]
}

/** ProveReplicaUpdates3 parameters as the actors read them: CIDs as strings. */
export type ProveReplicaUpdates3Param = Omit<ProveReplicaUpdates3Params, 'sectorUpdates'> & {
  sectorUpdates: {
    sectorNumber: number
    deadline: number
    partition: number
    newSealedCid: string
    pieces: PieceActivationParam[]
  }[]
}

/** One replica update (SnapDeals) proof to verify, as `ProveReplicaUpdates3` checks it. */
export interface DevnetReplicaUpdateToVerify {
  /** `RegisteredUpdateProof` of the sector's size. */
  updateProofType: number
  /** CommR of the CC sector (its sealed CID before the update). */
  commROld: Uint8Array
  /** CommR of the new replica. */
  commRNew: Uint8Array
  /** CommD of the pieces snapped in, as the actor computed it. */
  commDNew: Uint8Array
  proof: Uint8Array
}

/** One seal to verify (single or inside an aggregate). */
export interface DevnetSealToVerify {
  registeredProof: number
  sectorNumber: number
  proverId: Uint8Array
  commR: Uint8Array
  commD: Uint8Array
  ticket: Uint8Array
  seed: Uint8Array
}

/**
 * The checks the devnet's actors delegate to a proofs implementation. `proofsVerifier(backend)`
 * adapts a core `ProofsBackend`; tests may pass their own.
 */
export interface DevnetProofVerifier {
  verifySeal(seal: DevnetSealToVerify & { proof: Uint8Array }): Promise<boolean>
  verifyAggregate(input: {
    registeredProof: number
    aggregateProofType: number
    seals: DevnetSealToVerify[]
    proof: Uint8Array
  }): Promise<boolean>
  verifyWindowPoSt(input: {
    registeredPoStProof: number
    proverId: Uint8Array
    randomness: Uint8Array
    sectors: { sectorNumber: number; sealProof: number; commR: Uint8Array }[]
    proof: Uint8Array
  }): Promise<boolean>
  /**
   * Verifies a replica update (SnapDeals) proof. Optional so verifiers written before SnapDeals
   * keep working; without it `ProveReplicaUpdates3` fails every update with exit 20.
   */
  verifyReplicaUpdate?(update: DevnetReplicaUpdateToVerify): Promise<boolean>
}

/** What an actor method sees while it executes. */
export interface ActorRuntime {
  readonly epoch: number
  readonly params: DevnetParams
  /** The chain state the method changes (the devnet's own shape, which may change between versions). */
  readonly world: WorldState
  readonly proofs: DevnetProofVerifier
  /** Actor id of the sender (resolved). */
  readonly caller: number
  /** attoFIL attached to the message (already moved from the sender to the receiver). */
  readonly value: bigint
  /** Chain ticket randomness at `epoch`, drawn as the node would. */
  ticketRandomness(dst: number, epoch: number, entropy: Uint8Array): Uint8Array
  /** Beacon randomness at `epoch`, drawn as the node would. */
  beaconRandomness(dst: number, epoch: number, entropy: Uint8Array): Uint8Array
  /** Formats an actor id as an address string with the network prefix. */
  idAddress(id: number): string
  /** Resolves any address string to an actor id, or undefined. */
  resolve(addr: string): number | undefined
}

/** An actor abort: the message fails with `exitCode`, its state changes roll back. */
export class ActorAbort extends Error {
  override name = 'ActorAbort'
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message)
  }
}

/** Aborts with `code` unless `cond` holds. */
export function require(cond: unknown, code: number, message: string): asserts cond {
  if (!cond) throw new ActorAbort(code, message)
}
