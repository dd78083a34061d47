/**
 * The domain model of a snap-up (SnapDeals): a committed-capacity sector, already proven on
 * chain, that gets a new replica holding deal data. The manager keeps it on the sector's record
 * (`ManagedSector.upgrade`) from allocation until the old sealed file is dropped.
 *
 * @packageDocumentation
 */

/** Where a snap-up is, in order. */
export type SnapUpState =
  /** Handed to a worker with its pieces; no proof yet. */
  | 'allocated'
  /** Proof accepted, waiting in the `ProveReplicaUpdates3` queue. */
  | 'queued'
  /** Carried by a message the messager accepted. */
  | 'sent'
  /** The update is on chain (its message succeeded for this sector). */
  | 'landed'
  /** Final on chain and the CC sealed file (the sector key) dropped: nothing left to do. */
  | 'done'
  /** Refused by the chain, the message failed, or the commitment was cancelled. */
  | 'failed'

/** The CC sector as the chain had it when it was taken for a snap-up. */
export interface SnapUpPublic {
  /** The CC sealed CID (CommR, `bagboea4b…`): the sector key. */
  sealedCid: string
  activation: number
  expiration: number
  deadline: number
  partition: number
}

/** What a worker proved: the new replica's commitments and the update proof. */
export interface SnapUpProven {
  /** CommR of the new replica as a sealed CID. */
  newSealedCid: string
  /** CommD of the pieces as an unsealed CID. */
  unsealedCid: string
  proof: Uint8Array
  /** Persist store instance holding the new replica (`update/`, `update-cache/`). */
  accessInstance: string
}

/** A sector's snap-up (see the module comment). */
export interface SectorUpgrade {
  state: SnapUpState
  public: SnapUpPublic
  proven: SnapUpProven | null
  /** Uid of the `ProveReplicaUpdates3` message once claimed. */
  messageUid: string | null
  /** Epoch the update landed; null before. */
  landedEpoch: number | null
  /** Why it failed; '' otherwise. */
  failure: string
}

/** A CC sector that may be snapped up now. */
export interface SnapCandidate {
  miner: number
  number: number
  public: SnapUpPublic
}
