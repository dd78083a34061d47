/**
 * The importer: checks what a source offers against this manager's store, the chain and the
 * files (`plan`, a dry run that writes nothing), then writes the records, the sector-index
 * entries and the raised number counter (`apply`).
 */
import {
  type BitFieldJson,
  runsToNumbers,
  type SectorId,
  TypedEmitter,
  VenusError,
} from '@venus-cluster/core'
import { checkCacheFiles, checkSealedFile } from '../checks/sector-files.js'
import type { ServiceContext } from '../context.js'
import { type ManagedSector, sectorKey } from '../sector.js'
import type { ImportCandidate, ImportItem, ImportReport, ImportStore } from './types.js'

/** Events of {@link SectorImporter}. */
export type ImportEvents = {
  /** A record was written by `apply`. */
  'sector:imported': { sector: SectorId; action: 'import' | 'take-over' }
}

/** Options of {@link SectorImporter}. */
export interface SectorImporterOptions {
  /**
   * The numbers a miner has allocated on chain (`StateMinerAllocated`, go-bitfield runs). The
   * counter is raised above the highest so that no number is handed out again; without it only
   * the imported numbers raise it, and allocation checks each number on chain.
   */
  allocatedNumbers?: ((miner: number) => Promise<BitFieldJson>) | undefined
  /**
   * Import proven sectors whose files are missing or not located, without sector-index entries
   * (attach their stores later). Default false: such sectors are reported as conflicts.
   */
  allowMissingFiles?: boolean | undefined
  /** Sectors checked at once against the chain and the disks (default 16). */
  concurrency?: number | undefined
}

/** Options of a {@link SectorImporter.plan} or {@link SectorImporter.apply} call. */
export interface ImportCallOptions {
  signal?: AbortSignal | undefined
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    for (;;) {
      signal?.throwIfAborted()
      const i = next++
      if (i >= items.length) return
      out[i] = await fn(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return out
}

const skip = (c: ImportCandidate, conflict: ImportItem['conflict'], reason: string): ImportItem => ({
  id: c.record.id,
  sourceState: c.sourceState,
  action: 'skip',
  conflict,
  reason,
})

/**
 * Moves sectors in from another system. Build candidates with a source (`lotusMinerCandidates`,
 * `damoclesCandidates`), `plan` them (nothing is written: the report lists what would be imported
 * and every conflict), then `apply` the report.
 *
 * @example
 * ```ts
 * const importer = new SectorImporter(ctx, { allocatedNumbers: (m) => chain.stateMinerAllocated(`t0${m}`) })
 * const report = await importer.plan(await lotusMinerCandidates(lotusMiner))
 * if (report.counts.skip === 0) await importer.apply(report)
 * ```
 */
export class SectorImporter extends TypedEmitter<ImportEvents> {
  readonly #ctx: ServiceContext
  readonly #opts: SectorImporterOptions

  constructor(ctx: ServiceContext, opts: SectorImporterOptions = {}) {
    super({ onListenerError: (err, event) => ctx.log.warn({ err, event }, 'event listener failed') })
    this.#ctx = ctx
    this.#opts = opts
  }

  /** Checks every candidate; writes nothing. */
  async plan(candidates: readonly ImportCandidate[], opts: ImportCallOptions = {}): Promise<ImportReport> {
    const ctx = this.#ctx
    const seen = new Set<string>()
    for (const c of candidates) {
      const key = sectorKey(c.record.id)
      if (seen.has(key))
        throw new VenusError('INVALID_ARGUMENT', `${key} is offered twice by the source`, {
          details: { miner: c.record.id.miner, number: c.record.id.number },
        })
      seen.add(key)
    }
    const miners = [...new Set(candidates.map((c) => c.record.id.miner))].sort((a, b) => a - b)
    const allocated = new Map<number, Set<number>>()
    const lastNumbers: Record<number, number> = {}
    for (const m of miners) {
      const nums = this.#opts.allocatedNumbers ? runsToNumbers(await this.#opts.allocatedNumbers(m)) : []
      allocated.set(m, new Set(nums))
      // Every number the source knows is kept from reuse, imported or not: a sector the source
      // is still sealing would otherwise be given a number it will use.
      const offered = candidates.filter((c) => c.record.id.miner === m).map((c) => c.record.id.number)
      lastNumbers[m] = Math.max(nums.at(-1) ?? 0, ...offered)
    }
    const head = (await ctx.chain.head()).height
    const params = await ctx.networkParams()
    const sorted = [...candidates].sort(
      (a, b) => a.record.id.miner - b.record.id.miner || a.record.id.number - b.record.id.number,
    )
    const items = await mapLimit(sorted, this.#opts.concurrency ?? 16, opts.signal, (c) =>
      this.#check(c, head, params.maxProveCommitDuration, params.preCommitChallengeDelay, allocated),
    )
    const stores = new Map<string, ImportStore>()
    for (const [i, item] of items.entries()) {
      if (item.action === 'skip' || item.location === undefined) continue
      const f = sorted[i]?.files
      if (f) for (const s of [f.sealed, f.cache]) stores.set(s.name, s)
    }
    return summarize(items, [...stores.values()], lastNumbers, false)
  }

  async #check(
    c: ImportCandidate,
    head: number,
    maxProveCommitDuration: number,
    challengeDelay: number,
    allocated: Map<number, Set<number>>,
  ): Promise<ImportItem> {
    const ctx = this.#ctx
    const rec = c.record
    const id = rec.id
    if (c.refusal !== undefined) return skip(c, 'refused', c.refusal)
    const known = await ctx.store.getSector(id)
    if (known !== undefined)
      return skip(
        c,
        'already-known',
        `this manager has a${known.online ? 'n online' : 'n offline'} record of it`,
      )
    if (rec.abortReason !== '' || rec.removed === true) {
      return {
        id,
        sourceState: c.sourceState,
        action: 'import',
        reason: 'kept offline as it was (aborted or removed), so its number is never handed out again',
        record: { ...rec, imported: true },
      }
    }
    const commR = rec.preCommit?.commR
    const onChain = await ctx.chain.sectorInfo(id.miner, id.number)
    if (rec.finalized || onChain !== null) {
      if (onChain === null) {
        const pci = await ctx.chain.preCommitInfo(id.miner, id.number)
        return skip(
          c,
          'chain',
          pci === null
            ? 'no live sector of this number on chain (never proven, expired or terminated)'
            : 'precommitted on chain but not proven',
        )
      }
      if (commR === undefined) return skip(c, 'chain', 'the record has no CommR to check against the chain')
      if (onChain.sealedCid !== commR)
        return skip(c, 'chain', `CommR differs: the record has ${commR}, the chain ${onChain.sealedCid}`)
      if (onChain.sealProof !== rec.proofType)
        return skip(
          c,
          'chain',
          `seal proof differs: the record has ${rec.proofType}, the chain ${onChain.sealProof}`,
        )
      if (onChain.expiration <= head)
        return skip(c, 'chain', `expired on chain at epoch ${onChain.expiration} (head ${head})`)
      const record: ManagedSector = {
        ...rec,
        finalized: true,
        messages: { ...rec.messages, needSend: false },
        imported: true,
      }
      const files = await this.#files(c, rec.proofType, true)
      if (typeof files === 'string') return skip(c, 'files-missing', files)
      const notes = [
        rec.finalized ? '' : `already proven on chain although the source says ${c.sourceState}`,
        files.note,
      ].filter((x) => x !== '')
      return {
        id,
        sourceState: c.sourceState,
        action: 'import',
        reason: notes.join('; ') || `proven on chain, expires at epoch ${onChain.expiration}`,
        record,
        location: files.location,
      }
    }
    // In flight.
    if (rec.preCommit === null) {
      if (allocated.get(id.miner)?.has(id.number) === true)
        return skip(c, 'number-allocated', 'the number is allocated on chain but the record has no precommit')
      return {
        id,
        sourceState: c.sourceState,
        action: 'take-over',
        reason:
          'not precommitted yet: the sealing thread that holds it resumes it once its sealing store is imported',
        record: { ...rec, imported: true },
      }
    }
    if (c.keepMessages === true && rec.messages.needSend)
      return skip(
        c,
        'refused',
        'its precommit is queued at the source and not sent yet; let the source send it first',
      )
    const pci = await ctx.chain.preCommitInfo(id.miner, id.number)
    if (pci === null) {
      if (c.keepMessages === true && rec.messages.preCommit !== null)
        return {
          id,
          sourceState: c.sourceState,
          action: 'take-over',
          reason: `precommit message ${rec.messages.preCommit} not on chain yet: its worker goes on polling it`,
          record: { ...rec, imported: true },
        }
      return skip(c, 'chain', 'its precommit is not on chain')
    }
    if (pci.sealedCid !== commR)
      return skip(
        c,
        'chain',
        `CommR differs: the record has ${commR}, the precommit on chain ${pci.sealedCid}`,
      )
    const deadline = pci.preCommitEpoch + maxProveCommitDuration
    if (head > deadline) return skip(c, 'chain', `its precommit expired at epoch ${deadline} (head ${head})`)
    const files = await this.#files(c, rec.proofType, false)
    if (typeof files === 'string') return skip(c, 'files-missing', files)
    const record: ManagedSector =
      c.keepMessages === true
        ? { ...rec, finalized: false, imported: true }
        : {
            ...rec,
            finalized: false,
            seed: null,
            proof: null,
            messages: { preCommit: null, proveCommit: null, needSend: false },
            imported: true,
          }
    return {
      id,
      sourceState: c.sourceState,
      action: 'take-over',
      reason: [
        `precommitted at epoch ${pci.preCommitEpoch}: resumes from WaitSeed (seed epoch ${pci.preCommitEpoch + challengeDelay}); prove-commit by epoch ${deadline}`,
        files.note,
      ]
        .filter((x) => x !== '')
        .join('; '),
      record,
      location: files.location,
    }
  }

  /** The index entry of a candidate's files, or why it cannot be imported. */
  async #files(
    c: ImportCandidate,
    proofType: number,
    proven: boolean,
  ): Promise<{ location: ImportItem['location']; note: string } | string> {
    const allow = this.#opts.allowMissingFiles === true
    const size = await this.#ctx.sectorSize(c.record.id.miner, proofType)
    const f = c.files
    if (f === undefined) {
      if (c.filesRequired !== true)
        return { location: undefined, note: 'files not located: attach their stores' }
      const why = c.filesProblem ?? 'the source does not say where the files are'
      return allow ? { location: undefined, note: `${why}; imported without index entry` } : why
    }
    const problems = [
      await checkSealedFile(f.sealed.path, c.record.id, size),
      proven ? await checkCacheFiles(f.cache.path, c.record.id, size) : null,
    ].filter((x): x is string => x !== null)
    if (problems.length > 0) {
      const why = `${problems.join(', ')} (sealed in ${f.sealed.path}, cache in ${f.cache.path})`
      return allow ? { location: undefined, note: `${why}; imported without index entry` } : why
    }
    return { location: { sealed: f.sealed.name, cache: f.cache.name }, note: '' }
  }

  /**
   * Writes what `report` would import: the records (offline for proven sectors, online for
   * those taken over), their index entries, and each miner's number counter raised to
   * `report.lastNumbers`. A sector that got a record meanwhile is skipped as `already-known`.
   */
  async apply(report: ImportReport, opts: ImportCallOptions = {}): Promise<ImportReport> {
    const ctx = this.#ctx
    const items: ImportItem[] = []
    for (const item of report.items) {
      opts.signal?.throwIfAborted()
      if (item.action === 'skip' || item.record === undefined) {
        items.push(item)
        continue
      }
      const record = item.record
      const action = item.action
      try {
        await ctx.locks.run(sectorKey(item.id), async () => {
          await ctx.store.createSector(record, { offline: action === 'import' })
          if (item.location !== undefined) await ctx.store.setLocation(item.id, 'normal', item.location)
        })
      } catch (err) {
        if (err instanceof VenusError && err.code === 'ALREADY_EXISTS') {
          items.push({ ...item, action: 'skip', conflict: 'already-known', reason: 'got a record meanwhile' })
          continue
        }
        throw err
      }
      items.push(item)
      this.emit('sector:imported', { sector: item.id, action })
    }
    const lastNumbers: Record<number, number> = {}
    for (const [m, n] of Object.entries(report.lastNumbers))
      lastNumbers[Number(m)] = await ctx.store.raiseLastNumber(Number(m), n)
    return summarize(items, report.stores, lastNumbers, true)
  }
}

function summarize(
  items: ImportItem[],
  stores: ImportStore[],
  lastNumbers: Record<number, number>,
  applied: boolean,
): ImportReport {
  return {
    items,
    stores,
    lastNumbers,
    counts: {
      import: items.filter((i) => i.action === 'import').length,
      takeOver: items.filter((i) => i.action === 'take-over').length,
      skip: items.filter((i) => i.action === 'skip').length,
    },
    applied,
  }
}
