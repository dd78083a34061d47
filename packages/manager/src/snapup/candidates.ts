/**
 * Candidate CC sectors for snap-up, per miner: active on chain, committed capacity (no deal
 * weight, never updated), with enough lifetime left for the deals, outside the immutable
 * deadlines (the one open and the next), with files this cluster knows (indexed `normal`
 * location) and not busy in the store (no online record). `fetch` reads the chain and keeps the
 * candidates in the store (`snap_candidates`) with a copy in memory for listing; allocation takes
 * one out of the store (one delete, so two managers on one database never take the same one)
 * and checks the chain again before using it. A restarted manager loads the pool the operator
 * fetched; a candidate taken is gone from it, and a sector being snapped up has an online record
 * that `fetch` and allocation skip, so nothing is handed out twice.
 */
import { VenusError } from '@venus-cluster/core'
import type { OnChainSector } from '../chain.js'
import type { ServiceContext } from '../context.js'
import type { SnapCandidate } from './types.js'

/** Why a sector is not a candidate now, or undefined when it is. */
export function candidateProblem(
  s: OnChainSector,
  where: { deadline: number; partition: number } | null,
  current: { index: number; deadlines: number } | null,
  head: number,
  minLifetimeEpochs: number,
): string | undefined {
  if ((s.dealWeight ?? 0n) !== 0n || (s.verifiedDealWeight ?? 0n) !== 0n) return 'holds deals'
  if (s.sectorKeyCid !== null && s.sectorKeyCid !== undefined) return 'already updated'
  if (s.expiration - head < minLifetimeEpochs)
    return `expires at ${s.expiration}, under ${minLifetimeEpochs} epochs from ${head}`
  if (where === null) return 'not in any deadline'
  if (current !== null) {
    const next = (current.index + 1) % current.deadlines
    if (where.deadline === current.index || where.deadline === next)
      return `deadline ${where.deadline} is immutable now (open ${current.index})`
  }
  return undefined
}

/** The candidate pool (see the module comment). */
export class SnapCandidates {
  readonly #ctx: ServiceContext
  readonly #minLifetime: (miner: number) => number
  readonly #pool = new Map<number, Map<number, SnapCandidate>>()

  constructor(ctx: ServiceContext, minLifetimeEpochs: (miner: number) => number) {
    this.#ctx = ctx
    this.#minLifetime = minLifetimeEpochs
  }

  /**
   * Reads the miner's active sectors from the chain and keeps the candidates (of one deadline
   * when `deadline` is given). Returns how many there are and how many are new.
   */
  async fetch(miner: number, deadline?: number): Promise<{ total: number; added: number }> {
    const ctx = this.#ctx
    const chain = ctx.chain
    if (chain.activeSectors === undefined || chain.sectorPartition === undefined) {
      throw new VenusError('UNSUPPORTED', 'the chain view cannot list active sectors or their partitions')
    }
    if (ctx.miner(miner) === undefined) {
      throw new VenusError('MINER_NOT_CONFIGURED', `miner ${miner} is not in the manager's config`, {
        details: { miner },
      })
    }
    const [head, current, active] = await Promise.all([
      chain.head(),
      chain.provingDeadline ? chain.provingDeadline(miner) : Promise.resolve(null),
      chain.activeSectors(miner),
    ])
    const found = new Map<number, SnapCandidate>()
    for (const s of active) {
      const id = { miner, number: s.sectorNumber }
      const rec = await ctx.store.getSector(id)
      if (rec?.online) continue
      if (rec?.state.pieces?.some((p) => p.dealId !== 0)) continue
      if ((await ctx.store.findLocation(id, 'normal')) === undefined) continue
      const where = await chain.sectorPartition(miner, s.sectorNumber)
      if (deadline !== undefined && where?.deadline !== deadline) continue
      if (candidateProblem(s, where, current, head.height, this.#minLifetime(miner)) !== undefined) continue
      found.set(s.sectorNumber, {
        miner,
        number: s.sectorNumber,
        public: {
          sealedCid: s.sealedCid,
          activation: s.activation,
          expiration: s.expiration,
          deadline: where!.deadline,
          partition: where!.partition,
        },
      })
    }
    // A full fetch replaces the miner's pool; a fetch of one deadline adds to it.
    await ctx.store.putSnapCandidates(
      [...found.values()],
      deadline === undefined ? { replaceMiner: miner } : {},
    )
    const pool = this.#pool.get(miner) ?? new Map<number, SnapCandidate>()
    let added = 0
    if (deadline === undefined) {
      for (const n of [...pool.keys()]) if (!found.has(n)) pool.delete(n)
    }
    for (const [n, c] of found) {
      if (!pool.has(n)) added++
      pool.set(n, c)
    }
    this.#pool.set(miner, pool)
    ctx.log.info({ miner, total: pool.size, added }, 'snap-up candidates fetched')
    return { total: pool.size, added }
  }

  /** Loads the pool kept in the store (at start: what was fetched before a restart). */
  async load(miner?: number): Promise<void> {
    const kept = await this.#ctx.store.listSnapCandidates(miner)
    if (miner !== undefined) this.#pool.set(miner, new Map())
    else this.#pool.clear()
    for (const c of kept) this.#remember(c)
  }

  /** The candidates kept for a miner, by sector number. */
  list(miner: number): SnapCandidate[] {
    return [...(this.#pool.get(miner)?.values() ?? [])].sort((a, b) => a.number - b.number)
  }

  /**
   * Takes the candidate with the lowest number out of the pool (undefined when none): out of
   * the store first, so a candidate another manager took already is skipped. An empty pool in
   * memory is loaded from the store first (another manager may have fetched).
   */
  async take(miner: number): Promise<SnapCandidate | undefined> {
    if ((this.#pool.get(miner)?.size ?? 0) === 0) await this.load(miner)
    for (const c of this.list(miner)) {
      this.#pool.get(miner)?.delete(c.number)
      if (await this.#ctx.store.removeSnapCandidate(miner, c.number)) return c
    }
    return undefined
  }

  /** Puts a candidate back (its allocation did not go through, or its snap-up was aborted). */
  async giveBack(c: SnapCandidate): Promise<void> {
    await this.#ctx.store.putSnapCandidates([c])
    this.#remember(c)
  }

  #remember(c: SnapCandidate): void {
    const pool = this.#pool.get(c.miner) ?? new Map<number, SnapCandidate>()
    pool.set(c.number, c)
    this.#pool.set(c.miner, pool)
  }
}
