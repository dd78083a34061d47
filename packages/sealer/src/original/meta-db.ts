/**
 * Reading the original worker's RocksDB (`<store>/meta`) with the `rocksdb-native` binding, an
 * optional dependency loaded on first use. The database is opened read-only: its files are not
 * changed, a killed worker's write-ahead log is replayed in memory, and its `LOCK` is not taken.
 */
import { join } from 'node:path'
import { importOptional, VenusError } from '@venus-cluster/core'

/** Largest record value read (the PC1 output of a 64 GiB sector is a few MiB). */
const MAX_VALUE_BYTES = 256 * 1024 * 1024

interface RocksDbSession {
  ready(): Promise<void>
  get(key: Buffer): Promise<Buffer | null>
  close(): Promise<void>
}
type RocksDbConstructor = new (
  path: string,
  opts: { readOnly: boolean; createIfMissing: boolean },
) => RocksDbSession

async function binding(): Promise<RocksDbConstructor> {
  const mod = await importOptional('rocksdb-native', () => import('rocksdb-native'), {
    feature: "reading the original venus-worker's metadata (RocksDB)",
  })
  return ((mod as { default?: unknown }).default ?? mod) as RocksDbConstructor
}

/**
 * The value of `key` in the RocksDB at `<location>/meta`, or undefined when the key is absent.
 *
 * @example
 * ```ts
 * const bytes = await readOriginalMeta('/data/store1', 'meta/info')
 * ```
 */
export async function readOriginalMeta(location: string, key: string): Promise<Buffer | undefined> {
  const RocksDB = await binding()
  const path = join(location, 'meta')
  let db: RocksDbSession | undefined
  try {
    db = new RocksDB(path, { readOnly: true, createIfMissing: false })
    await db.ready()
    const value = await db.get(Buffer.from(key))
    if (value !== null && value.length > MAX_VALUE_BYTES)
      throw new VenusError(
        'STORE_IO',
        `${path}: ${key} is ${value.length} bytes (at most ${MAX_VALUE_BYTES})`,
        {
          details: { location, key },
        },
      )
    return value ?? undefined
  } catch (err) {
    if (err instanceof VenusError) throw err
    const message = (err as Error).message
    if (/compression|snappy|lz4|zstd|zlib|bzip2/i.test(message))
      throw new VenusError(
        'STORE_ORIGINAL_META',
        `${path}: the RocksDB holds compressed table files (${message}), which the rocksdb-native build cannot read; ` +
          `export the record with \`ldb --db=${path} get ${key} > record.json\` (package rocksdb-tools) or rocksdict ` +
          '(see docs/migration.md), then import it with `venus-worker store import-original --record record.json`',
        { details: { location, key }, cause: err },
      )
    throw new VenusError('STORE_IO', `${path}: cannot read the original worker's RocksDB: ${message}`, {
      details: { location },
      cause: err,
    })
  } finally {
    await db?.close().catch(() => {})
  }
}
