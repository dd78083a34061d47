/**
 * What the store keeps for WindowPoSt across managers: deadline leases fenced by a token, the
 * submissions made under them, and the proving jobs PoSt workers take. Both engines implement it
 * with the same semantics; several managers on one PostgreSQL database share it.
 */
import type { WdPoStAllocateSpec, WdPoStJob, WdPoStJobInput, WdPoStJobOutput } from '@venus-cluster/core'

/** One miner's deadline `deadline` in the proving period where it opens at `open`. */
export interface PostLeaseKey {
  /** Miner actor id. */
  miner: number
  deadline: number
  /** The deadline's open epoch. */
  open: number
}

/** A lease granted by {@link PostStore.acquireLease}. */
export interface PostLeaseGrant {
  /** Fencing token: grows with every grant of the key, so an older holder's token is stale. */
  token: number
  /** The holder whose lease had expired without being released (a takeover), if any. */
  takenOverFrom?: string | undefined
}

/** A lease row as listed (for the CLI, the dashboard and metrics). */
export interface PostLeaseRow extends PostLeaseKey {
  holder: string
  token: number
  /** Unix ms (the database's clock on PostgreSQL). */
  acquiredAt: number
  renewedAt: number
  expiresAt: number
  released: boolean
  /** Times the lease was taken from a holder that stopped renewing it. */
  takeovers: number
}

/** A submission recorded under a lease, before its message is pushed. */
export interface PostSubmissionRow extends PostLeaseKey {
  /** The id the message is pushed under (a messager UID). */
  id: string
  /** Partition indexes of the message. */
  partitions: number[]
  holder: string
  token: number
  /** `failed`: the message failed or vanished; a later record makes a new id. */
  state: 'recorded' | 'failed'
  createdAt: number
}

/** A proving job with the keys the manager keeps beside the wire fields. */
export interface StoredPostJob extends WdPoStJob {
  miner: number
  /** Open epoch of the job's deadline. */
  open: number
}

/** What {@link PostStore.putJob} takes. */
export interface NewPostJob {
  id: string
  miner: number
  deadline: number
  open: number
  partitions: number[]
  input: WdPoStJobInput
}

/**
 * WindowPoSt state in the manager store (see the module comment). Times of leases are Unix ms;
 * times of jobs are Unix seconds (as damocles shows them).
 *
 * @example
 * ```ts
 * const grant = await store.post.acquireLease({ miner: 1000, deadline: 3, open: 1200 }, 'mgr-a', 6000)
 * if (grant) await store.post.renewLease(key, 'mgr-a', grant.token, 6000)
 * ```
 */
export interface PostStore {
  /**
   * Grants the lease of `key` to `holder` for `ttlMs` when it is free, released or expired (the
   * token then grows), or when `holder` holds it already (same token, expiry extended). Resolves
   * `undefined` while another holder's lease is live. Atomic across managers.
   */
  acquireLease(key: PostLeaseKey, holder: string, ttlMs: number): Promise<PostLeaseGrant | undefined>
  /** Extends the lease if `holder` still holds it with `token` (and it is not expired); false otherwise. */
  renewLease(key: PostLeaseKey, holder: string, token: number, ttlMs: number): Promise<boolean>
  /** Gives the lease up if `holder` holds it with `token`; otherwise does nothing. */
  releaseLease(key: PostLeaseKey, holder: string, token: number): Promise<void>
  /** Whether `holder` holds the lease with `token`, unreleased and unexpired. */
  leaseHeld(key: PostLeaseKey, holder: string, token: number): Promise<boolean>
  /** Leases, newest deadline first; `miner` filters; at most `limit` (default 200). */
  listLeases(opts?: { miner?: number | undefined; limit?: number | undefined }): Promise<PostLeaseRow[]>
  /**
   * In one transaction: checks that `holder` holds the lease with `token` (unreleased, unexpired)
   * and records a submission of `partitions`. When an earlier holder recorded one for the same
   * partitions that did not fail, its id is returned (`adopted`), so the message goes out under
   * one id whoever pushes it. Resolves `undefined` when the lease is not held: nothing is written.
   */
  recordSubmission(
    key: PostLeaseKey,
    holder: string,
    token: number,
    partitions: readonly number[],
  ): Promise<{ id: string; adopted: boolean } | undefined>
  /** Marks a submission's message failed (or vanished): the next record of its partitions gets a new id. */
  submissionFailed(id: string): Promise<void>
  /** The submissions of a deadline, oldest first. */
  listSubmissions(key: PostLeaseKey): Promise<PostSubmissionRow[]>

  /** Inserts a `ready2run` job unless one with the id exists (in any state); resolves the stored one. */
  putJob(job: NewPostJob): Promise<StoredPostJob>
  getJob(id: string): Promise<StoredPostJob | undefined>
  /** Jobs, newest first; without `all`, succeeded ones are left out. */
  listJobs(opts?: { all?: boolean | undefined; limit?: number | undefined }): Promise<StoredPostJob[]>
  /**
   * Takes up to `num` `ready2run` jobs matching `spec` for `worker`: each becomes `running`, its
   * try count grows, its start and heartbeat are now. A job is taken by one worker only, across
   * managers.
   */
  allocateJobs(spec: WdPoStAllocateSpec, num: number, worker: string): Promise<StoredPostJob[]>
  /**
   * Heartbeats of `worker`'s jobs: `running` and `ready2run` ones (a ready one becomes running);
   * finished jobs are left alone. Resolves the ids updated.
   */
  heartbeatJobs(ids: readonly string[], worker: string): Promise<string[]>
  /** Finishes a job in any state with its output or error. Resolves false when there is no such job. */
  finishJob(id: string, output: WdPoStJobOutput | null, errorReason: string): Promise<boolean>
  /** Finishes `running` jobs whose heartbeat is older than `timeoutSec` with `heartbeat timeout`. */
  failStaleJobs(timeoutSec: number, limit: number): Promise<string[]>
  /** Puts failed jobs with `tryNum < maxTry` back to `ready2run` (keeping their try count). */
  retryFailedJobs(maxTry: number, limit: number): Promise<string[]>
  /** Any state back to `ready2run` with the try count and times cleared. False: no such job. */
  resetJob(id: string): Promise<boolean>
  /** Deletes a job (a no-op when absent). */
  removeJob(id: string): Promise<void>
  /** Deletes finished jobs created more than `lifetimeSec` ago; resolves how many. */
  cleanupJobs(lifetimeSec: number): Promise<number>
  /** Deletes leases and submissions of deadlines that expired more than `olderThanMs` ago. */
  prune(olderThanMs: number): Promise<void>
}
