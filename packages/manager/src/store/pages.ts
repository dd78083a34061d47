/** Walking records a page at a time, for services that look at every online (or offline) record. */
import type { SectorId } from '@venus-cluster/core'
import type { ManagedSector } from '../sector.js'
import type { ManagerStore } from './types.js'

/**
 * Records read per page. A record is a few KiB of JSON (with its proof) to parse: 200 of them
 * keep one turn of the event loop at a few milliseconds, so RPC answers wait behind a walk for
 * no longer than that.
 */
export const SECTOR_WALK_PAGE = 200

/**
 * The online or offline records (of one display state when given), a page at a time: each page
 * is one indexed read, so the walk never holds more than a page and the event loop gets a turn
 * between pages. Records may change or move during the walk; the cursor is the last id seen.
 *
 * @example
 * ```ts
 * for await (const s of sectorPages(store, false)) if (s.finalized) console.log(s.id)
 * ```
 */
export async function* sectorPages(
  store: Pick<ManagerStore, 'listSectorsPage'>,
  online: boolean,
  state?: string,
): AsyncGenerator<ManagedSector> {
  let after: SectorId | undefined
  for (;;) {
    const page = await store.listSectorsPage(online, { after, limit: SECTOR_WALK_PAGE, state })
    yield* page
    const last = page.at(-1)
    if (page.length < SECTOR_WALK_PAGE || last === undefined) return
    after = last.id
    // A page read from SQLite is synchronous: let waiting requests in before the next one.
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/**
 * The online records (of one display state when given), a page at a time (see {@link sectorPages}).
 *
 * @example
 * ```ts
 * for await (const s of onlinePages(store, 'Allocated')) console.log(s.id)
 * ```
 */
export function onlinePages(
  store: Pick<ManagerStore, 'listSectorsPage'>,
  state?: string,
): AsyncGenerator<ManagedSector> {
  return sectorPages(store, true, state)
}
