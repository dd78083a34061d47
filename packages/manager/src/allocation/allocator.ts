/**
 * Sector number allocation: which miner gets the next sector, the number the store hands out
 * (checked against the chain), and the sweep that finishes allocations no worker ever claimed.
 */
import {
  type ManagerMinerConfig,
  SECTOR_SIZES,
  type SectorId,
  sealProofForSectorSize,
  TypedEmitter,
  VenusError,
} from '@venus-cluster/core'
import type { ServiceContext } from '../context.js'
import { type ManagedSector, type SectorAllocation, sectorKey } from '../sector.js'
import { onlinePages } from '../store/pages.js'

/** `abortReason` of an allocation no worker ever claimed. */
export const UNCLAIMED_ABORT_REASON = 'allocation never claimed by a worker'

/** Events of {@link SectorAllocator}. */
export type AllocationEvents = {
  /** A number was handed out. */
  'sector:allocated': { sector: SectorId; proofType: number }
  /** A record was finished as aborted: its number is taken on chain, or no worker claimed it. */
  'sector:aborted': { sector: SectorId; reason: string }
}

/** What a caller allows for the next sector; null or empty = any. */
export interface AllocationSpec {
  allowedMiners: readonly number[] | null
  allowedProofTypes: readonly number[] | null
}

/** Options of {@link SectorAllocator}. */
export interface SectorAllocatorOptions {
  /**
   * An allocated record that no worker claimed (no ticket, no deals, no report) for this long is
   * finished as aborted (ms; default 30 min; 0 = never). Such a record is left when the manager
   * dies after committing an allocation and before the worker got the answer: the worker asks
   * again and gets the next number, and the first one would stay online forever.
   */
  unclaimedTimeoutMs?: number | undefined
}

/** Whether a worker has done anything with a record since it was allocated. */
const claimed = (x: ManagedSector) =>
  x.ticket != null ||
  (x.pieces?.length ?? 0) > 0 ||
  x.latestReport != null ||
  x.preCommit != null ||
  x.upgrade !== undefined

/**
 * Hands out sector numbers.
 *
 * @example
 * ```ts
 * const allocator = new SectorAllocator(createServiceContext({ store, chain, messager, config }))
 * const s = await allocator.allocate({ allowedMiners: null, allowedProofTypes: null })
 * ```
 */
export class SectorAllocator extends TypedEmitter<AllocationEvents> {
  readonly #ctx: ServiceContext
  readonly #unclaimedTimeoutMs: number
  /** When each unclaimed online record was first seen (this process's clock, so a restart waits again). */
  readonly #unclaimedSince = new Map<string, number>()
  #lastSweep = Number.NEGATIVE_INFINITY

  constructor(ctx: ServiceContext, opts: SectorAllocatorOptions = {}) {
    super({ onListenerError: (err, event) => ctx.log.warn({ err, event }, 'event listener failed') })
    this.#ctx = ctx
    this.#unclaimedTimeoutMs = opts.unclaimedTimeoutMs ?? 30 * 60_000
  }

  /**
   * Picks an enabled miner allowed by the spec, takes its next number and creates the record.
   * A number the chain reports as allocated is burnt (record moved offline with a reason) and
   * the next one is tried. Resolves `null` when no miner can take a sector.
   */
  async allocate(spec: AllocationSpec): Promise<SectorAllocation | null> {
    const ctx = this.#ctx
    const candidates: { m: ManagerMinerConfig; proofType: number }[] = []
    for (const m of ctx.config().miners) {
      if (!m.sector.enabled) continue
      if (spec.allowedMiners && spec.allowedMiners.length > 0 && !spec.allowedMiners.includes(m.actor))
        continue
      let size: number
      try {
        size = await ctx.sectorSize(m.actor)
      } catch (err) {
        ctx.log.warn({ err, miner: m.actor }, 'miner info unavailable, skipped for allocation')
        continue
      }
      const proofType = SECTOR_SIZES.includes(size) ? sealProofForSectorSize(size) : undefined
      if (proofType === undefined) continue
      if (
        spec.allowedProofTypes &&
        spec.allowedProofTypes.length > 0 &&
        !spec.allowedProofTypes.includes(proofType)
      )
        continue
      candidates.push({ m, proofType })
    }
    while (candidates.length > 0) {
      const idx = Math.floor(Math.random() * candidates.length)
      const c = candidates[idx] as (typeof candidates)[number]
      for (let attempt = 0; attempt < 16; attempt++) {
        const state = await ctx.store.allocateSector(
          c.m.actor,
          { initNumber: c.m.sector.initNumber, maxNumber: c.m.sector.maxNumber, allocatedAt: ctx.now() },
          c.proofType,
        )
        if (state === null) break
        let allocated: boolean
        try {
          allocated = await ctx.chain.isSectorAllocated(state.id.miner, state.id.number)
        } catch (cause) {
          await this.#burn(state.id, 'allocation check against the chain failed')
          throw new VenusError('CHAIN_ERROR', `checking ${sectorKey(state.id)} on chain failed`, { cause })
        }
        if (!allocated) {
          this.emit('sector:allocated', { sector: state.id, proofType: c.proofType })
          return { id: state.id, proofType: c.proofType }
        }
        ctx.log.warn({ sector: sectorKey(state.id) }, 'sector number already allocated on chain, burnt')
        await this.#burn(state.id, 'sector number already allocated on chain')
      }
      candidates.splice(idx, 1)
    }
    return null
  }

  async #burn(id: SectorId, reason: string): Promise<void> {
    const done = await this.#ctx.store
      .finalizeSector(id, (s) => ({ ...s, abortReason: reason }))
      .then(
        () => true,
        () => false,
      )
    if (done) this.emit('sector:aborted', { sector: id, reason })
  }

  /** Finishes allocations no worker claimed within `unclaimedTimeoutMs` (see the option). */
  async sweepUnclaimed(): Promise<void> {
    const ctx = this.#ctx
    const timeout = this.#unclaimedTimeoutMs
    if (!(timeout > 0)) return
    const now = ctx.now()
    if (now - this.#lastSweep < Math.min(timeout / 4, 60_000)) return
    this.#lastSweep = now
    const still = new Set<string>()
    // Records with no report are `Allocated`: only those pages are read, a page at a time.
    for await (const st of onlinePages(ctx.store, 'Allocated')) {
      if (claimed(st)) continue
      const key = sectorKey(st.id)
      still.add(key)
      // Records carry their allocation time, so a restart does not restart the clock; older
      // records without it are timed from when this manager first saw them.
      const since = st.allocatedAt ?? this.#unclaimedSince.get(key)
      if (since === undefined) this.#unclaimedSince.set(key, now)
      if (since === undefined || now - since < timeout) continue
      let claimedMeanwhile = false
      try {
        await ctx.locks.run(key, () =>
          ctx.store.finalizeSector(st.id, (x) => {
            // Checked again inside the transaction: a worker may have shown up since the scan.
            if (claimed(x)) {
              claimedMeanwhile = true
              throw new Error('claimed meanwhile')
            }
            return { ...x, abortReason: UNCLAIMED_ABORT_REASON }
          }),
        )
        ctx.log.warn({ sector: key, unclaimedMs: now - since }, 'unclaimed allocation finished as aborted')
        this.emit('sector:aborted', { sector: st.id, reason: UNCLAIMED_ABORT_REASON })
      } catch (err) {
        if (!claimedMeanwhile) throw err
      }
      this.#unclaimedSince.delete(key)
    }
    for (const key of this.#unclaimedSince.keys()) if (!still.has(key)) this.#unclaimedSince.delete(key)
  }
}
