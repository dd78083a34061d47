/**
 * How the devnet runs actor code: a message to an actor becomes an {@link ActorCall} on the
 * receiver's {@link ActorCode}. The actors are plain modules (`account.ts`, `power.ts`,
 * `market.ts`, `miner/`); `registry.ts` says which code an actor id runs.
 */
import type { ActorRuntime } from '../actor-types.js'
import type { GasShape } from '../gas.js'
import type { CommDFromPieces } from './miner/common.js'

/** One method call on an actor. */
export interface ActorCall {
  /** Caller, value, epoch and the state being changed. */
  readonly rt: ActorRuntime
  /** Actor id of the receiver. */
  readonly receiver: number
  readonly method: number
  /** The CBOR parameters (empty when the message has none). */
  readonly params: Uint8Array
  /** The data commitment of a sector's pieces (the market's `ComputeDataCommitment`). */
  readonly commD: CommDFromPieces
  /** Classes the call for the gas schedule (receiver kind, sectors or partitions touched). */
  chargeAs(shape: GasShape): void
}

/** The code of one kind of actor: runs a method, returning its CBOR return value (or null). */
export interface ActorCode {
  readonly name: string
  /** Runs the call; aborts with `ActorAbort` (its exit code) for a method it does not have. */
  invoke(call: ActorCall): Promise<Uint8Array | null>
}
