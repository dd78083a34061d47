/** The direct-piece queue of the PostgreSQL store: queries run on a client inside its transactions. */
import type pg from 'pg'
import { allocationQueued, type DirectPieceRow, directPieceFromRow, pieceNotPending } from './common.js'
import type { DirectPieceFilter, DirectPieceRecord, DirectPieceState, NewDirectPiece } from './types.js'

type Query = Pick<pg.PoolClient, 'query'>

/** Unique violation: another manager queued the same allocation first. */
const UNIQUE_VIOLATION = '23505'

export async function pgAddDirectPiece(c: Query, p: NewDirectPiece): Promise<DirectPieceRecord> {
  const now = Date.now()
  try {
    const r = await c.query<DirectPieceRow>(
      `INSERT INTO direct_pieces (miner, piece_cid, piece_size, payload_size, client, allocation_id, state, sector, reason, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', NULL, '', $7, $7) RETURNING *`,
      [
        p.miner,
        p.pieceCid,
        p.pieceSize,
        p.payloadSize,
        p.allocation?.client ?? null,
        p.allocation?.id ?? null,
        now,
      ],
    )
    return directPieceFromRow(r.rows[0]!)
  } catch (e) {
    if ((e as { code?: unknown }).code === UNIQUE_VIOLATION && p.allocation !== null)
      throw allocationQueued(p.allocation.client, p.allocation.id)
    throw e
  }
}

export async function pgListDirectPieces(c: Query, f: DirectPieceFilter = {}): Promise<DirectPieceRecord[]> {
  const where: string[] = []
  const args: unknown[] = []
  const add = (col: string, v: unknown) => {
    args.push(v)
    where.push(`${col} = $${args.length}`)
  }
  if (f.miner !== undefined) add('miner', f.miner)
  if (f.state !== undefined) add('state', f.state)
  if (f.sector !== undefined) add('sector', f.sector)
  const sql = `SELECT * FROM direct_pieces${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`
  return (await c.query<DirectPieceRow>(sql, args)).rows.map(directPieceFromRow)
}

export async function pgAssignDirectPieces(
  c: Query,
  miner: number,
  sector: number,
  ids: readonly number[],
): Promise<DirectPieceRecord[]> {
  const out: DirectPieceRecord[] = []
  const now = Date.now()
  for (const id of ids) {
    const r = await c.query<DirectPieceRow>(
      "UPDATE direct_pieces SET state = 'assigned', sector = $1, updated_at = $2 WHERE id = $3 AND miner = $4 AND state = 'pending' RETURNING *",
      [sector, now, id, miner],
    )
    const row = r.rows[0]
    if (row === undefined) throw pieceNotPending(id)
    out.push(directPieceFromRow(row))
  }
  return out
}

export async function pgSetDirectPieceState(
  c: Query,
  ids: readonly number[],
  to: { state: DirectPieceState; reason?: string | undefined },
  from: readonly DirectPieceState[],
): Promise<number> {
  if (ids.length === 0 || from.length === 0) return 0
  const r = await c.query(
    `UPDATE direct_pieces SET state = $1, reason = $2, updated_at = $3${to.state === 'pending' ? ', sector = NULL' : ''}
     WHERE id = ANY($4::bigint[]) AND state = ANY($5::text[])`,
    [to.state, to.reason ?? '', Date.now(), [...ids], [...from]],
  )
  return r.rowCount ?? 0
}

export async function pgRemoveDirectPiece(c: Query, id: number): Promise<boolean> {
  const r = await c.query("DELETE FROM direct_pieces WHERE id = $1 AND state IN ('pending', 'failed')", [id])
  return (r.rowCount ?? 0) === 1
}
