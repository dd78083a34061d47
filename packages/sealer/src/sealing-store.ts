/**
 * The checks a sealing thread runs before it takes a sector: the store is prepared, writable, and
 * not holding the original worker's in-flight sector. Each failure names the store and the way
 * out; the thread stays paused and checks again later.
 */
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { assertNoOriginalWorkerMeta, assertSealingStore, VenusError } from '@venus-cluster/core'

/**
 * Checks the sealing store at `location` and returns its canonical path.
 *
 * @throws VenusError `STORE_NOT_INITIALIZED`, `STORE_IO` (not writable: EROFS, EACCES) or
 *   `STORE_ORIGINAL_META`.
 * @example
 * ```ts
 * const location = await openSealingStore('/data/store1')
 * ```
 */
export async function openSealingStore(location: string): Promise<string> {
  const loc = await assertSealingStore(location)
  for (const sub of ['data', 'meta']) {
    try {
      await access(join(loc, sub), constants.W_OK)
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      throw new VenusError(
        'STORE_IO',
        `sealing store ${loc} is not writable (${e.code ?? 'error'}: ${e.message})`,
        {
          details: { location: loc, path: join(loc, sub) },
          cause: err,
        },
      )
    }
  }
  await assertNoOriginalWorkerMeta(loc)
  return loc
}
