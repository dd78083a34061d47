/** The direct-piece queue of the SQLite store: synchronous statements run inside its writes. */
import type Database from 'better-sqlite3'
import { allocationQueued, type DirectPieceRow, directPieceFromRow, pieceNotPending } from './common.js'
import type { DirectPieceFilter, DirectPieceRecord, DirectPieceState, NewDirectPiece } from './types.js'

/** The statements of the direct-piece queue over an open database. */
export function sqliteDirectPieces(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO direct_pieces (miner, piece_cid, piece_size, payload_size, client, allocation_id, state, sector, reason, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', NULL, '', ?, ?)`,
  )
  const byId = db.prepare('SELECT * FROM direct_pieces WHERE id = ?')
  const queued = db.prepare(
    "SELECT 1 FROM direct_pieces WHERE client = ? AND allocation_id = ? AND state <> 'failed'",
  )
  const assign = db.prepare(
    "UPDATE direct_pieces SET state = 'assigned', sector = ?, updated_at = ? WHERE id = ? AND miner = ? AND state = 'pending'",
  )
  const remove = db.prepare("DELETE FROM direct_pieces WHERE id = ? AND state IN ('pending', 'failed')")
  return {
    add(p: NewDirectPiece): DirectPieceRecord {
      if (p.allocation !== null && queued.get(p.allocation.client, p.allocation.id) !== undefined)
        throw allocationQueued(p.allocation.client, p.allocation.id)
      const now = Date.now()
      const r = insert.run(
        p.miner,
        p.pieceCid,
        p.pieceSize,
        p.payloadSize,
        p.allocation?.client ?? null,
        p.allocation?.id ?? null,
        now,
        now,
      )
      return directPieceFromRow(byId.get(r.lastInsertRowid) as DirectPieceRow)
    },
    list(f: DirectPieceFilter = {}): DirectPieceRecord[] {
      const where: string[] = []
      const args: unknown[] = []
      if (f.miner !== undefined) where.push('miner = ?') && args.push(f.miner)
      if (f.state !== undefined) where.push('state = ?') && args.push(f.state)
      if (f.sector !== undefined) where.push('sector = ?') && args.push(f.sector)
      const sql = `SELECT * FROM direct_pieces${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`
      return (db.prepare(sql).all(...args) as DirectPieceRow[]).map(directPieceFromRow)
    },
    assign(miner: number, sector: number, ids: readonly number[]): DirectPieceRecord[] {
      const now = Date.now()
      for (const id of ids) if (assign.run(sector, now, id, miner).changes !== 1) throw pieceNotPending(id)
      return ids.map((id) => directPieceFromRow(byId.get(id) as DirectPieceRow))
    },
    setState(
      ids: readonly number[],
      to: { state: DirectPieceState; reason?: string | undefined },
      from: readonly DirectPieceState[],
    ): number {
      if (ids.length === 0 || from.length === 0) return 0
      const sql = `UPDATE direct_pieces SET state = ?, reason = ?, updated_at = ?${to.state === 'pending' ? ', sector = NULL' : ''}
        WHERE id IN (${ids.map(() => '?').join(', ')}) AND state IN (${from.map(() => '?').join(', ')})`
      return db.prepare(sql).run(to.state, to.reason ?? '', Date.now(), ...ids, ...from).changes
    },
    remove(id: number): boolean {
      return remove.run(id).changes === 1
    },
  }
}
