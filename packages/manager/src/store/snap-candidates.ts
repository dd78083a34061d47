/**
 * The snap-up candidate pool of both store engines (schema version 7): rows to candidates, and
 * the statements each engine runs inside its own writes and transactions.
 */
import type Database from 'better-sqlite3'
import type pg from 'pg'
import type { SnapCandidate } from '../snapup/types.js'

interface CandidateRow {
  miner: number | string
  number: number | string
  sealed_cid: string
  activation: number | string
  expiration: number | string
  deadline: number | string
  part: number | string
}

const COLUMNS = 'miner, number, sealed_cid, activation, expiration, deadline, part, added_at'

function fromRow(r: CandidateRow): SnapCandidate {
  return {
    miner: Number(r.miner),
    number: Number(r.number),
    public: {
      sealedCid: r.sealed_cid,
      activation: Number(r.activation),
      expiration: Number(r.expiration),
      deadline: Number(r.deadline),
      partition: Number(r.part),
    },
  }
}

const values = (c: SnapCandidate, now: number) => [
  c.miner,
  c.number,
  c.public.sealedCid,
  c.public.activation,
  c.public.expiration,
  c.public.deadline,
  c.public.partition,
  now,
]

/** The SQLite statements over an open database (run inside the store's writes). */
export function sqliteSnapCandidates(db: Database.Database) {
  const put = db.prepare(
    `INSERT OR REPLACE INTO snap_candidates (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const dropMiner = db.prepare('DELETE FROM snap_candidates WHERE miner = ?')
  const remove = db.prepare('DELETE FROM snap_candidates WHERE miner = ? AND number = ?')
  const all = db.prepare('SELECT * FROM snap_candidates ORDER BY miner, number')
  const ofMiner = db.prepare('SELECT * FROM snap_candidates WHERE miner = ? ORDER BY number')
  return {
    list(miner?: number): SnapCandidate[] {
      const rows = (miner === undefined ? all.all() : ofMiner.all(miner)) as CandidateRow[]
      return rows.map(fromRow)
    },
    put(candidates: readonly SnapCandidate[], replaceMiner: number | undefined): void {
      if (replaceMiner !== undefined) dropMiner.run(replaceMiner)
      const now = Date.now()
      for (const c of candidates) put.run(...values(c, now))
    },
    remove(miner: number, number: number): boolean {
      return remove.run(miner, number).changes === 1
    },
  }
}

type Query = Pick<pg.PoolClient, 'query'>

/** Lists a miner's candidates (or all) on PostgreSQL. */
export async function pgListSnapCandidates(c: Query, miner?: number): Promise<SnapCandidate[]> {
  const r =
    miner === undefined
      ? await c.query<CandidateRow>('SELECT * FROM snap_candidates ORDER BY miner, number')
      : await c.query<CandidateRow>('SELECT * FROM snap_candidates WHERE miner = $1 ORDER BY number', [miner])
  return r.rows.map(fromRow)
}

/** Keeps candidates on PostgreSQL (inside the store's transaction). */
export async function pgPutSnapCandidates(
  c: Query,
  candidates: readonly SnapCandidate[],
  replaceMiner: number | undefined,
): Promise<void> {
  if (replaceMiner !== undefined)
    await c.query('DELETE FROM snap_candidates WHERE miner = $1', [replaceMiner])
  const now = Date.now()
  for (const x of candidates)
    await c.query(
      `INSERT INTO snap_candidates (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (miner, number) DO UPDATE SET sealed_cid = EXCLUDED.sealed_cid, activation = EXCLUDED.activation,
         expiration = EXCLUDED.expiration, deadline = EXCLUDED.deadline, part = EXCLUDED.part, added_at = EXCLUDED.added_at`,
      values(x, now),
    )
}

/** Drops one candidate on PostgreSQL; true when this call dropped it. */
export async function pgRemoveSnapCandidate(c: Query, miner: number, number: number): Promise<boolean> {
  const r = await c.query('DELETE FROM snap_candidates WHERE miner = $1 AND number = $2', [miner, number])
  return r.rowCount === 1
}
