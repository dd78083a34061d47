/** State the WindowPoSt modules share: the miner read at start, deadline jobs and their batches. */
import type { LotusDeadlineInfo, PoStProofBytes } from '@venus-cluster/core'
import type { WindowPoStEvent } from '../events.js'
import type { DeadlineLease } from './leases.js'

/** What the scheduler reads about its miner once, at start. */
export interface MinerIdentity {
  /** Address as configured (`t01000`). */
  miner: string
  minerId: number
  proverId: Uint8Array
  /** The miner address's bytes: the entropy of its PoSt randomness. */
  entropy: Uint8Array
  /** `WindowPoStProofType` of the miner. */
  postProofType: number
  /** Who sends PoSt, fault and recovery messages: the configured sender, else the worker. */
  sender: string
  /** Every configured sender (the richest sends each message); `[sender]` when one or none is. */
  senders: string[]
}

/** One SubmitWindowedPoSt message's partitions, their proof, and where the message stands. */
export interface Batch {
  index: number
  partitions: { index: number; skipped: number[] }[]
  proofs: PoStProofBytes[]
  /** Sectors actually proven (sorted). */
  sectors: number[]
  cid?: string | undefined
  /** The id the lease store recorded for `cid`'s send (see `DeadlineLeases.recordSubmission`). */
  submissionId?: string | undefined
  /** Height at which `cid` was last seen on chain (a `landed` event went out for it). */
  seenAt?: number | undefined
  /** On chain, executed successfully and buried by `confidence` epochs. */
  landed?: boolean
  submittedAt?: number
  attempts: number
}

/**
 * The work on one deadline, keyed by its `Open`. `error`: proving failed, tried again on a later
 * head while the window is open; `elsewhere`: another poster holds its lease.
 */
export interface DeadlineJob {
  di: LotusDeadlineInfo
  controller: AbortController
  state: 'proving' | 'proved' | 'done' | 'failed' | 'error' | 'elsewhere'
  batches: Batch[]
  running?: Promise<void>
  submitting: boolean
  nextTryAt: number
  /** The lease proving and submission run under (absent when refused). */
  lease?: DeadlineLease | undefined
}

/** Reports one scheduler event. */
export type Emit = (e: WindowPoStEvent) => void

/** Counts a promise as work in flight until it settles (see `WindowPoStScheduler.settled`). */
export type Track = <T>(p: Promise<T>) => Promise<T>
