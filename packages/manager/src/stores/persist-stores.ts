/**
 * The persist stores where finished sectors live, and where new ones go. The list is the union of
 * `[[Common.PersistStores]]` in `sector-manager.cfg` and the stores attached through the API or
 * CLI, which the database keeps (so a farm of many stores is managed with commands, not by
 * editing a file). Placement happens here too: a worker about to copy a sector asks for a store
 * (`Venus.StoreReserveSpace`), and the manager picks one at random, weighted by `weight`, among
 * the writable stores the sector's miner may use that have room for it once the space already
 * promised to other sectors is counted. The space stays reserved until the sector is finalized
 * or aborted (or an operator releases it).
 */
import { statfs } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  type Logger,
  type ManagerConfig,
  type ManagerStoreConfig,
  type SectorId,
  VenusError,
} from '@venus-cluster/core'
import { sectorKey } from '../sector.js'
import type { ManagerStore, PersistStoreRecord, StoreReservation } from '../store/types.js'

/** Free and total bytes of a directory. */
export type StoreSpaceFn = (path: string) => Promise<{ free: number; total: number }>

/** `statfs` of a directory: bytes available to unprivileged users, and the file system's size. */
export const statfsSpace: StoreSpaceFn = async (path) => {
  const s = await statfs(path)
  return { free: Number(s.bavail) * Number(s.bsize), total: Number(s.blocks) * Number(s.bsize) }
}

/** A persist store as the manager knows it, with where it was declared. */
export interface PersistStore {
  name: string
  path: string
  strict: boolean
  readOnly: boolean
  /** Relative chance of new sectors being placed here; 0 = none. */
  weight: number
  /** Miners whose sectors may be placed here; empty = any. */
  allowMiners: number[]
  /** Miners whose sectors are never placed here. */
  denyMiners: number[]
  /** `config` = `sector-manager.cfg` (change it there); `database` = attached through the API. */
  source: 'config' | 'database'
}

/** A persist store with its space and reservations (`util storage list`). */
export interface PersistStoreStatus extends PersistStore {
  /** Null when the directory cannot be read (`error` says why). */
  free: number | null
  total: number | null
  error: string | null
  reserved: number
  reservations: StoreReservation[]
}

/** What a store attached through the API needs; the rest has defaults. */
export interface PersistStoreSpec {
  path: string
  /** Default: the absolute path. */
  name?: string | undefined
  readOnly?: boolean | undefined
  strict?: boolean | undefined
  weight?: number | undefined
  allowMiners?: readonly number[] | undefined
  denyMiners?: readonly number[] | undefined
}

/** The parts of a service context the stores need. */
export interface PersistStoresContext {
  readonly store: ManagerStore
  readonly log: Logger
  config(): ManagerConfig
  now(): number
}

/** Options of {@link PersistStores}. */
export interface PersistStoresOptions {
  /** Free and total bytes of a store (default `statfs`); replaceable to simulate a full disk. */
  space?: StoreSpaceFn | undefined
  /** Random numbers in [0, 1) for the weighted choice (tests). */
  random?: (() => number) | undefined
}

const toStore = (s: ManagerStoreConfig, source: PersistStore['source']): PersistStore => ({
  name: s.name,
  path: s.path,
  strict: s.strict,
  readOnly: s.readOnly,
  weight: s.weight ?? 1,
  allowMiners: [...(s.allowMiners ?? [])],
  denyMiners: [...(s.denyMiners ?? [])],
  source,
})

/** Whether a store takes new sectors of `miner` at all (writable, weighted, allowed). */
export function storeAccepts(s: PersistStore, miner: number): boolean {
  if (s.readOnly || s.weight <= 0) return false
  if (s.denyMiners.includes(miner)) return false
  return s.allowMiners.length === 0 || s.allowMiners.includes(miner)
}

/** One of `pool` at random, each as likely as its store's weight (`r` in [0, 1)). */
function weightedPick<T extends { s: { weight: number } }>(pool: readonly T[], r: number): T {
  let left = r * pool.reduce((a, c) => a + c.s.weight, 0)
  for (const c of pool) {
    left -= c.s.weight
    if (left < 0) return c
  }
  return pool[pool.length - 1] as T
}

/**
 * The persist stores of a manager.
 *
 * @example
 * ```ts
 * const stores = new PersistStores(ctx)
 * await stores.refresh()
 * const placed = await stores.reserve({ miner: 1000, number: 7 }, 2048, ['ps1', 'ps2'])
 * placed?.name // 'ps2'
 * ```
 */
export class PersistStores {
  readonly #ctx: PersistStoresContext
  readonly #space: StoreSpaceFn
  readonly #random: () => number
  /** The database's stores as last read (kept so path look-ups stay synchronous). */
  #attached: PersistStoreRecord[] = []

  constructor(ctx: PersistStoresContext, opts: PersistStoresOptions = {}) {
    this.#ctx = ctx
    this.#space = opts.space ?? statfsSpace
    this.#random = opts.random ?? Math.random
  }

  /** Re-reads the stores attached through the API (another manager on the database may have changed them). */
  async refresh(): Promise<void> {
    this.#attached = await this.#ctx.store.listPersistStores()
  }

  start(): Promise<void> {
    return this.refresh()
  }

  /** Reads the attached stores again (each timer tick of the manager). */
  async tick(): Promise<void> {
    await this.refresh().catch((err) => this.#ctx.log.warn({ err }, 'reading the persist stores failed'))
  }

  /** Every store: the config's first, then those attached through the API. */
  all(): PersistStore[] {
    const fromConfig = this.#ctx.config().persistStores.map((s) => toStore(s, 'config'))
    const names = new Set(fromConfig.map((s) => s.name))
    const fromDb = this.#attached.filter((s) => !names.has(s.name)).map((s) => toStore(s, 'database'))
    return [...fromConfig, ...fromDb]
  }

  /** A store by instance name. */
  get(name: string): PersistStore | undefined {
    return this.all().find((s) => s.name === name)
  }

  /** Every store with its free space and reservations. */
  async status(): Promise<PersistStoreStatus[]> {
    const reservations = await this.#ctx.store.listReservations()
    return Promise.all(
      this.all().map(async (s) => {
        const mine = reservations.filter((r) => r.store === s.name)
        const base = { ...s, reserved: mine.reduce((a, r) => a + r.size, 0), reservations: mine }
        try {
          const { free, total } = await this.#space(s.path)
          return { ...base, free, total, error: null }
        } catch (err) {
          return { ...base, free: null, total: null, error: (err as Error).message }
        }
      }),
    )
  }

  /**
   * Attaches a store through the API: the directory must exist, its name must be new (stores of
   * the config are changed in the config), and the record goes into the database. Attaching a
   * store the database has already replaces its settings.
   */
  async attach(spec: PersistStoreSpec): Promise<PersistStore> {
    const path = resolve(spec.path)
    const name = spec.name || path
    if (this.#ctx.config().persistStores.some((s) => s.name === name))
      throw new VenusError(
        'ALREADY_EXISTS',
        `persist store ${JSON.stringify(name)} is declared in sector-manager.cfg; change it there`,
        { details: { name } },
      )
    const clash = this.all().find((s) => s.name !== name && resolve(s.path) === path)
    if (clash !== undefined)
      throw new VenusError(
        'ALREADY_EXISTS',
        `${path} is attached already, as ${JSON.stringify(clash.name)}`,
        {
          details: { name: clash.name, path },
        },
      )
    try {
      await this.#space(path)
    } catch (err) {
      throw new VenusError(
        'STORE_IO',
        `persist store path ${path} cannot be read: ${(err as Error).message}`,
        {
          details: { path },
          cause: err,
        },
      )
    }
    const weight = spec.weight ?? 1
    const allow = [...(spec.allowMiners ?? [])]
    const deny = [...(spec.denyMiners ?? [])]
    if (!Number.isFinite(weight) || weight < 0)
      throw new VenusError('INVALID_ARGUMENT', `weight must be a number >= 0, got ${weight}`)
    const both = allow.find((m) => deny.includes(m))
    if (both !== undefined)
      throw new VenusError('INVALID_ARGUMENT', `miner ${both} is both allowed and denied`, {
        details: { miner: both },
      })
    const record: PersistStoreRecord = {
      name,
      path,
      readOnly: spec.readOnly ?? false,
      strict: spec.strict ?? false,
      weight,
      allowMiners: allow,
      denyMiners: deny,
      attachedAt: this.#ctx.now(),
    }
    await this.#ctx.store.putPersistStore(record)
    await this.refresh()
    this.#ctx.log.info({ name, path, weight }, 'persist store attached')
    return toStore(record, 'database')
  }

  /** Forgets a store attached through the API; its sector index entries stay. */
  async detach(name: string): Promise<boolean> {
    const gone = await this.#ctx.store.deletePersistStore(name)
    await this.refresh()
    if (gone) this.#ctx.log.info({ name }, 'persist store detached')
    return gone
  }

  /**
   * Picks a store for a sector about to be persisted and reserves `size` bytes there. Only
   * stores named in `candidates` (the worker's writable attached stores; empty = any) that accept
   * the miner and have `size` bytes free beyond what is reserved are chosen, at random weighted
   * by `weight`. A sector that holds a reservation gets the same store again. Resolves undefined
   * when no store fits.
   */
  async reserve(
    id: SectorId,
    size: number,
    candidates: readonly string[],
  ): Promise<PersistStore | undefined> {
    const held = (await this.#ctx.store.listReservations()).find(
      (r) => r.miner === id.miner && r.number === id.number,
    )
    if (held !== undefined) {
      const s = this.get(held.store)
      if (s !== undefined) return s
      // Its store was detached meanwhile: choose again.
      await this.#ctx.store.releaseReservation(id)
    }
    const wanted = new Set(candidates)
    let pool: { s: PersistStore; free: number }[] = []
    for (const s of this.all()) {
      if (wanted.size > 0 && !wanted.has(s.name)) continue
      if (!storeAccepts(s, id.miner)) continue
      try {
        pool.push({ s, free: (await this.#space(s.path)).free })
      } catch (err) {
        this.#ctx.log.warn({ err, store: s.name }, 'persist store cannot be read; not placing sectors there')
      }
    }
    while (pool.length > 0) {
      const pick = weightedPick(pool, this.#random())
      const got = await this.#ctx.store.reserveSpace(
        { miner: id.miner, number: id.number, store: pick.s.name, size, at: this.#ctx.now() },
        pick.free,
      )
      if (got !== undefined) {
        this.#ctx.log.info({ sector: sectorKey(id), store: got.store, size }, 'persist store reserved')
        return this.get(got.store) ?? pick.s
      }
      pool = pool.filter((c) => c !== pick)
    }
    return undefined
  }

  /** Releases a sector's reservation; resolves what was released. */
  release(id: SectorId): Promise<StoreReservation | undefined> {
    return this.#ctx.store.releaseReservation(id)
  }
}
