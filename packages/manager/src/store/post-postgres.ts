/**
 * The WindowPoSt part of the PostgreSQL store, shared by several managers: lease rows are locked
 * (`FOR UPDATE`) for every grant and every fenced submission record, so the two serialize; lease
 * times come from the database's clock, so managers whose clocks disagree still agree on expiry;
 * jobs are claimed with `FOR UPDATE SKIP LOCKED`, so each goes to one worker.
 */
import type { WdPoStAllocateSpec, WdPoStJobOutput } from '@venus-cluster/core'
import type pg from 'pg'
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

type Tx = <T>(op: string, fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>
type Query = <T extends pg.QueryResultRow>(op: string, sql: string, params?: unknown[]) => Promise<T[]>

/** The database's clock in Unix ms. */
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint'
const KEY = 'miner = $1 AND deadline = $2 AND open = $3'
const JOB_VALUES = Array.from({ length: 17 }, (_, i) => `$${i + 1}`).join(', ')

/** The PostgreSQL {@link PostStore} over the store's pool helpers. */
export class PostgresPostStore implements PostStore {
  readonly #tx: Tx
  readonly #q: Query
  #acquires = 0

  constructor(tx: Tx, q: Query) {
    this.#tx = tx
    this.#q = q
  }

  acquireLease(k: PostLeaseKey, holder: string, ttlMs: number): Promise<PostLeaseGrant | undefined> {
    const ttl = Math.round(ttlMs)
    if (++this.#acquires % PRUNE_EVERY === 0) void this.prune(24 * 3600_000).catch(() => {})
    return this.#tx('acquireLease', async (c) => {
      const found = (
        await c.query<LeaseRowDb & { now_ms: string }>(
          `SELECT *, ${NOW_MS} AS now_ms FROM post_leases WHERE ${KEY} FOR UPDATE`,
          [k.miner, k.deadline, k.open],
        )
      ).rows[0]
      if (found === undefined) {
        const ins = await c.query(
          `INSERT INTO post_leases (miner, deadline, open, holder, token, acquired_at, renewed_at, expires_at, released, takeovers)
           VALUES ($1, $2, $3, $4, 1, ${NOW_MS}, ${NOW_MS}, ${NOW_MS} + $5, 0, 0) ON CONFLICT DO NOTHING`,
          [k.miner, k.deadline, k.open, holder, ttl],
        )
        // Another manager inserted it first: its lease is fresh.
        return ins.rowCount === 1 ? { token: 1 } : undefined
      }
      const d = leaseDecision(leaseFromRow(found), holder, Number(found.now_ms))
      if (d.kind === 'refuse' || d.kind === 'insert') return undefined
      if (d.kind === 'renew') {
        await c.query(
          `UPDATE post_leases SET renewed_at = ${NOW_MS}, expires_at = ${NOW_MS} + $4 WHERE ${KEY}`,
          [k.miner, k.deadline, k.open, ttl],
        )
        return { token: d.token }
      }
      await c.query(
        `UPDATE post_leases SET holder = $4, token = $5, acquired_at = ${NOW_MS}, renewed_at = ${NOW_MS},
           expires_at = ${NOW_MS} + $6, released = 0, takeovers = takeovers + $7 WHERE ${KEY}`,
        [k.miner, k.deadline, k.open, holder, d.token, ttl, d.takenOverFrom === undefined ? 0 : 1],
      )
      return { token: d.token, ...(d.takenOverFrom === undefined ? {} : { takenOverFrom: d.takenOverFrom }) }
    })
  }

  async renewLease(k: PostLeaseKey, holder: string, token: number, ttlMs: number): Promise<boolean> {
    const rows = await this.#q<{ token: string }>(
      'renewLease',
      `UPDATE post_leases SET renewed_at = ${NOW_MS}, expires_at = ${NOW_MS} + $6
       WHERE ${KEY} AND holder = $4 AND token = $5 AND released = 0 AND expires_at > ${NOW_MS} RETURNING token`,
      [k.miner, k.deadline, k.open, holder, token, Math.round(ttlMs)],
    )
    return rows.length === 1
  }

  async releaseLease(k: PostLeaseKey, holder: string, token: number): Promise<void> {
    await this.#q(
      'releaseLease',
      `UPDATE post_leases SET released = 1, expires_at = ${NOW_MS} WHERE ${KEY} AND holder = $4 AND token = $5`,
      [k.miner, k.deadline, k.open, holder, token],
    )
  }

  async leaseHeld(k: PostLeaseKey, holder: string, token: number): Promise<boolean> {
    const rows = await this.#q(
      'leaseHeld',
      `SELECT 1 AS one FROM post_leases WHERE ${KEY} AND holder = $4 AND token = $5 AND released = 0 AND expires_at > ${NOW_MS}`,
      [k.miner, k.deadline, k.open, holder, token],
    )
    return rows.length === 1
  }

  async listLeases(
    opts: { miner?: number | undefined; limit?: number | undefined } = {},
  ): Promise<PostLeaseRow[]> {
    const limit = opts.limit ?? 200
    const rows =
      opts.miner === undefined
        ? await this.#q<LeaseRowDb>(
            'listLeases',
            'SELECT * FROM post_leases ORDER BY open DESC, miner, deadline LIMIT $1',
            [limit],
          )
        : await this.#q<LeaseRowDb>(
            'listLeases',
            'SELECT * FROM post_leases WHERE miner = $1 ORDER BY open DESC, deadline LIMIT $2',
            [opts.miner, limit],
          )
    return rows.map(leaseFromRow)
  }

  recordSubmission(
    k: PostLeaseKey,
    holder: string,
    token: number,
    partitions: readonly number[],
  ): Promise<{ id: string; adopted: boolean } | undefined> {
    return this.#tx('recordSubmission', async (c) => {
      // The lease row's lock orders this record against any grant of the lease to another holder.
      const lease = (
        await c.query<{ holder: string; token: string; released: number; live: boolean }>(
          `SELECT holder, token, released, expires_at > ${NOW_MS} AS live FROM post_leases WHERE ${KEY} FOR UPDATE`,
          [k.miner, k.deadline, k.open],
        )
      ).rows[0]
      if (
        lease === undefined ||
        lease.holder !== holder ||
        Number(lease.token) !== token ||
        Number(lease.released) !== 0 ||
        !lease.live
      )
        return undefined
      const parts = partsKey(partitions)
      const last = (
        await c.query<{ id: string; state: string; seq: number }>(
          'SELECT id, state, seq FROM post_submissions WHERE miner = $1 AND open = $2 AND parts = $3 ORDER BY seq DESC LIMIT 1',
          [k.miner, k.open, parts],
        )
      ).rows[0]
      if (last !== undefined && last.state !== 'failed') return { id: last.id, adopted: true }
      const seq = Number(last?.seq ?? 0) + 1
      const id = submissionId(k, parts, seq)
      await c.query(
        "INSERT INTO post_submissions (id, miner, deadline, open, parts, seq, holder, token, state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'recorded', $9)",
        [id, k.miner, k.deadline, k.open, parts, seq, holder, token, Date.now()],
      )
      return { id, adopted: false }
    })
  }

  async submissionFailed(id: string): Promise<void> {
    await this.#q('submissionFailed', "UPDATE post_submissions SET state = 'failed' WHERE id = $1", [id])
  }

  async listSubmissions(k: PostLeaseKey): Promise<PostSubmissionRow[]> {
    const rows = await this.#q<SubmissionRowDb>(
      'listSubmissions',
      `SELECT * FROM post_submissions WHERE ${KEY} ORDER BY created_at, seq`,
      [k.miner, k.deadline, k.open],
    )
    return rows.map(submissionFromRow)
  }

  putJob(job: NewPostJob): Promise<StoredPostJob> {
    return this.#tx('putJob', async (c) => {
      await c.query(
        `INSERT INTO wdpost_jobs (${JOB_INSERT_COLUMNS}) VALUES (${JOB_VALUES}) ON CONFLICT (id) DO NOTHING`,
        newJobValues(job, nowSec()),
      )
      const r = (await c.query<JobRowDb>('SELECT * FROM wdpost_jobs WHERE id = $1', [job.id])).rows[0]
      return jobFromRow(r as JobRowDb)
    })
  }

  async getJob(id: string): Promise<StoredPostJob | undefined> {
    const rows = await this.#q<JobRowDb>('getJob', 'SELECT * FROM wdpost_jobs WHERE id = $1', [id])
    return rows[0] === undefined ? undefined : jobFromRow(rows[0])
  }

  async listJobs(
    opts: { all?: boolean | undefined; limit?: number | undefined } = {},
  ): Promise<StoredPostJob[]> {
    const limit = opts.limit ?? 500
    const rows = opts.all
      ? await this.#q<JobRowDb>(
          'listJobs',
          'SELECT * FROM wdpost_jobs ORDER BY created_at DESC, id LIMIT $1',
          [limit],
        )
      : await this.#q<JobRowDb>(
          'listJobs',
          "SELECT * FROM wdpost_jobs WHERE NOT (state = 'finished' AND error = '') ORDER BY created_at DESC, id LIMIT $1",
          [limit],
        )
    return rows.map(jobFromRow)
  }

  allocateJobs(spec: WdPoStAllocateSpec, num: number, worker: string): Promise<StoredPostJob[]> {
    return this.#tx('allocateJobs', async (c) => {
      const now = nowSec()
      const ready = (
        await c.query<{ id: string; miner: string; proof_type: string }>(
          "SELECT id, miner, proof_type FROM wdpost_jobs WHERE state = 'ready2run' ORDER BY created_at, id LIMIT 256 FOR UPDATE SKIP LOCKED",
        )
      ).rows
      const out: StoredPostJob[] = []
      for (const r of ready) {
        if (out.length >= num) break
        if (!jobMatches(spec, Number(r.miner), r.proof_type)) continue
        const taken = await c.query<JobRowDb>(
          "UPDATE wdpost_jobs SET state = 'running', try_num = try_num + 1, started_at = $1, heartbeat_at = $1, worker = $2, updated_at = $1 WHERE id = $3 AND state = 'ready2run' RETURNING *",
          [now, worker, r.id],
        )
        if (taken.rows[0] !== undefined) out.push(jobFromRow(taken.rows[0]))
      }
      return out
    })
  }

  async heartbeatJobs(ids: readonly string[], worker: string): Promise<string[]> {
    if (ids.length === 0) return []
    const now = nowSec()
    const rows = await this.#q<{ id: string }>(
      'heartbeatJobs',
      "UPDATE wdpost_jobs SET state = 'running', heartbeat_at = $1, worker = $2, started_at = CASE WHEN started_at = 0 THEN $1 ELSE started_at END, updated_at = $1 WHERE id = ANY($3::text[]) AND state IN ('running', 'ready2run') RETURNING id",
      [now, worker, [...ids]],
    )
    return rows.map((r) => r.id)
  }

  async finishJob(id: string, output: WdPoStJobOutput | null, errorReason: string): Promise<boolean> {
    const now = nowSec()
    const rows = await this.#q<{ id: string }>(
      'finishJob',
      "UPDATE wdpost_jobs SET state = 'finished', output = $1, error = $2, finished_at = $3, updated_at = $3 WHERE id = $4 RETURNING id",
      [outputText(output), errorReason, now, id],
    )
    return rows.length === 1
  }

  async failStaleJobs(timeoutSec: number, limit: number): Promise<string[]> {
    const now = nowSec()
    const rows = await this.#q<{ id: string }>(
      'failStaleJobs',
      `UPDATE wdpost_jobs SET state = 'finished', output = NULL, error = 'heartbeat timeout', finished_at = $1, updated_at = $1
       WHERE id IN (SELECT id FROM wdpost_jobs WHERE state = 'running' AND heartbeat_at > 0 AND heartbeat_at < $2 ORDER BY heartbeat_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       AND state = 'running' RETURNING id`,
      [now, now - timeoutSec, limit],
    )
    return rows.map((r) => r.id)
  }

  async retryFailedJobs(maxTry: number, limit: number): Promise<string[]> {
    const now = nowSec()
    const rows = await this.#q<{ id: string }>(
      'retryFailedJobs',
      `UPDATE wdpost_jobs SET state = 'ready2run', error = '', output = NULL, started_at = 0, finished_at = 0, updated_at = $1
       WHERE id IN (SELECT id FROM wdpost_jobs WHERE state = 'finished' AND error <> '' AND try_num < $2 ORDER BY finished_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [now, maxTry, limit],
    )
    return rows.map((r) => r.id)
  }

  async resetJob(id: string): Promise<boolean> {
    const now = nowSec()
    const rows = await this.#q<{ id: string }>(
      'resetJob',
      "UPDATE wdpost_jobs SET state = 'ready2run', try_num = 0, error = '', output = NULL, worker = '', started_at = 0, heartbeat_at = 0, finished_at = 0, created_at = $1, updated_at = $1 WHERE id = $2 RETURNING id",
      [now, id],
    )
    return rows.length === 1
  }

  async removeJob(id: string): Promise<void> {
    await this.#q('removeJob', 'DELETE FROM wdpost_jobs WHERE id = $1', [id])
  }

  async cleanupJobs(lifetimeSec: number): Promise<number> {
    const rows = await this.#q<{ id: string }>(
      'cleanupJobs',
      "DELETE FROM wdpost_jobs WHERE state = 'finished' AND created_at < $1 RETURNING id",
      [nowSec() - lifetimeSec],
    )
    return rows.length
  }

  async prune(olderThanMs: number): Promise<void> {
    await this.#q('prune', `DELETE FROM post_leases WHERE expires_at < ${NOW_MS} - $1`, [
      Math.round(olderThanMs),
    ])
    await this.#q('prune', 'DELETE FROM post_submissions WHERE created_at < $1', [Date.now() - olderThanMs])
  }
}
