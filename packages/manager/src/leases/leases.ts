/**
 * Deadline leases kept in the manager store: what lets several managers run `--poster` on one
 * PostgreSQL database while exactly one of them proves each deadline. A lease is granted for a
 * time-to-live and renewed in the background while its deadline is being proven; a holder that
 * dies or stops (kill -9, SIGSTOP, a cut network) stops renewing, its lease expires, and the next
 * manager that asks gets it with a larger fencing token. Every send is fenced: the store records
 * it only while the lease is current (one transaction), and the lease is checked once more right
 * before the push, so a holder that wakes up after losing its lease sends nothing.
 *
 * This is structurally the poster's `DeadlineLeases` seam; the manager does not depend on the
 * poster package.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import {
  actorIdOf,
  type Logger,
  type Startable,
  silentLogger,
  TypedEmitter,
  VenusError,
} from '@venus-cluster/core'
import type { PostLeaseKey } from '../store/post-types.js'
import type { ManagerStore } from '../store/types.js'

/** Lease time-to-live by default: a dead holder's deadlines move on within this (plus one head). */
export const DEFAULT_LEASE_TTL_MS = 30_000
/** Renewals per time-to-live by default: two may fail (a database blip) before the lease is lost. */
export const LEASE_RENEWALS_PER_TTL = 3

/** A deadline as the poster names it: the miner's address (`t01000`), its index and open epoch. */
export interface LeaseDeadline {
  miner: string
  deadline: number
  open: number
}

/** A lease held on one deadline (the poster's `DeadlineLease`). */
export interface HeldLease {
  readonly key: LeaseDeadline
  readonly token: number
}

/** What the lease service reports, for logs, metrics and alerts. */
export type LeaseEvents = {
  /** Granted to this manager; `takenOverFrom` names a holder whose lease had expired. */
  acquired: { key: LeaseDeadline; token: number; takenOverFrom?: string | undefined }
  /** Asked for, but another manager holds it. */
  refused: { key: LeaseDeadline }
  /** Lost while held: a renewal or a fencing check found another token. */
  lost: { key: LeaseDeadline; token: number; reason: string }
  released: { key: LeaseDeadline; token: number }
  /** The store failed (the lease is kept until a renewal or check says otherwise). */
  error: { key: LeaseDeadline; op: string; message: string }
}

/** Options of {@link storeDeadlineLeases}. */
export interface StoreDeadlineLeasesOptions {
  store: Pick<ManagerStore, 'post'>
  /** This manager's name in the lease table (default `host:pid:random`, unique per process). */
  holder?: string | undefined
  /** Time-to-live of a lease (default {@link DEFAULT_LEASE_TTL_MS}). */
  ttlMs?: number | undefined
  /** Renewal period (default ttl / {@link LEASE_RENEWALS_PER_TTL}). */
  renewMs?: number | undefined
  logger?: Logger | undefined
}

/** Deadline leases in the store; see {@link storeDeadlineLeases}. */
export interface StoreDeadlineLeases extends Startable {
  readonly holder: string
  readonly ttlMs: number
  readonly renewMs: number
  readonly events: TypedEmitter<LeaseEvents>
  acquire(key: LeaseDeadline, opts: { signal?: AbortSignal }): Promise<HeldLease | undefined>
  holds(lease: HeldLease, opts: { signal?: AbortSignal }): Promise<boolean>
  release(lease: HeldLease): Promise<void>
  recordSubmission(
    lease: HeldLease,
    submission: { batch: number; partitions: readonly number[] },
    opts: { signal?: AbortSignal },
  ): Promise<{ id: string } | undefined>
  submissionFailed(lease: HeldLease, id: string): Promise<void>
  /** The leases this manager holds now. */
  held(): HeldLease[]
}

const keyOf = (k: LeaseDeadline): PostLeaseKey => ({
  miner: actorIdOf(k.miner),
  deadline: k.deadline,
  open: k.open,
})
const keyText = (k: LeaseDeadline) => `${k.miner}/${k.deadline}@${k.open}`

/**
 * Deadline leases kept in the manager store (see the module comment), for the poster's `leases`.
 *
 * @example
 * ```ts
 * const leases = storeDeadlineLeases({ store: node.store, ttlMs: 30_000 })
 * leases.events.on('acquired', (e) => e.takenOverFrom && log.warn(e, 'deadline taken over'))
 * const poster = windowPoStService({ chain, proofs, locate, miners, leases })
 * await leases.start()
 * await poster.start()
 * ```
 */
export function storeDeadlineLeases(opts: StoreDeadlineLeasesOptions): StoreDeadlineLeases {
  const ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS
  const renewMs = opts.renewMs ?? Math.max(1, Math.floor(ttlMs / LEASE_RENEWALS_PER_TTL))
  if (!(ttlMs > 0) || !(renewMs > 0) || renewMs >= ttlMs)
    throw new VenusError(
      'CONFIG_INVALID_VALUE',
      `deadline leases: the renewal period (${renewMs} ms) must be positive and shorter than the time-to-live (${ttlMs} ms)`,
    )
  const holder = opts.holder ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  const log = opts.logger ?? silentLogger
  const post = opts.store.post
  const events = new TypedEmitter<LeaseEvents>({
    onListenerError: (err, event) => log.warn({ event, err: String(err) }, 'a lease event listener failed'),
  })
  const held = new Map<string, { lease: HeldLease; timer: NodeJS.Timeout }>()

  const drop = (lease: HeldLease, reason: string) => {
    const h = held.get(keyText(lease.key))
    if (h === undefined || h.lease.token !== lease.token) return
    clearInterval(h.timer)
    held.delete(keyText(lease.key))
    log.warn({ lease: keyText(lease.key), token: lease.token, reason }, 'deadline lease lost')
    events.emit('lost', { key: lease.key, token: lease.token, reason })
  }

  const renew = async (lease: HeldLease) => {
    try {
      if (!(await post.renewLease(keyOf(lease.key), holder, lease.token, ttlMs)))
        drop(lease, 'renewal refused: expired or taken over')
    } catch (e) {
      events.emit('error', {
        key: lease.key,
        op: 'renew',
        message: e instanceof Error ? e.message : String(e),
      })
    }
  }

  return {
    holder,
    ttlMs,
    renewMs,
    events,
    async start() {},
    async stop() {
      const all = [...held.values()].map((h) => h.lease)
      await Promise.allSettled(all.map((l) => this.release(l)))
    },
    held: () => [...held.values()].map((h) => h.lease),
    async acquire(key) {
      const grant = await post.acquireLease(keyOf(key), holder, ttlMs)
      if (grant === undefined) {
        events.emit('refused', { key })
        return undefined
      }
      const lease: HeldLease = { key, token: grant.token }
      const before = held.get(keyText(key))
      if (before === undefined || before.lease.token !== grant.token) {
        if (before !== undefined) clearInterval(before.timer)
        const timer = setInterval(() => void renew(lease), renewMs)
        timer.unref()
        held.set(keyText(key), { lease, timer })
        log.info(
          { lease: keyText(key), token: grant.token, takenOverFrom: grant.takenOverFrom },
          grant.takenOverFrom ? 'deadline lease taken over' : 'deadline lease acquired',
        )
        events.emit('acquired', { key, token: grant.token, takenOverFrom: grant.takenOverFrom })
      }
      return lease
    },
    async holds(lease) {
      const ok = await post.leaseHeld(keyOf(lease.key), holder, lease.token)
      if (!ok) drop(lease, 'fencing check: the token is no longer current')
      return ok
    },
    async release(lease) {
      const h = held.get(keyText(lease.key))
      if (h !== undefined && h.lease.token === lease.token) {
        clearInterval(h.timer)
        held.delete(keyText(lease.key))
      }
      await post.releaseLease(keyOf(lease.key), holder, lease.token)
      events.emit('released', { key: lease.key, token: lease.token })
    },
    async recordSubmission(lease, s) {
      const rec = await post.recordSubmission(keyOf(lease.key), holder, lease.token, s.partitions)
      if (rec === undefined) {
        drop(lease, 'fencing check at submission: the token is no longer current')
        return undefined
      }
      if (rec.adopted)
        log.info({ lease: keyText(lease.key), id: rec.id }, 'sending under the id an earlier holder recorded')
      return { id: rec.id }
    },
    async submissionFailed(_lease, id) {
      await post.submissionFailed(id)
    },
  }
}
