/**
 * What detaching a persist store would do, checked against the records and the chain before
 * anything is forgotten: a store of the config cannot be detached here, a store with space
 * reserved for sectors on their way there cannot be detached at all, and a store holding sectors
 * that are live on chain is detached only when forced (their WindowPoSt fails until the store is
 * attached again).
 */

import type { SectorId } from '@venus-cluster/core'
import type { ServiceContext } from '../context.js'
import type { StoreReservation } from '../store/types.js'
import type { PersistStore, PersistStores } from './persist-stores.js'

/** The plan of a detach (see {@link planStoreDetach}). */
export interface StoreDetachPlan {
  store: PersistStore | undefined
  /** Sectors the sector index places in the store. */
  indexed: number
  /** Of them, those live on chain (proven every day), at most {@link LIVE_SAMPLE} listed. */
  live: SectorId[]
  /** How many of the indexed sectors were checked on chain (all, unless there are very many). */
  checked: number
  reservations: StoreReservation[]
  /** Why it cannot go ahead; empty = it may. */
  refusals: string[]
  /** What it does. */
  steps: string[]
  applied: boolean
}

/** Live sectors named in a plan. */
export const LIVE_SAMPLE = 20
/** Indexed sectors checked on chain one by one before the plan says "more than". */
const CHAIN_CHECKS = 2000

/**
 * Plans (and with `apply`, does) the detach of a store.
 *
 * @example
 * ```ts
 * const plan = await planStoreDetach(ctx, stores, 'ps1', { apply: false, force: false })
 * if (plan.refusals.length === 0) await planStoreDetach(ctx, stores, 'ps1', { apply: true, force: false })
 * ```
 */
export async function planStoreDetach(
  ctx: ServiceContext,
  stores: PersistStores,
  name: string,
  opts: { apply: boolean; force: boolean },
): Promise<StoreDetachPlan> {
  const store = stores.get(name)
  const plan: StoreDetachPlan = {
    store,
    indexed: 0,
    live: [],
    checked: 0,
    reservations: [],
    refusals: [],
    steps: [],
    applied: false,
  }
  if (store === undefined) {
    plan.refusals.push(`no persist store is named ${JSON.stringify(name)}`)
    return plan
  }
  if (store.source === 'config')
    plan.refusals.push(`${name} is declared in sector-manager.cfg: remove it there (and reload the config)`)
  const [indexed, reservations] = await Promise.all([
    ctx.store.listLocationsIn(name),
    ctx.store.listReservations(name),
  ])
  plan.reservations = reservations
  if (reservations.length > 0)
    plan.refusals.push(
      `${reservations.length} sector(s) have space reserved there and are being persisted to it; let them finish, or release their reservations (util storage release-reserved)`,
    )
  const ids = [...new Map(indexed.map((l) => [`${l.id.miner}/${l.id.number}`, l.id])).values()]
  plan.indexed = ids.length
  let live = 0
  let unknown: { id: SectorId; error: string } | undefined
  let unknowns = 0
  for (const id of ids.slice(0, CHAIN_CHECKS)) {
    let info: Awaited<ReturnType<typeof ctx.chain.sectorInfo>>
    try {
      info = await ctx.chain.sectorInfo(id.miner, id.number)
    } catch (err) {
      // A miner the chain does not know, or a node that failed: not known to be dead.
      unknowns++
      unknown ??= { id, error: (err as Error).message }
      continue
    }
    plan.checked++
    if (info === null) continue
    live++
    if (plan.live.length < LIVE_SAMPLE) plan.live.push(id)
  }
  if (unknown !== undefined && !opts.force)
    plan.refusals.push(
      `${unknowns} sector(s) there could not be checked on chain (m-${unknown.id.miner}-n-${unknown.id.number}: ${unknown.error}); pass --force to detach anyway`,
    )
  if (live > 0 && !opts.force)
    plan.refusals.push(
      `${live}${plan.checked < ids.length ? ` of the first ${plan.checked}` : ''} sector(s) there are live on chain: their WindowPoSt fails while the store is detached (pass --force to detach anyway)`,
    )
  plan.steps.push(
    `forget persist store ${name} (${store.path}); its ${ids.length} sector index entr${ids.length === 1 ? 'y stays' : 'ies stay'}, so attaching it again restores them`,
  )
  if (opts.apply && plan.refusals.length === 0) {
    plan.applied = await stores.detach(name)
  }
  return plan
}
