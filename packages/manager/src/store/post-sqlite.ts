/**
 * The WindowPoSt part of the SQLite store: one manager's leases, submissions and PoSt jobs. Every
 * write runs in the store's write queue (one IMMEDIATE transaction), so a check and the write it
 * guards are atomic.
 */
import type { WdPoStAllocateSpec, WdPoStJobOutput } from '@venus-cluster/core'
import type Database from 'better-sqlite3'
import {
  JOB_INSERT_COLUMNS,
  type JobRowDb,
  jobFromRow,
  jobMatches,
  type LeaseRowDb,
  leaseDecision,
  leaseFromRow,
  newJobValues,
  nowSec,
  outputText,
  PRUNE_EVERY,
  partsKey,
  type SubmissionRowDb,
  submissionFromRow,
  submissionId,
} from './post-common.js'
import type {
  NewPostJob,
  PostLeaseGrant,
  PostLeaseKey,
  PostLeaseRow,
  PostStore,
  PostSubmissionRow,
  StoredPostJob,
} from './post-types.js'

type Write = <T>(fn: () => T) => Promise<T>
type Read = <T>(op: string, fn: () => T) => Promise<T>

function prepare(db: Database.Database) {
  return {
    lease: db.prepare('SELECT * FROM post_leases WHERE miner = ? AND deadline = ? AND open = ?'),
    insertLease: db.prepare(
      'INSERT INTO post_leases (miner, deadline, open, holder, token, acquired_at, renewed_at, expires_at, released, takeovers) VALUES (?, ?, ?, ?, 1, ?, ?, ?, 0, 0)',
    ),
    takeLease: db.prepare(
      'UPDATE post_leases SET holder = ?, token = ?, acquired_at = ?, renewed_at = ?, expires_at = ?, released = 0, takeovers = takeovers + ? WHERE miner = ? AND deadline = ? AND open = ?',
    ),
    renew: db.prepare(
      'UPDATE post_leases SET renewed_at = ?, expires_at = ? WHERE miner = ? AND deadline = ? AND open = ? AND holder = ? AND token = ? AND released = 0 AND expires_at > ?',
    ),
    release: db.prepare(
      'UPDATE post_leases SET released = 1, expires_at = ? WHERE miner = ? AND deadline = ? AND open = ? AND holder = ? AND token = ?',
    ),
    listLeases: db.prepare('SELECT * FROM post_leases ORDER BY open DESC, miner, deadline LIMIT ?'),
    listLeasesMiner: db.prepare(
      'SELECT * FROM post_leases WHERE miner = ? ORDER BY open DESC, deadline LIMIT ?',
    ),
    lastSubmission: db.prepare(
      'SELECT id, state, seq FROM post_submissions WHERE miner = ? AND open = ? AND parts = ? ORDER BY seq DESC LIMIT 1',
    ),
    insertSubmission: db.prepare(
      "INSERT INTO post_submissions (id, miner, deadline, open, parts, seq, holder, token, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'recorded', ?)",
    ),
    failSubmission: db.prepare("UPDATE post_submissions SET state = 'failed' WHERE id = ?"),
    submissions: db.prepare(
      'SELECT * FROM post_submissions WHERE miner = ? AND deadline = ? AND open = ? ORDER BY created_at, seq',
    ),
    pruneLeases: db.prepare('DELETE FROM post_leases WHERE expires_at < ?'),
    pruneSubmissions: db.prepare('DELETE FROM post_submissions WHERE created_at < ?'),
    job: db.prepare('SELECT * FROM wdpost_jobs WHERE id = ?'),
    insertJob: db.prepare(
      `INSERT INTO wdpost_jobs (${JOB_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    ),
    jobsAll: db.prepare('SELECT * FROM wdpost_jobs ORDER BY created_at DESC, id LIMIT ?'),
    jobsUnfinishedOrFailed: db.prepare(
      "SELECT * FROM wdpost_jobs WHERE NOT (state = 'finished' AND error = '') ORDER BY created_at DESC, id LIMIT ?",
    ),
    ready: db.prepare(
      "SELECT id, miner, proof_type FROM wdpost_jobs WHERE state = 'ready2run' ORDER BY created_at, id",
    ),
    take: db.prepare(
      "UPDATE wdpost_jobs SET state = 'running', try_num = try_num + 1, started_at = ?, heartbeat_at = ?, worker = ?, updated_at = ? WHERE id = ? AND state = 'ready2run'",
    ),
    heartbeat: db.prepare(
      "UPDATE wdpost_jobs SET state = 'running', heartbeat_at = ?, worker = ?, started_at = CASE WHEN started_at = 0 THEN ? ELSE started_at END, updated_at = ? WHERE id = ? AND state IN ('running', 'ready2run')",
    ),
    finish: db.prepare(
      "UPDATE wdpost_jobs SET state = 'finished', output = ?, error = ?, finished_at = ?, updated_at = ? WHERE id = ?",
    ),
    stale: db.prepare(
      "SELECT id FROM wdpost_jobs WHERE state = 'running' AND heartbeat_at > 0 AND heartbeat_at < ? ORDER BY heartbeat_at LIMIT ?",
    ),
    failStale: db.prepare(
      "UPDATE wdpost_jobs SET state = 'finished', output = NULL, error = 'heartbeat timeout', finished_at = ?, updated_at = ? WHERE id = ? AND state = 'running'",
    ),
    failed: db.prepare(
      "SELECT id FROM wdpost_jobs WHERE state = 'finished' AND error <> '' AND try_num < ? ORDER BY finished_at LIMIT ?",
    ),
    retry: db.prepare(
      "UPDATE wdpost_jobs SET state = 'ready2run', error = '', output = NULL, started_at = 0, finished_at = 0, updated_at = ? WHERE id = ?",
    ),
    reset: db.prepare(
      "UPDATE wdpost_jobs SET state = 'ready2run', try_num = 0, error = '', output = NULL, worker = '', started_at = 0, heartbeat_at = 0, finished_at = 0, created_at = ?, updated_at = ? WHERE id = ?",
    ),
    remove: db.prepare('DELETE FROM wdpost_jobs WHERE id = ?'),
    cleanup: db.prepare("DELETE FROM wdpost_jobs WHERE state = 'finished' AND created_at < ?"),
  }
}

/** The SQLite {@link PostStore} over an open database and the store's write queue. */
export class SqlitePostStore implements PostStore {
  readonly #st: ReturnType<typeof prepare>
  readonly #write: Write
  readonly #read: Read
  #acquires = 0

  constructor(db: Database.Database, write: Write, read: Read) {
    this.#st = prepare(db)
    this.#write = write
    this.#read = read
  }

  #leaseRow(k: PostLeaseKey): PostLeaseRow | undefined {
    const r = this.#st.lease.get(k.miner, k.deadline, k.open) as LeaseRowDb | undefined
    return r === undefined ? undefined : leaseFromRow(r)
  }

  #held(k: PostLeaseKey, holder: string, token: number, now: number): boolean {
    const row = this.#leaseRow(k)
    return (
      row !== undefined &&
      row.holder === holder &&
      row.token === token &&
      !row.released &&
      row.expiresAt > now
    )
  }

  acquireLease(k: PostLeaseKey, holder: string, ttlMs: number): Promise<PostLeaseGrant | undefined> {
    return this.#write(() => {
      const now = Date.now()
      if (++this.#acquires % PRUNE_EVERY === 0) this.#pruneNow(now - 24 * 3600_000)
      const d = leaseDecision(this.#leaseRow(k), holder, now)
      switch (d.kind) {
        case 'refuse':
          return undefined
        case 'insert':
          this.#st.insertLease.run(k.miner, k.deadline, k.open, holder, now, now, now + ttlMs)
          return { token: 1 }
        case 'renew':
          this.#st.renew.run(now, now + ttlMs, k.miner, k.deadline, k.open, holder, d.token, now)
          return { token: d.token }
        case 'take':
          this.#st.takeLease.run(
            holder,
            d.token,
            now,
            now,
            now + ttlMs,
            d.takenOverFrom === undefined ? 0 : 1,
            k.miner,
            k.deadline,
            k.open,
          )
          return {
            token: d.token,
            ...(d.takenOverFrom === undefined ? {} : { takenOverFrom: d.takenOverFrom }),
          }
      }
    })
  }

  renewLease(k: PostLeaseKey, holder: string, token: number, ttlMs: number): Promise<boolean> {
    return this.#write(() => {
      const now = Date.now()
      return (
        this.#st.renew.run(now, now + ttlMs, k.miner, k.deadline, k.open, holder, token, now).changes === 1
      )
    })
  }

  releaseLease(k: PostLeaseKey, holder: string, token: number): Promise<void> {
    return this.#write(() => {
      this.#st.release.run(Date.now(), k.miner, k.deadline, k.open, holder, token)
    })
  }

  leaseHeld(k: PostLeaseKey, holder: string, token: number): Promise<boolean> {
    return this.#read('leaseHeld', () => this.#held(k, holder, token, Date.now()))
  }

  listLeases(opts: { miner?: number | undefined; limit?: number | undefined } = {}): Promise<PostLeaseRow[]> {
    const limit = opts.limit ?? 200
    return this.#read('listLeases', () =>
      (
        (opts.miner === undefined
          ? this.#st.listLeases.all(limit)
          : this.#st.listLeasesMiner.all(opts.miner, limit)) as LeaseRowDb[]
      ).map(leaseFromRow),
    )
  }

  recordSubmission(
    k: PostLeaseKey,
    holder: string,
    token: number,
    partitions: readonly number[],
  ): Promise<{ id: string; adopted: boolean } | undefined> {
    return this.#write(() => {
      const now = Date.now()
      if (!this.#held(k, holder, token, now)) return undefined
      const parts = partsKey(partitions)
      const last = this.#st.lastSubmission.get(k.miner, k.open, parts) as
        | { id: string; state: string; seq: number }
        | undefined
      if (last !== undefined && last.state !== 'failed') return { id: last.id, adopted: true }
      const seq = (last?.seq ?? 0) + 1
      const id = submissionId(k, parts, seq)
      this.#st.insertSubmission.run(id, k.miner, k.deadline, k.open, parts, seq, holder, token, now)
      return { id, adopted: false }
    })
  }

  submissionFailed(id: string): Promise<void> {
    return this.#write(() => {
      this.#st.failSubmission.run(id)
    })
  }

  listSubmissions(k: PostLeaseKey): Promise<PostSubmissionRow[]> {
    return this.#read('listSubmissions', () =>
      (this.#st.submissions.all(k.miner, k.deadline, k.open) as SubmissionRowDb[]).map(submissionFromRow),
    )
  }

  putJob(job: NewPostJob): Promise<StoredPostJob> {
    return this.#write(() => {
      this.#st.insertJob.run(...newJobValues(job, nowSec()))
      return jobFromRow(this.#st.job.get(job.id) as JobRowDb)
    })
  }

  getJob(id: string): Promise<StoredPostJob | undefined> {
    return this.#read('getJob', () => {
      const r = this.#st.job.get(id) as JobRowDb | undefined
      return r === undefined ? undefined : jobFromRow(r)
    })
  }

  listJobs(opts: { all?: boolean | undefined; limit?: number | undefined } = {}): Promise<StoredPostJob[]> {
    const limit = opts.limit ?? 500
    return this.#read('listJobs', () =>
      (
        (opts.all ? this.#st.jobsAll.all(limit) : this.#st.jobsUnfinishedOrFailed.all(limit)) as JobRowDb[]
      ).map(jobFromRow),
    )
  }

  allocateJobs(spec: WdPoStAllocateSpec, num: number, worker: string): Promise<StoredPostJob[]> {
    return this.#write(() => {
      const now = nowSec()
      const out: StoredPostJob[] = []
      for (const r of this.#st.ready.all() as { id: string; miner: number; proof_type: string }[]) {
        if (out.length >= num) break
        if (!jobMatches(spec, Number(r.miner), r.proof_type)) continue
        if (this.#st.take.run(now, now, worker, now, r.id).changes !== 1) continue
        out.push(jobFromRow(this.#st.job.get(r.id) as JobRowDb))
      }
      return out
    })
  }

  heartbeatJobs(ids: readonly string[], worker: string): Promise<string[]> {
    return this.#write(() => {
      const now = nowSec()
      return ids.filter((id) => this.#st.heartbeat.run(now, worker, now, now, id).changes === 1)
    })
  }

  finishJob(id: string, output: WdPoStJobOutput | null, errorReason: string): Promise<boolean> {
    return this.#write(() => {
      const now = nowSec()
      return this.#st.finish.run(outputText(output), errorReason, now, now, id).changes === 1
    })
  }

  failStaleJobs(timeoutSec: number, limit: number): Promise<string[]> {
    return this.#write(() => {
      const now = nowSec()
      const ids = (this.#st.stale.all(now - timeoutSec, limit) as { id: string }[]).map((r) => r.id)
      return ids.filter((id) => this.#st.failStale.run(now, now, id).changes === 1)
    })
  }

  retryFailedJobs(maxTry: number, limit: number): Promise<string[]> {
    return this.#write(() => {
      const now = nowSec()
      const ids = (this.#st.failed.all(maxTry, limit) as { id: string }[]).map((r) => r.id)
      for (const id of ids) this.#st.retry.run(now, id)
      return ids
    })
  }

  resetJob(id: string): Promise<boolean> {
    return this.#write(() => {
      const now = nowSec()
      return this.#st.reset.run(now, now, id).changes === 1
    })
  }

  removeJob(id: string): Promise<void> {
    return this.#write(() => {
      this.#st.remove.run(id)
    })
  }

  cleanupJobs(lifetimeSec: number): Promise<number> {
    return this.#write(() => this.#st.cleanup.run(nowSec() - lifetimeSec).changes)
  }

  prune(olderThanMs: number): Promise<void> {
    return this.#write(() => this.#pruneNow(Date.now() - olderThanMs))
  }

  #pruneNow(before: number): void {
    this.#st.pruneLeases.run(before)
    this.#st.pruneSubmissions.run(before)
  }
}
