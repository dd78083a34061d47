/**
 * Decoded parameters of the actor methods the devnet executes (the tuples of spec §2.3 as
 * objects) and the runtime the actors run against.
 */
import type { DevnetParams } from './params.js'
import type { WorldState } from './state.js'

/** One sector of PreCommitSectorBatch2. CIDs are strings. */
export interface PreCommitInfoParam {
  sealProof: number
  sectorNumber: number
  sealedCid: string
  sealRandEpoch: number
  dealIds: number[]
  expiration: number
  unsealedCid: string | null
}

/** A piece of a SectorActivationManifest. */
export interface PieceActivationParam {
  cid: string
  size: number
  verifiedAllocationKey: { client: number; id: number } | null
  /** Actors told of the piece once its sector is active (the market, for a deal's piece). */
  notify?: { address: string; payload: Uint8Array }[]
}

/** ProveCommitSectors3 parameters. */
export interface ProveCommitSectors3Param {
  activations: { sectorNumber: number; pieces: PieceActivationParam[] }[]
  sectorProofs: Uint8Array[]
  aggregateProof: Uint8Array
  aggregateProofType: number | null
  requireActivationSuccess: boolean
  requireNotificationSuccess: boolean
}

/** SubmitWindowedPoSt parameters. */
export interface SubmitWindowedPoStParam {
  deadline: number
  partitions: { index: number; skipped: number[] }[]
  proofs: { postProof: number; proofBytes: Uint8Array }[]
  chainCommitEpoch: number
  chainCommitRand: Uint8Array
}

/** DeclareFaults / DeclareFaultsRecovered / TerminateSectors entries. */
export interface SectorLocationParam {
  deadline: number
  partition: number
  sectors: number[]
}

/** One declaration of ExtendSectorExpiration2. */
export interface ExpirationExtensionParam {
  deadline: number
  partition: number
  sectors: number[]
  sectorsWithClaims: { sectorNumber: number; maintainClaims: number[]; dropClaims: number[] }[]
  newExpiration: number
}

/** CreateMiner parameters (addresses as strings). */
export interface CreateMinerParam {
  owner: string
  worker: string
  windowPoStProofType: number
  peer: Uint8Array
  multiaddrs: Uint8Array[]
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
  /** Chain ticket randomness (spec §2.5) at `epoch`, drawn as the node would. */
  ticketRandomness(dst: number, epoch: number, entropy: Uint8Array): Uint8Array
  /** Beacon randomness (spec §2.5). */
  beaconRandomness(dst: number, epoch: number, entropy: Uint8Array): Uint8Array
  /** Formats an actor id as an address string with the network prefix. */
  idAddress(id: number): string
  /** Resolves any address string to an actor id, or undefined. */
  resolve(addr: string): number | undefined
}

/** Exit codes (spec §1.7). */
export const ExitCode = {
  Ok: 0,
  SysErrSenderInvalid: 1,
  SysErrSenderStateInvalid: 2,
  SysErrInvalidReceiver: 5,
  SysErrInsufficientFunds: 6,
  SysErrOutOfGas: 7,
  ErrIllegalArgument: 16,
  ErrNotFound: 17,
  ErrForbidden: 18,
  ErrInsufficientFunds: 19,
  ErrIllegalState: 20,
  ErrSerialization: 21,
  ErrUnhandledMessage: 22,
} as const

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
