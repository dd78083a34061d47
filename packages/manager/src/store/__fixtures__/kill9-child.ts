/**
 * Child process for the kill -9 test: allocates and updates sectors as fast as it can and
 * prints one line per acknowledged (resolved) write. The parent kills it at a random moment.
 */
import { openPostgresStore } from '../postgres.js'
import { openSqliteStore } from '../sqlite.js'

const [engine, target] = process.argv.slice(2)
if (!engine || !target) throw new Error('usage: kill9-child <sqlite|postgres> <path|url>')
const store =
  engine === 'sqlite'
    ? await openSqliteStore({ path: target, synchronous: 'full' })
    : await openPostgresStore({ connectionString: target })
const out = (line: string) => process.stdout.write(`${line}\n`)
out('READY')
let seq = 0
// Several writers in flight at once, so group commits carry more than one write.
const writer = async (miner: number) => {
  for (;;) {
    const s = await store.allocateSector(miner, { initNumber: 0 }, 5)
    if (s === null) return
    out(`ALLOC ${miner} ${s.id.number}`)
    const mark = `w${seq++}`
    await store.updateSector(s.id, (st) => ({ ...st, abortReason: mark }), { enqueue: 'pre' })
    out(`UPD ${miner} ${s.id.number} ${mark}`)
  }
}
await Promise.all([writer(1000), writer(1000), writer(2000), writer(2000)])
