/**
 * What happens to a sector's record outside the sealing steps: the worker's state reports, the
 * end of sealing (finalized or aborted), an operator restoring a record, and removing the files of
 * a sector that is no longer on chain.
 */
import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { type SectorId, TypedEmitter, VenusError } from '@venus-cluster/core'
import type { ServiceContext } from '../context.js'
import type { DealAssigner } from '../deals/assigner.js'
import { type SectorReport, sectorKey } from '../sector.js'
import type { WorkerRegistry } from '../worker-registry/index.js'

/** Events of {@link SectorReports}. */
export type SectorReportEvents = {
  /** A worker reported a state change of a sector. */
  'sector:state': { sector: SectorId; report: SectorReport }
  /** A sector was sealed to the end; its record went offline. */
  'sector:finalized': { sector: SectorId }
  /** A sector was aborted; its record went offline with the reason. */
  'sector:aborted': { sector: SectorId; reason: string }
  /** An offline record came back online. */
  'sector:restored': { sector: SectorId }
  /** A sector's files were deleted. */
  'sector:removed': { sector: SectorId; paths: string[] }
}

/**
 * Records of sectors as workers and operators change them.
 *
 * @example
 * ```ts
 * const reports = new SectorReports(ctx, { workers, deals })
 * await reports.finalized({ miner: 1000, number: 1 })
 * ```
 */
export class SectorReports extends TypedEmitter<SectorReportEvents> {
  readonly #ctx: ServiceContext
  readonly #workers: Pick<WorkerRegistry, 'noteReport'> | undefined
  readonly #deals: Pick<DealAssigner, 'release'> | undefined

  /**
   * `workers` learns the names of reporting workers; `deals` takes back the deals of aborted sectors.
   */
  constructor(
    ctx: ServiceContext,
    opts: { workers?: Pick<WorkerRegistry, 'noteReport'>; deals?: Pick<DealAssigner, 'release'> } = {},
  ) {
    super({ onListenerError: (err, event) => ctx.log.warn({ err, event }, 'event listener failed') })
    this.#ctx = ctx
    this.#workers = opts.workers
    this.#deals = opts.deals
  }

  /** Stores the worker's last state report. */
  async state(id: SectorId, report: SectorReport): Promise<void> {
    await this.#ctx.store.updateSector(id, (s) => ({ ...s, latestReport: report }))
    this.#workers?.noteReport(report.worker.instance)
    this.emit('sector:state', { sector: id, report })
  }

  /** Moves the record offline as finalized; repeated calls are no-ops. */
  async finalized(id: SectorId): Promise<void> {
    const ctx = this.#ctx
    const done = await ctx.locks.run(sectorKey(id), async () => {
      const got = await ctx.store.getSector(id)
      if (got && !got.online && got.state.finalized) return false
      await ctx.store.finalizeSector(id, (s) => ({ ...s, finalized: true }))
      return true
    })
    if (done) this.emit('sector:finalized', { sector: id })
  }

  /** Moves the record offline with a reason (its deals go back to the market first). */
  async aborted(id: SectorId, reason: string): Promise<void> {
    const ctx = this.#ctx
    const why = reason === '' ? 'aborted' : reason
    await ctx.locks.run(sectorKey(id), async () => {
      // Deals go back to the market first: if that fails the worker's retry of ReportAborted
      // tries again, instead of the deals staying assigned to a dead sector.
      const got = await ctx.store.getSector(id)
      if (got?.online) await this.#deals?.release(id, got.state.pieces)
      await ctx.store.finalizeSector(id, (s) => ({ ...s, abortReason: why }))
    })
    this.emit('sector:aborted', { sector: id, reason: why })
  }

  /** Moves an offline record back online (non-forced: only aborted records without deals). */
  async restore(id: SectorId, forced: boolean): Promise<void> {
    const ctx = this.#ctx
    await ctx.locks.run(sectorKey(id), async () => {
      const got = await ctx.store.getSector(id)
      if (got === undefined || got.online) {
        throw new VenusError('SECTOR_NOT_FOUND', `no offline record of ${sectorKey(id)}`)
      }
      if (!forced) {
        const hasDeals = (got.state.pieces ?? []).some((d) => d.dealId !== 0)
        if (hasDeals || got.state.abortReason === '') {
          throw new VenusError(
            'SECTOR_STATE_INVALID',
            `${sectorKey(id)} can only be restored with force (it has deals or was not aborted)`,
          )
        }
      }
      await ctx.store.restoreSector(id, (s) => ({ ...s, finalized: false }))
    })
    this.emit('sector:restored', { sector: id })
  }

  /**
   * Deletes the files of an offline sector that is no longer on chain (expired, terminated, or
   * never committed) from the persist stores of the sector index, forgets its index entries and
   * marks the record `removed`. Refuses while the sector is being sealed, is still live or
   * pre-committed on chain, or sits in a read-only or unattached store. Resolves the deleted
   * paths; a second call deletes nothing.
   */
  async remove(id: SectorId): Promise<string[]> {
    const ctx = this.#ctx
    const removed = await ctx.locks.run(sectorKey(id), async () => {
      const got = await ctx.store.getSector(id)
      if (got === undefined) throw new VenusError('SECTOR_NOT_FOUND', `no record of ${sectorKey(id)}`)
      if (got.online)
        throw new VenusError(
          'SECTOR_STATE_INVALID',
          `${sectorKey(id)} is still being sealed; abort it before removing its files`,
        )
      const [live, pre] = await Promise.all([
        ctx.chain.sectorInfo(id.miner, id.number),
        ctx.chain.preCommitInfo(id.miner, id.number),
      ])
      if (live !== null)
        throw new VenusError(
          'SECTOR_STATE_INVALID',
          `${sectorKey(id)} is live on chain until epoch ${live.expiration}; terminate it or let it expire first`,
          { details: { expiration: live.expiration } },
        )
      if (pre !== null)
        throw new VenusError(
          'SECTOR_STATE_INVALID',
          `${sectorKey(id)} is pre-committed on chain; it cannot be removed yet`,
        )
      const name = `s-t0${id.miner}-${id.number}`
      const targets: { kind: 'normal' | 'upgrade'; paths: string[] }[] = []
      for (const [kind, sealedDir, cacheDir] of [
        ['normal', 'sealed', 'cache'],
        ['upgrade', 'update', 'update-cache'],
      ] as const) {
        const loc = await ctx.store.findLocation(id, kind)
        if (loc === undefined) continue
        const paths = [
          [loc.sealed, sealedDir],
          [loc.cache, cacheDir],
        ].map(([store, dir]) => {
          const ps = ctx.persistStore(store as string)
          if (ps === undefined)
            throw new VenusError(
              'PERSIST_STORE_UNKNOWN',
              `persist store ${store} of ${sectorKey(id)} is not attached`,
            )
          if (ps.readOnly)
            throw new VenusError(
              'PERSIST_STORE_READ_ONLY',
              `persist store ${store} holding ${sectorKey(id)} is read-only`,
            )
          return join(ps.path, dir as string, name)
        })
        targets.push({ kind, paths })
      }
      const out: string[] = []
      for (const t of targets) {
        for (const p of t.paths) {
          const there = await stat(p).then(
            () => true,
            () => false,
          )
          await rm(p, { recursive: true, force: true })
          if (there) out.push(p)
        }
        await ctx.store.removeLocation(id, t.kind)
      }
      await ctx.store.updateOfflineSector(id, (s) => (s.removed ? undefined : { ...s, removed: true }))
      ctx.log.info({ sector: sectorKey(id), removed: out }, 'sector files removed')
      return out
    })
    this.emit('sector:removed', { sector: id, paths: removed })
    return removed
  }
}
