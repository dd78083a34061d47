/**
 * The lease seam of WindowPoSt: a deadline is proven by the holder of its lease, and the lease's
 * fencing token is checked again right before each submission, so a poster that paused (a long
 * GC, a frozen VM) and lost the lease meanwhile sends nothing. One poster alone holds every lease
 * ({@link soleLeases}); managers sharing a database hand them out between them.
 */

/** Which deadline a lease is for: one miner's deadline `deadline` opening at epoch `open`. */
export interface DeadlineKey {
  miner: string
  deadline: number
  open: number
}

/** A lease held on one deadline. */
export interface DeadlineLease {
  readonly key: DeadlineKey
  /**
   * Fencing token: grows with every grant of this key, so a holder's token is stale once
   * another holder got the lease after it.
   */
  readonly token: number
}

/**
 * Hands out deadline leases. `acquire` is called when proving of a deadline would start,
 * `holds` right before every message of it is sent, `release` when its window has closed or the
 * scheduler stops.
 *
 * @example
 * ```ts
 * const leases: DeadlineLeases = {
 *   acquire: async (key) => ((await db.tryLease(key)) ? { key, token: await db.token(key) } : undefined),
 *   holds: async (lease) => db.isCurrent(lease.key, lease.token),
 *   release: async (lease) => db.release(lease.key, lease.token),
 * }
 * new WindowPoStScheduler({ ...opts, leases })
 * ```
 */
export interface DeadlineLeases {
  /** The lease of `key`, or `undefined` while another poster holds it. */
  acquire(key: DeadlineKey, opts: { signal?: AbortSignal }): Promise<DeadlineLease | undefined>
  /** Whether `lease` is still the current one of its key (its token not superseded). */
  holds(lease: DeadlineLease, opts: { signal?: AbortSignal }): Promise<boolean>
  /** Gives the lease up; a lease not held any more is ignored. */
  release(lease: DeadlineLease): Promise<void>
  /**
   * Optional fencing of each send, for leases kept in a database: in one transaction, checks that
   * `lease` is still current and records the message about to be sent for `partitions`. Resolves
   * the id to push the message under (the same for every holder of the deadline while a message
   * for those partitions may still land, so a messager refuses a second push), or `undefined`
   * when the lease is lost (nothing is sent then).
   */
  recordSubmission?(
    lease: DeadlineLease,
    submission: { batch: number; partitions: readonly number[] },
    opts: { signal?: AbortSignal },
  ): Promise<{ id: string } | undefined>
  /** Optional: the message recorded under `id` failed or vanished; the next record gets a new id. */
  submissionFailed?(lease: DeadlineLease, id: string): Promise<void>
}

/**
 * The leases of a poster that proves alone: every deadline is granted, and never lost.
 *
 * @example
 * ```ts
 * const leases = soleLeases()
 * const lease = await leases.acquire({ miner: 't01000', deadline: 3, open: 1200 }, {})
 * ```
 */
export function soleLeases(): DeadlineLeases {
  let token = 0
  return {
    acquire: async (key) => ({ key, token: ++token }),
    holds: async () => true,
    release: async () => {},
  }
}
