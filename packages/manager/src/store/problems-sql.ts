/**
 * The `sector_problems` table (schema version 8) on both engines: the bad sectors the
 * WindowPoSt poster's checks found, with the suggested action, kept across restarts. One row per
 * sector; the newest `max` rows are kept.
 */

import type { SectorId } from '@venus-cluster/core'
import type Database from 'better-sqlite3'
import type { SectorProblem, SectorProblemAction } from '../repair/problems.js'

interface ProblemRow {
  miner: number | string
  number: number | string
  reason: string
  action: string
  seen_at: number | string
  policy: string | null
}

const fromRow = (r: ProblemRow): SectorProblem => ({
  id: { miner: Number(r.miner), number: Number(r.number) },
  reason: r.reason,
  action: r.action as SectorProblemAction,
  seenAt: Number(r.seen_at),
  ...(r.policy === null ? {} : { policy: r.policy }),
})

const row = (p: SectorProblem) => [p.id.miner, p.id.number, p.reason, p.action, p.seenAt, p.policy ?? null]

/** Keeps the newest `$max` rows (ties broken by sector). */
const PRUNE = (max: string) =>
  `DELETE FROM sector_problems WHERE (miner, number) NOT IN (
     SELECT miner, number FROM sector_problems ORDER BY seen_at DESC, miner DESC, number DESC LIMIT ${max})`

/** The SQLite statements; each runs inside the store's write transaction. */
export function sqliteProblems(db: Database.Database) {
  const put = db.prepare(
    `INSERT INTO sector_problems (miner, number, reason, action, seen_at, policy) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (miner, number) DO UPDATE SET reason = excluded.reason, action = excluded.action,
       seen_at = excluded.seen_at, policy = excluded.policy`,
  )
  const prune = db.prepare(PRUNE('?'))
  const remove = db.prepare('DELETE FROM sector_problems WHERE miner = ? AND number = ?')
  const list = db.prepare(
    'SELECT * FROM sector_problems ORDER BY seen_at DESC, miner DESC, number DESC LIMIT ?',
  )
  return {
    put(p: SectorProblem, max: number): void {
      put.run(...row(p))
      prune.run(max)
    },
    remove(id: SectorId): void {
      remove.run(id.miner, id.number)
    },
    list(limit: number): SectorProblem[] {
      return (list.all(limit) as ProblemRow[]).map(fromRow)
    },
  }
}

type Query = (op: string, sql: string, params?: unknown[]) => Promise<unknown[]>

/** The PostgreSQL queries, over the store's query function. */
export function pgProblems(q: Query) {
  return {
    async put(p: SectorProblem, max: number): Promise<void> {
      await q(
        'putSectorProblem',
        `INSERT INTO sector_problems (miner, number, reason, action, seen_at, policy) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (miner, number) DO UPDATE SET reason = excluded.reason, action = excluded.action,
           seen_at = excluded.seen_at, policy = excluded.policy`,
        row(p),
      )
      await q('putSectorProblem', PRUNE('$1'), [max])
    },
    async remove(id: SectorId): Promise<void> {
      await q('removeSectorProblem', 'DELETE FROM sector_problems WHERE miner = $1 AND number = $2', [
        id.miner,
        id.number,
      ])
    },
    async list(limit: number): Promise<SectorProblem[]> {
      const rows = (await q(
        'listSectorProblems',
        'SELECT * FROM sector_problems ORDER BY seen_at DESC, miner DESC, number DESC LIMIT $1',
        [limit],
      )) as ProblemRow[]
      return rows.map(fromRow)
    },
  }
}
