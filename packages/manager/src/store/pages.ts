/** Walking records a page at a time, for services that look at every online record. */
import type { SectorId } from '@venus-cluster/core'
import type { ManagedSector } from '../sector.js'
import type { ManagerStore } from './types.js'

/** Records read per page. */
const PAGE = 1000

/**
 * The online records (of one display state when given), a page at a time: each page is one
 * indexed read, so the walk never holds more than a page and the event loop gets a turn between
 * pages. Records may change or go offline during the walk; the cursor is the last id seen.
 *
 * @example
 * ```ts
 * for await (const s of onlinePages(store, 'Allocated')) console.log(s.id)
 * ```
 */
export async function* onlinePages(
  store: Pick<ManagerStore, 'listSectorsPage'>,
  state?: string,
): AsyncGenerator<ManagedSector> {
  let after: SectorId | undefined
  for (;;) {
    const page = await store.listSectorsPage(true, { after, limit: PAGE, state })
    yield* page
    const last = page.at(-1)
    if (page.length < PAGE || last === undefined) return
    after = last.id
  }
}
