/**
 * Repair tasks: rebuilding a sector whose sealed file or cache was lost, and unsealing one piece
 * of a sector for retrieval. An operator (or the piece store, or a policy) queues a task; a worker
 * thread of plan `rebuild` or `unseal` takes it, does the work and submits the result, which is
 * checked here before the sector index (or the piece index) points at it.
 *
 * A task is keyed by kind, sector and piece, so asking twice never queues twice; one that ended
 * (done or failed) may be asked for again. A worker killed mid-task resumes it from its own record;
 * the task stays `running` with that worker's name meanwhile.
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  cidToCommitment,
  type EpochRandomness,
  PIECE_COPY_DIR,
  type SectorId,
  TypedEmitter,
  VenusError,
} from '@venus-cluster/core'
import { checkSectorFiles } from '../checks/sector-files.js'
import type { ServiceContext } from '../context.js'
import {
  ACCEPTED,
  equalBytes,
  type ManagedSector,
  rejected,
  type SectorPiece,
  type SubmitResponse,
  sectorKey,
} from '../sector.js'
import { sectorPages } from '../store/pages.js'
import type { RepairKind, RepairTask, RepairTaskKey } from '../store/types.js'
import { problemAction, SectorProblems } from './problems.js'

/** A sector to rebuild, as a `rebuild` worker gets it. */
export interface RebuildAssignment {
  id: SectorId
  proofType: number
  /** The ticket the sector was sealed with. */
  ticket: EpochRandomness
  /** The sector's pieces in order; null for a committed-capacity sector. */
  pieces: SectorPiece[] | null
  /** CommR on chain: the rebuilt replica must have it. */
  commR: Uint8Array
  /** CommD of the precommit. */
  commD: Uint8Array
  /**
   * Only the cache is rebuilt: the sealed file in `sealedInstance` survived and stays; the
   * worker writes the new cache files beside it and does not copy the replica again.
   */
  cacheOnly: boolean
  /** The persist store holding the surviving sealed file (cache-only), else null. */
  sealedInstance: string | null
}

/** A piece to unseal, as an `unseal` worker gets it. */
export interface UnsealAssignment {
  id: SectorId
  proofType: number
  pieceCid: string
  /** Offset of the piece in the sector's unpadded bytes (a multiple of 127). */
  offset: number
  /** Unpadded size of the piece. */
  size: number
  /** Bytes of payload in the piece; the unsealed copy is cut to it. */
  payloadSize: number
  ticket: EpochRandomness
  /** CommD of the sector's data: the precommit's, or the update's (`commDNew`) for a snapped sector. */
  commD: Uint8Array
  /**
   * The persist store holding the sealed file and the cache; for a snapped sector, the sector
   * key's when it is still kept, else '' (the worker regenerates the key from the ticket).
   */
  sealedInstance: string
  /** A snapped sector: the piece is decoded from the update replica and the sector key. */
  update: UnsealUpdateSource | null
}

/** Where a snapped sector's data is: its update replica, and the commitments that decode it. */
export interface UnsealUpdateSource {
  /** The persist store holding `update/<name>` (and `update-cache/<name>`). */
  replicaInstance: string
  /** CommR of the sector key (the CC replica). */
  commROld: Uint8Array
  /** CommD of the data the update holds. */
  commDNew: Uint8Array
}

/** Events of {@link RepairTasks}. */
export type RepairEvents = {
  'repair:queued': { task: RepairTask }
  'repair:started': { task: RepairTask }
  'repair:done': { task: RepairTask }
  'repair:failed': { task: RepairTask }
}

/** Options of {@link RepairTasks}. */
export interface RepairTasksOptions {
  /**
   * At most this many unseal tasks are queued or running for requests of the piece store
   * (`ensureUnsealed`); further requests are answered "busy". Default 4.
   */
  maxAutoUnseals?: number | undefined
  /**
   * The policy: queue a rebuild for every sector a check reports with the action `rebuild` or
   * `rebuild-cache` (see {@link RepairTasks.noteProblems}). Default off: an operator decides.
   */
  autoRebuild?: boolean | undefined
  /** Bad sectors kept for display (default 10 000). */
  maxProblems?: number | undefined
}

/** Why a sector cannot be repaired now, as an `SECTOR_STATE_INVALID` error. */
function notRepairable(id: SectorId, why: string): VenusError {
  return new VenusError('SECTOR_STATE_INVALID', `${sectorKey(id)}: ${why}`, {
    details: { miner: id.miner, number: id.number },
  })
}

/** The 32 bytes inside a commitment CID string. */
const commitmentBytes = (cid: string) => cidToCommitment(cid).commitment

/**
 * The update a snapped sector holds its data in: set once the snap-up is final (`done`, the
 * record finalized again), else null (a sector never snapped, or one whose update is not final).
 */
function finalUpdate(s: ManagedSector): { commROld: string; commDNew: string } | null {
  const u = s.upgrade
  if (u === undefined || u.state !== 'done' || u.proven === null) return null
  return { commROld: u.public.sealedCid, commDNew: u.proven.unsealedCid }
}

/** Unpadded bytes of a padded piece size. */
const unpadded = (padded: number) => padded - padded / 128

/**
 * The repair-task service over a {@link ServiceContext}.
 *
 * @example
 * ```ts
 * const repair = new RepairTasks(ctx)
 * await repair.requestRebuild({ miner: 1000, number: 7 })
 * const job = await repair.allocateRebuild({ allowedMiners: null, allowedProofTypes: null }, 'worker-1')
 * ```
 */
export class RepairTasks extends TypedEmitter<RepairEvents> {
  readonly #ctx: ServiceContext
  readonly #maxAuto: number
  readonly #autoRebuild: boolean
  readonly #maxProblems: number
  /** Sectors the poster's checks found bad, with the suggested action. */
  readonly problems: SectorProblems

  constructor(ctx: ServiceContext, opts: RepairTasksOptions = {}) {
    super({ onListenerError: (err, event) => ctx.log.warn({ err, event }, 'event listener failed') })
    this.#ctx = ctx
    this.#maxAuto = opts.maxAutoUnseals ?? 4
    this.#autoRebuild = opts.autoRebuild ?? false
    this.#maxProblems = Math.max(1, opts.maxProblems ?? 10_000)
    this.problems = new SectorProblems(this.#maxProblems)
    this.on('repair:done', ({ task }) => {
      if (task.kind !== 'rebuild') return
      this.problems.clear(task.id)
      ctx.store
        .removeSectorProblem(task.id)
        .catch((err) =>
          ctx.log.warn({ err, sector: sectorKey(task.id) }, 'forgetting a repaired problem failed'),
        )
    })
  }

  /**
   * Reads the problems kept in the store into {@link RepairTasks.problems} (what the manager's
   * start does), so a restarted manager shows them before the poster checks again.
   */
  async loadProblems(): Promise<void> {
    const kept = await this.#ctx.store.listSectorProblems(this.#maxProblems)
    for (const p of kept.reverse()) this.problems.note(p)
  }

  /**
   * Records sectors a check found bad (the poster's `sectors-skipped`), each with the suggested
   * action; with the `autoRebuild` policy, queues a rebuild for those whose action is `rebuild`
   * (the whole sector) or `rebuild-cache` (a refusal, e.g. a sector not finalized here, is kept
   * on the problem).
   */
  async noteProblems(
    miner: number,
    sectors: readonly { sectorNumber: number; reason: string; action: string }[],
  ): Promise<void> {
    const now = this.#ctx.now()
    for (const s of sectors) {
      const id = { miner, number: s.sectorNumber }
      const action = problemAction(s.action)
      let policy: string | undefined
      if (this.#autoRebuild && (action === 'rebuild' || action === 'rebuild-cache')) {
        try {
          const { task, created } = await this.requestRebuild(id, {
            cacheOnly: action === 'rebuild-cache' ? true : undefined,
          })
          policy = created ? 'rebuild queued' : `rebuild ${task.state}`
        } catch (err) {
          policy = `not queued: ${(err as Error).message}`
        }
      }
      const problem = { id, reason: s.reason, action, seenAt: now, policy }
      this.problems.note(problem)
      await this.#ctx.store.putSectorProblem(problem, this.#maxProblems)
    }
  }

  /** A task by key. */
  get(kind: RepairKind, id: SectorId, piece = ''): Promise<RepairTask | undefined> {
    return this.#ctx.store.getRepairTask({ kind, id, piece })
  }

  /** Every task (of one kind), oldest first. */
  list(kind?: RepairKind): Promise<RepairTask[]> {
    return this.#ctx.store.listRepairTasks(kind)
  }

  /** A page of the tasks changed last, newest first (the dashboard's list). */
  recent(page: { limit: number; offset?: number | undefined }): Promise<RepairTask[]> {
    return this.#ctx.store.listRecentRepairTasks(page)
  }

  /** The finalized, sealed record of a sector that repairs work from. */
  async #sealedRecord(id: SectorId): Promise<ManagedSector> {
    const got = await this.#ctx.store.getSector(id)
    if (got === undefined) throw new VenusError('SECTOR_NOT_FOUND', `sector ${sectorKey(id)} is not known`)
    const s = got.state
    if (got.online || !s.finalized) throw notRepairable(id, 'the sector is not sealed to the end (finalized)')
    if (s.removed) throw notRepairable(id, 'its files were removed on purpose (sectors remove)')
    if (s.termination !== undefined && s.termination.terminatedAt > 0)
      throw notRepairable(id, 'the sector is terminated')
    if (s.preCommit === null || s.ticket === null)
      throw notRepairable(id, 'the record has no precommit or ticket to seal from')
    return s
  }

  /** The root of a persist store of the config, or undefined. */
  #root(instance: string): string | undefined {
    return this.#ctx.config().persistStores.find((p) => p.name === instance)?.path
  }

  /**
   * Queues a rebuild. The sector must be finalized, on chain with the CommR of its record, and
   * its files in the index must be incomplete (unless `force`). When the sealed file survived
   * whole, only the cache is rebuilt (unless `cacheOnly: false`). A task queued or running already
   * is answered as it is; with `force`, a running one is queued again (its worker is gone).
   *
   * @throws VenusError `SECTOR_NOT_FOUND`, `SECTOR_STATE_INVALID` (not finalized, terminated,
   *   not on chain, CommR differs, files whole).
   */
  async requestRebuild(
    id: SectorId,
    opts: { cacheOnly?: boolean | undefined; force?: boolean | undefined } = {},
  ): Promise<{ task: RepairTask; created: boolean }> {
    const ctx = this.#ctx
    const s = await this.#sealedRecord(id)
    const onChain = await ctx.chain.sectorInfo(id.miner, id.number)
    if (onChain === null) throw notRepairable(id, 'the sector is not on chain: there is nothing to rebuild')
    const pre = s.preCommit as NonNullable<ManagedSector['preCommit']>
    if (onChain.sealedCid !== pre.commR)
      throw notRepairable(id, `CommR on chain ${onChain.sealedCid} is not the record's ${pre.commR}`)
    const size = await ctx.sectorSize(id.miner, s.proofType)
    const loc = await ctx.store.findLocation(id, 'normal')
    const root = loc === undefined ? undefined : this.#root(loc.sealed)
    let sealedWhole = false
    if (loc !== undefined && root !== undefined) {
      const problem = await checkSectorFiles(root, id, size)
      if (problem === null && !opts.force)
        throw notRepairable(id, `its files in ${loc.sealed} are whole; pass force to rebuild anyway`)
      const st = await stat(join(root, 'sealed', `s-t0${id.miner}-${id.number}`)).catch(() => undefined)
      sealedWhole = st?.size === size
    }
    const cacheOnly = opts.cacheOnly ?? sealedWhole
    if (cacheOnly && !sealedWhole)
      throw notRepairable(
        id,
        'a cache-only rebuild needs the sealed file, which is missing or of the wrong size',
      )
    const now = ctx.now()
    const out = await ctx.store.putRepairTask({
      kind: 'rebuild',
      id,
      piece: '',
      state: 'queued',
      worker: '',
      detail: { cacheOnly, sealedInstance: cacheOnly ? (loc?.sealed ?? null) : null },
      error: '',
      createdAt: now,
      updatedAt: now,
    })
    if (!out.created && opts.force && out.task.state === 'running') {
      // The worker that took it is gone for good (its store lost): queue it again for another.
      const again = await ctx.store.updateRepairTask(out.task, (t) =>
        t.state === 'running'
          ? {
              ...t,
              state: 'queued',
              worker: '',
              detail: { cacheOnly, sealedInstance: cacheOnly ? (loc?.sealed ?? null) : null },
              updatedAt: now,
            }
          : undefined,
      )
      ctx.log.warn({ sector: sectorKey(id), worker: out.task.worker }, 'running rebuild queued again (force)')
      this.emit('repair:queued', { task: again })
      return { task: again, created: true }
    }
    if (out.created) {
      ctx.log.info({ sector: sectorKey(id), cacheOnly }, 'rebuild queued')
      this.emit('repair:queued', { task: out.task })
    }
    return out
  }

  /**
   * Hands the oldest queued task of `kind` to a worker; undefined when none fits. A task whose
   * sector can no longer be repaired fails here (and the next one is tried).
   */
  async #claim<T>(
    kind: RepairKind,
    spec: { allowedMiners: number[] | null; allowedProofTypes: number[] | null },
    worker: string,
    build: (task: RepairTask, s: ManagedSector) => Promise<T>,
  ): Promise<T | null> {
    const ctx = this.#ctx
    for (let tries = 0; tries < 16; tries++) {
      const task = await ctx.store.claimRepairTask(kind, spec.allowedMiners, worker, ctx.now())
      if (task === undefined) return null
      let s: ManagedSector
      try {
        s = await this.#sealedRecord(task.id)
      } catch (err) {
        await this.#fail(task, (err as Error).message)
        continue
      }
      if (spec.allowedProofTypes !== null && !spec.allowedProofTypes.includes(s.proofType)) {
        // Not this worker's size: back in the queue, as it was.
        await ctx.store.updateRepairTask(task, (t) => ({ ...t, state: 'queued', worker: '' }))
        return null
      }
      try {
        const out = await build(task, s)
        this.emit('repair:started', { task })
        return out
      } catch (err) {
        await this.#fail(task, (err as Error).message)
      }
    }
    return null
  }

  /** `Venus.AllocateRebuildSector`: a sector to rebuild, or null. */
  allocateRebuild(
    spec: { allowedMiners: number[] | null; allowedProofTypes: number[] | null },
    worker: string,
  ): Promise<RebuildAssignment | null> {
    return this.#claim('rebuild', spec, worker, async (task, s) => {
      const pre = s.preCommit as NonNullable<ManagedSector['preCommit']>
      const d = task.detail as { cacheOnly?: unknown; sealedInstance?: unknown }
      return {
        id: task.id,
        proofType: s.proofType,
        ticket: s.ticket as EpochRandomness,
        pieces: s.pieces,
        commR: commitmentBytes(pre.commR),
        commD: commitmentBytes(pre.commD),
        cacheOnly: d.cacheOnly === true,
        sealedInstance: typeof d.sealedInstance === 'string' ? d.sealedInstance : null,
      }
    })
  }

  /** The running task of a key, or a `NOT_FOUND`/`SECTOR_STATE_INVALID` error. */
  async #running(key: RepairTaskKey): Promise<RepairTask> {
    const t = await this.#ctx.store.getRepairTask(key)
    if (t === undefined) {
      throw new VenusError('NOT_FOUND', `no ${key.kind} task for ${sectorKey(key.id)}`, {
        details: { kind: key.kind, miner: key.id.miner, number: key.id.number, piece: key.piece },
      })
    }
    return t
  }

  /**
   * `Venus.SubmitRebuilt`: the worker's rebuilt sector in persist store `instance`. Accepted
   * (and the sector index points at it) only when the CommR is the one on chain and the files
   * are whole; a CommR that differs fails the task.
   */
  async submitRebuilt(id: SectorId, commR: Uint8Array, instance: string): Promise<SubmitResponse> {
    const ctx = this.#ctx
    const key = { kind: 'rebuild' as const, id, piece: '' }
    const task = await this.#running(key)
    if (task.state === 'done') return ACCEPTED
    if (task.state !== 'running') return rejected(`the rebuild of ${sectorKey(id)} is ${task.state}`)
    const onChain = await ctx.chain.sectorInfo(id.miner, id.number)
    if (onChain === null) {
      await this.#fail(task, 'the sector is no longer on chain')
      return rejected('the sector is no longer on chain')
    }
    if (!equalBytes(commitmentBytes(onChain.sealedCid), commR)) {
      const why = `rebuilt CommR differs from the one on chain (${onChain.sealedCid})`
      await this.#fail(task, why)
      return rejected(why)
    }
    const root = this.#root(instance)
    if (root === undefined) return rejected(`persist store ${JSON.stringify(instance)} is not attached`)
    const rec = await ctx.store.getSector(id)
    const size = await ctx.sectorSize(id.miner, rec?.state.proofType)
    const problem = await checkSectorFiles(root, id, size)
    if (problem !== null) return rejected(`files in ${instance}: ${problem}`)
    await ctx.store.setLocation(id, 'normal', { sealed: instance, cache: instance })
    const done = await ctx.store.updateRepairTask(key, (t) => ({
      ...t,
      state: 'done',
      error: '',
      updatedAt: ctx.now(),
    }))
    ctx.log.info({ sector: sectorKey(id), instance }, 'sector rebuilt')
    this.emit('repair:done', { task: done })
    return ACCEPTED
  }

  /** A worker gave up a task (`Venus.ReportRebuildFailed`, `Venus.AchieveUnsealSector` with an error). */
  async reportFailed(key: RepairTaskKey, reason: string): Promise<void> {
    const task = await this.#running(key)
    if (task.state === 'running' || task.state === 'queued') await this.#fail(task, reason)
  }

  async #fail(task: RepairTask, reason: string): Promise<void> {
    const ctx = this.#ctx
    const failed = await ctx.store.updateRepairTask(task, (t) => ({
      ...t,
      state: 'failed',
      error: reason,
      updatedAt: ctx.now(),
    }))
    ctx.log.warn({ sector: sectorKey(task.id), kind: task.kind, reason }, 'repair task failed')
    this.emit('repair:failed', { task: failed })
  }

  /**
   * Queues the unsealing of a piece of a finalized sector. A piece with an unsealed copy already
   * gets a task that is done at once.
   *
   * @throws VenusError `SECTOR_NOT_FOUND`, `SECTOR_STATE_INVALID` (not finalized, not indexed),
   *   `NOT_FOUND` (the piece is not in the sector).
   */
  async requestUnseal(id: SectorId, pieceCid: string): Promise<{ task: RepairTask; created: boolean }> {
    const ctx = this.#ctx
    const s = await this.#sealedRecord(id)
    const at = pieceAt(s.pieces ?? [], pieceCid)
    if (at === undefined) {
      throw new VenusError('NOT_FOUND', `piece ${pieceCid} is not in sector ${sectorKey(id)}`, {
        details: { miner: id.miner, number: id.number, piece: pieceCid },
      })
    }
    if (finalUpdate(s) !== null) {
      if ((await ctx.store.findLocation(id, 'upgrade')) === undefined)
        throw notRepairable(id, 'the snapped sector has no update replica in the sector index to decode from')
    } else if ((await ctx.store.findLocation(id, 'normal')) === undefined)
      throw notRepairable(id, 'the sector has no files in the sector index to unseal from')
    const copy = await this.pieceCopyPath(pieceCid, id)
    const now = ctx.now()
    const out = await ctx.store.putRepairTask({
      kind: 'unseal',
      id,
      piece: pieceCid,
      state: copy === undefined ? 'queued' : 'done',
      worker: '',
      detail: { offset: at.offset, size: at.size, payloadSize: at.payloadSize },
      error: '',
      createdAt: now,
      updatedAt: now,
    })
    if (out.created && copy === undefined) {
      ctx.log.info({ sector: sectorKey(id), piece: pieceCid }, 'unseal queued')
      this.emit('repair:queued', { task: out.task })
    }
    return out
  }

  /** `Venus.AllocateUnsealSector`: a piece to unseal, or null. */
  allocateUnseal(
    spec: { allowedMiners: number[] | null; allowedProofTypes: number[] | null },
    worker: string,
  ): Promise<UnsealAssignment | null> {
    return this.#claim('unseal', spec, worker, async (task, s) => {
      const store = this.#ctx.store
      const loc = await store.findLocation(task.id, 'normal')
      const snap = finalUpdate(s)
      const up = snap === null ? undefined : await store.findLocation(task.id, 'upgrade')
      if (snap !== null && up === undefined)
        throw new Error('the snapped sector has no update replica in the sector index')
      if (snap === null && loc === undefined) throw new Error('the sector has no files in the sector index')
      const at = pieceAt(s.pieces ?? [], task.piece)
      if (at === undefined) throw new Error(`piece ${task.piece} is not in the sector`)
      const pre = s.preCommit as NonNullable<ManagedSector['preCommit']>
      const update =
        snap === null || up === undefined
          ? null
          : {
              replicaInstance: up.sealed,
              commROld: commitmentBytes(snap.commROld),
              commDNew: commitmentBytes(snap.commDNew),
            }
      return {
        id: task.id,
        proofType: s.proofType,
        pieceCid: task.piece,
        offset: at.offset,
        size: at.size,
        payloadSize: at.payloadSize,
        ticket: s.ticket as EpochRandomness,
        commD: update?.commDNew ?? commitmentBytes(pre.commD),
        sealedInstance: loc?.sealed ?? '',
        update,
      }
    })
  }

  /**
   * `Venus.SubmitUnsealed`: the unsealed copy is at `<instance>/piece/<pieceCid>`. Accepted and
   * indexed when the file is there with the payload's size.
   */
  async submitUnsealed(id: SectorId, pieceCid: string, instance: string): Promise<SubmitResponse> {
    const ctx = this.#ctx
    const key = { kind: 'unseal' as const, id, piece: pieceCid }
    const task = await this.#running(key)
    if (task.state === 'done') return ACCEPTED
    if (task.state !== 'running') return rejected(`the unseal of ${pieceCid} is ${task.state}`)
    const root = this.#root(instance)
    if (root === undefined) return rejected(`persist store ${JSON.stringify(instance)} is not attached`)
    const want = Number((task.detail as { payloadSize?: unknown }).payloadSize)
    const st = await stat(join(root, PIECE_COPY_DIR, pieceCid)).catch(() => undefined)
    if (st?.isFile() !== true) return rejected(`${PIECE_COPY_DIR}/${pieceCid} is missing in ${instance}`)
    if (st.size !== want)
      return rejected(`${PIECE_COPY_DIR}/${pieceCid} is ${st.size} bytes, expected ${want}`)
    await ctx.store.setPieceCopy({ piece: pieceCid, id, instance, size: st.size })
    const done = await ctx.store.updateRepairTask(key, (t) => ({
      ...t,
      state: 'done',
      error: '',
      updatedAt: ctx.now(),
    }))
    ctx.log.info({ sector: sectorKey(id), piece: pieceCid, instance }, 'piece unsealed')
    this.emit('repair:done', { task: done })
    return ACCEPTED
  }

  /**
   * The path of an unsealed copy of a piece whose file is there (of sector `id` when given);
   * copies whose file is gone are forgotten.
   */
  async pieceCopyPath(pieceCid: string, id?: SectorId): Promise<string | undefined> {
    const ctx = this.#ctx
    for (const c of await ctx.store.findPieceCopies(pieceCid)) {
      if (id !== undefined && (c.id.miner !== id.miner || c.id.number !== id.number)) continue
      const root = this.#root(c.instance)
      if (root === undefined) continue
      const path = join(root, PIECE_COPY_DIR, pieceCid)
      const st = await stat(path).catch(() => undefined)
      if (st?.isFile() === true && st.size === c.size) return path
      await ctx.store.removePieceCopy(pieceCid, c.id)
    }
    return undefined
  }

  /**
   * For the piece store: where a piece can be read, or an unseal queued for it. `copy` when an
   * unsealed copy exists; `queued` when a sealed sector holds it and an unseal is queued or
   * running; `busy` when as many unseals as allowed are in hand; `unknown` when no finalized
   * sector holds it.
   */
  async ensureUnsealed(
    pieceCid: string,
  ): Promise<
    { state: 'copy'; path: string } | { state: 'queued'; task: RepairTask } | { state: 'busy' | 'unknown' }
  > {
    const path = await this.pieceCopyPath(pieceCid)
    if (path !== undefined) return { state: 'copy', path }
    const ctx = this.#ctx
    const tasks = await ctx.store.listRepairTasks('unseal')
    const mine = tasks.find((t) => t.piece === pieceCid && (t.state === 'queued' || t.state === 'running'))
    if (mine !== undefined) return { state: 'queued', task: mine }
    // Offline records grow with history (a million at a large farm): walked a page at a time.
    let holder: ManagedSector | undefined
    for await (const s of sectorPages(ctx.store, false)) {
      if (
        s.finalized &&
        !s.removed &&
        (s.pieces ?? []).some((p) => p.dealId !== 0 && p.piece.cid === pieceCid)
      ) {
        holder = s
        break
      }
    }
    if (holder === undefined) return { state: 'unknown' }
    if (tasks.filter((t) => t.state === 'queued' || t.state === 'running').length >= this.#maxAuto)
      return { state: 'busy' }
    const { task } = await this.requestUnseal(holder.id, pieceCid)
    return { state: 'queued', task }
  }
}

/**
 * Where a deal piece sits in its sector: unpadded offset and size, and its payload. Each piece
 * starts at a multiple of its own padded size, as add-piece aligns them (filler pieces normally
 * make that explicit).
 */
export function pieceAt(
  pieces: readonly SectorPiece[],
  pieceCid: string,
): { offset: number; size: number; payloadSize: number } | undefined {
  let end = 0
  for (const p of pieces) {
    const padded = p.piece.size
    const start = Math.ceil(end / padded) * padded
    if (p.dealId !== 0 && p.piece.cid === pieceCid)
      return { offset: unpadded(start), size: unpadded(padded), payloadSize: p.payloadSize }
    end = start + padded
  }
  return undefined
}
