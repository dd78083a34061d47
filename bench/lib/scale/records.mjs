// A farm's history as the manager stores it: a million offline records of 32GiB sectors, written
// straight into a database the store created (schema and all), so the scale benchmark starts
// from what a ten-PiB farm's manager holds after years, in seconds rather than days.
//
// Each record is what the manager writes when a sector finalizes: the original's SectorState
// JSON with ticket, seed, commitments, message uids, the last report and the 1,920-byte C2 proof
// of a 32GiB sector; one in ten is aborted (no proof). The sector index holds the finalized ones.
import { createHash, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { commitmentToCid } from '@venus-cluster/core'
import { newSector, openPostgresStore, openSqliteStore, sectorToWire } from '@venus-cluster/manager'

export const MINER = 1000
/** Registered seal proof of 32GiB V1_1. */
export const PROOF_32G = 8
const PROOF_BYTES = 1920
const WORKERS = 313

const cid = (seed, kind) =>
  commitmentToCid(
    Uint8Array.from(createHash('sha256').update(seed).digest()).map((b, i) => (i === 31 ? b & 0x3f : b)),
    kind,
  ).toString()

/**
 * Offline record `n` as stored (finalized, or aborted when `n % 10 === 0`): a template made by the
 * manager's own converter, in parts to put the number and the proof between.
 */
export function recordTemplate() {
  const s = newSector({ miner: MINER, number: 777_777_777 }, PROOF_32G, 1_700_000_000_000)
  s.ticket = { value: new Uint8Array(32).fill(7), epoch: 3_000_000 }
  s.seed = { value: new Uint8Array(32).fill(9), epoch: 3_000_200 }
  s.preCommit = { commR: cid('r', 'commR'), commD: cid('d', 'commD'), ticket: s.ticket, dealIds: [] }
  s.proof = new Uint8Array(PROOF_BYTES).fill(1)
  s.messages = { preCommit: cid('p', 'commR'), proveCommit: cid('c', 'commR'), needSend: false }
  s.latestReport = {
    worker: { instance: 'rig-000', location: '/mnt/nvme0/sealing/t17' },
    stateChange: { prev: 'ProofSubmitted', next: 'Finished', event: 'None' },
    failure: null,
  }
  s.finalized = true
  const finalized = JSON.stringify(sectorToWire(s))
  const proofText = Buffer.from(s.proof).toString('base64')
  const [a, rest] = finalized.split('777777777')
  const [b, c] = rest.split(proofText)
  const aborted = JSON.stringify(
    sectorToWire({ ...s, proof: null, seed: null, finalized: false, abortReason: 'ticket expired' }),
  ).split('777777777')
  // Proofs differ per record (they do not compress): windows of 2,560 base64 characters (1,920
  // bytes) at multiples of 4 over random bytes.
  const pool = randomBytes(PROOF_BYTES * 64).toString('base64')
  const slots = (pool.length - PROOF_TEXT) / 4
  return { finalized: [a, b, c], aborted, pool, slots }
}

const PROOF_TEXT = (PROOF_BYTES / 3) * 4

/** The stored JSON and display state of offline record `n`. */
export function recordFactory() {
  const t = recordTemplate()
  return (n) => {
    if (n % 10 === 0) return { text: `${t.aborted[0]}${n}${t.aborted[1]}`, display: 'Aborted' }
    const off = ((n * 97) % t.slots) * 4
    const [a, b, c] = t.finalized
    return { text: `${a}${n}${b}${t.pool.slice(off, off + PROOF_TEXT)}${c}`, display: 'Finalized' }
  }
}

const workerOf = (n) => `rig-${String(n % WORKERS).padStart(3, '0')}`

/** Secondary indexes of the bulk-loaded tables: dropped for the load, made again after it. */
const LOADED = "'sectors', 'sector_index'"

/** Creates a SQLite store at `path` (the manager's schema), then `count` offline records. */
export async function buildSqlite(path, count) {
  await (await openSqliteStore({ path, synchronous: 'normal' })).close()
  const Database = createRequire(import.meta.url)('better-sqlite3')
  const db = new Database(path)
  // A bulk load: no journal, no fsync, a large page cache, indexes made after the rows; WAL
  // again at the end (the store's mode).
  db.pragma('journal_mode = OFF')
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -262144')
  const indexes = db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${LOADED})`,
    )
    .all()
  for (const i of indexes) db.exec(`DROP INDEX ${i.name}`)
  const rec = recordFactory()
  const ins = db.prepare(
    'INSERT INTO sectors (miner, number, online, state, updated_at, display, worker) VALUES (?, ?, 0, ?, ?, ?, ?)',
  )
  const idx = db.prepare(
    "INSERT INTO sector_index (miner, number, kind, sealed, cache) VALUES (?, ?, 'normal', ?, ?)",
  )
  const now = Date.now()
  const chunk = db.transaction((from, to) => {
    for (let n = from; n < to; n++) {
      const r = rec(n)
      ins.run(MINER, n, r.text, now, r.display, workerOf(n))
      if (r.display === 'Finalized') idx.run(MINER, n, `ps-${n % 16}`, `ps-${n % 16}`)
    }
  })
  for (let n = 1; n <= count; n += 50_000) chunk(n, Math.min(count + 1, n + 50_000))
  for (const i of indexes) db.exec(i.sql)
  db.exec(`INSERT INTO sector_numbers (miner, last) VALUES (${MINER}, ${count})`)
  db.exec(
    'INSERT INTO sector_counts (miner, display, n) SELECT miner, display, COUNT(*) FROM sectors WHERE online = 0 GROUP BY miner, display',
  )
  db.exec('ANALYZE')
  db.pragma('journal_mode = WAL')
  db.close()
}

/**
 * The same in a PostgreSQL database, the records made by the server from the template (one
 * statement per 100,000), indexes made after the rows. Returns the database's size in bytes.
 */
export async function buildPostgres(url, count) {
  await (await openPostgresStore({ connectionString: url })).close()
  const pg = createRequire(import.meta.url)('pg')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query('SET synchronous_commit = off')
    await client.query("SET maintenance_work_mem = '256MB'")
    const indexes = (
      await client.query(
        `SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN (${LOADED}) AND indexname NOT LIKE '%_pkey'`,
      )
    ).rows
    for (const i of indexes) await client.query(`DROP INDEX ${i.indexname}`)
    const t = recordTemplate()
    // The server picks each record's proof from 256 random ones (a text[] subscript is cheap).
    const proofs = Array.from({ length: 256 }, (_, i) => t.pool.slice(i * 4 * 9, i * 4 * 9 + PROOF_TEXT))
    const now = Date.now()
    for (let n = 1; n <= count; n += 100_000) {
      const to = Math.min(count, n + 99_999)
      await client.query(
        `INSERT INTO sectors (miner, number, online, state, updated_at, display, worker)
         SELECT $1, n, 0,
           CASE WHEN n % 10 = 0 THEN $2::text || n || $3::text
                ELSE $4::text || n || $5::text || ($6::text[])[(n % $7::bigint)::int + 1] || $8::text END,
           $9::bigint, CASE WHEN n % 10 = 0 THEN 'Aborted' ELSE 'Finalized' END,
           'rig-' || lpad((n % ${WORKERS})::text, 3, '0')
         FROM generate_series($10::bigint, $11::bigint) AS n`,
        [MINER, ...t.aborted, ...t.finalized.slice(0, 2), proofs, proofs.length, t.finalized[2], now, n, to],
      )
      await client.query(
        `INSERT INTO sector_index (miner, number, kind, sealed, cache)
         SELECT $1, n, 'normal', 'ps-' || (n % 16), 'ps-' || (n % 16)
         FROM generate_series($2::bigint, $3::bigint) AS n WHERE n % 10 <> 0`,
        [MINER, n, to],
      )
    }
    for (const i of indexes) await client.query(i.indexdef)
    await client.query('INSERT INTO sector_numbers (miner, last) VALUES ($1, $2)', [MINER, count])
    await client.query(
      'INSERT INTO sector_counts (miner, display, n) SELECT miner, display, COUNT(*) FROM sectors WHERE online = 0 GROUP BY miner, display',
    )
    await client.query('VACUUM ANALYZE')
    const size = await client.query('SELECT pg_database_size(current_database()) AS b')
    return Number(size.rows[0].b)
  } finally {
    await client.end()
  }
}
