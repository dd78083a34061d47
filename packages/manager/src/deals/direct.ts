/**
 * Direct pieces (direct data onboarding, DDO): data an operator gives to sealing without a market
 * deal, optionally claiming a client's verified allocation. The piece file is served to workers
 * like a deal's (from a piece store directory, `<dir>/<pieceCID>`, or the market it redirects
 * to). Pieces are checked when added, again when a sector takes them, before the precommit and
 * before the activation message (see `activation.ts`); the market is never told of them.
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { actorIdOf, type SectorId, TypedEmitter, VenusError } from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import type { ServiceContext } from '../context.js'
import type { SectorPiece } from '../sector.js'
import type { DirectPieceFilter, DirectPieceRecord } from '../store/types.js'
import type { ActivationWindow, PieceActivation } from './activation.js'

/** A piece to seal directly; see {@link DirectPieces.add}. */
export interface DirectPieceInput {
  miner: number
  /** Piece CID (`baga…`, CommP). */
  pieceCid: string
  /** Padded piece size: a power of two, at most the sector size. */
  pieceSize: number
  /** Bytes of payload in the piece file (at most the unpadded size). */
  payloadSize: number
  /** The verified allocation to claim: its client (actor id or address) and id. */
  allocation?: { client: number | string; id: number } | undefined
}

/** Events of {@link DirectPieces}. */
export type DirectPieceEvents = {
  'direct:added': { piece: DirectPieceRecord }
  /** Pieces went into a sector. */
  'direct:assigned': { sector: SectorId; pieces: number[] }
  /** Pieces came back to the queue (their sector was aborted). */
  'direct:released': { sector: SectorId; pieces: number[] }
  /** A piece was given up: it can no longer be activated as asked. */
  'direct:failed': { piece: number; reason: string }
  /** Pieces were activated on chain with their sector. */
  'direct:sealed': { sector: SectorId; pieces: number[] }
}

/** A piece CID must be a `fil-commitment-unsealed` CID of a SHA2-256-trunc254-padded digest. */
const PIECE_CODEC = 0xf101
const PIECE_HASH = 0x1012

function bad(message: string, field: string): VenusError {
  return new VenusError('INVALID_ARGUMENT', message, { details: { field } })
}

const isPow2 = (n: number) => Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0

/** The record of a direct piece as a sector's piece. */
export function directSectorPiece(p: DirectPieceRecord): SectorPiece {
  return {
    dealId: 0,
    payloadSize: p.payloadSize,
    piece: { size: p.pieceSize, cid: p.pieceCid },
    proposal: null,
    direct: { id: p.id, allocation: p.allocation },
  }
}

/**
 * The queue of direct pieces over the manager's store.
 *
 * @example
 * ```ts
 * const direct = new DirectPieces(ctx, new PieceActivation(ctx))
 * await direct.add({ miner: 1000, pieceCid: 'baga6ea4sea…', pieceSize: 2048, payloadSize: 2000,
 *   allocation: { client: 't01001', id: 12 } })
 * ```
 */
export class DirectPieces extends TypedEmitter<DirectPieceEvents> {
  readonly #ctx: ServiceContext
  readonly #activation: PieceActivation

  constructor(ctx: ServiceContext, activation: PieceActivation) {
    super({ onListenerError: (err, event) => ctx.log.warn({ err, event }, 'event listener failed') })
    this.#ctx = ctx
    this.#activation = activation
  }

  /**
   * Queues a piece for sealing after checking it: the miner is configured with deals enabled,
   * the piece CID and sizes are sound, its file is in a piece store (or a market is configured
   * to serve it), and a verified allocation belongs to this miner, matches the piece, and can be
   * claimed by a sector sealed now. Throws `INVALID_ARGUMENT` (nothing queued) saying what is
   * wrong, `ALREADY_EXISTS` when the allocation is queued already.
   */
  async add(input: DirectPieceInput): Promise<DirectPieceRecord> {
    const ctx = this.#ctx
    const miner = ctx.miner(input.miner)
    if (miner === undefined)
      throw new VenusError('MINER_NOT_CONFIGURED', `miner ${input.miner} is not configured`, {
        details: { miner: input.miner },
      })
    if (!miner.deal.enabled)
      throw new VenusError(
        'INVALID_ARGUMENT',
        `miner ${input.miner} does not take pieces: set [Miners.Deal] Enabled = true for it (and enable_deals on the workers)`,
        { details: { miner: input.miner, field: 'miner' } },
      )
    let cid: CID
    try {
      cid = CID.parse(input.pieceCid)
    } catch (cause) {
      throw new VenusError('INVALID_ARGUMENT', `piece CID ${JSON.stringify(input.pieceCid)} is not a CID`, {
        cause,
        details: { field: 'pieceCid' },
      })
    }
    if (cid.code !== PIECE_CODEC || cid.multihash.code !== PIECE_HASH || cid.multihash.size !== 32)
      throw bad(
        `${input.pieceCid} is not a piece CID (fil-commitment-unsealed, sha2-256-trunc254-padded)`,
        'pieceCid',
      )
    const sectorSize = await ctx.sectorSize(input.miner)
    if (!isPow2(input.pieceSize) || input.pieceSize < 128 || input.pieceSize > sectorSize)
      throw bad(
        `piece size ${input.pieceSize} must be a power of two from 128 to the sector size ${sectorSize}`,
        'pieceSize',
      )
    const unpadded = (input.pieceSize / 128) * 127
    if (!Number.isSafeInteger(input.payloadSize) || input.payloadSize <= 0 || input.payloadSize > unpadded)
      throw bad(
        `payload size ${input.payloadSize} must be 1 … ${unpadded} (the unpadded piece size)`,
        'payloadSize',
      )
    await this.#checkFile(cid.toString(), input.payloadSize)
    const allocation = input.allocation === undefined ? null : await this.#allocationKey(input.allocation)
    const record = {
      miner: input.miner,
      pieceCid: cid.toString(),
      pieceSize: input.pieceSize,
      payloadSize: input.payloadSize,
      allocation,
    }
    const piece = directSectorPiece({
      ...record,
      id: 0,
      state: 'pending',
      sector: null,
      reason: '',
      createdAt: 0,
      updatedAt: 0,
    })
    const { problems } = await this.#activation.check(input.miner, [piece], {
      window: await this.#activation.window(),
    })
    if (problems.length > 0)
      throw new VenusError(
        'INVALID_ARGUMENT',
        `piece ${record.pieceCid} cannot be sealed: ${problems.join('; ')}`,
        {
          details: { field: 'allocation', problems },
        },
      )
    const saved = await ctx.store.addDirectPiece(record)
    ctx.log.info(
      { piece: saved.id, cid: saved.pieceCid, allocation: saved.allocation },
      'direct piece queued',
    )
    this.emit('direct:added', { piece: saved })
    return saved
  }

  /** Direct pieces, oldest first. */
  list(filter?: DirectPieceFilter): Promise<DirectPieceRecord[]> {
    return this.#ctx.store.listDirectPieces(filter)
  }

  /** Removes a pending or failed piece; one in a sector cannot be removed. */
  async remove(id: number): Promise<void> {
    if (await this.#ctx.store.removeDirectPiece(id)) return
    const [got] = (await this.#ctx.store.listDirectPieces()).filter((p) => p.id === id)
    if (got === undefined) throw new VenusError('NOT_FOUND', `no direct piece ${id}`, { details: { id } })
    throw new VenusError(
      'SECTOR_STATE_INVALID',
      `direct piece ${id} is ${got.state} in sector ${got.sector}: only pending or failed pieces can be removed`,
      { details: { id, state: got.state } },
    )
  }

  /**
   * Takes pending pieces of the sector's miner that fit it together (oldest first; their terms
   * must leave a common expiration), checking each again: one that can no longer be activated
   * is given up. The pieces are assigned to the sector atomically (another manager never gets
   * them). Returns them as sector pieces, empty when there is nothing to take.
   *
   * `fit` is for a sector whose expiration is fixed already (a CC sector snapped up): its
   * activation window, and pieces whose terms do not allow its expiration are left pending for
   * another sector.
   */
  async take(
    id: SectorId,
    sectorSize: number,
    fit?: { window: ActivationWindow; expiration: number },
  ): Promise<SectorPiece[]> {
    const ctx = this.#ctx
    const pending = await ctx.store.listDirectPieces({ miner: id.miner, state: 'pending' })
    if (pending.length === 0) return []
    const window = fit?.window ?? (await this.#activation.window())
    const picked: SectorPiece[] = []
    let used = 0
    for (const p of pending) {
      if (used + p.pieceSize > sectorSize) continue
      const piece = directSectorPiece(p)
      const alone = await this.#activation.check(id.miner, [piece], { window })
      if (alone.problems.length > 0) {
        await this.#fail([p.id], alone.problems.join('; '), ['pending'])
        continue
      }
      const together = await this.#activation.check(id.miner, [...picked, piece], {
        window,
        expiration: fit?.expiration,
      })
      if (together.problems.length > 0) continue
      picked.push(piece)
      used += p.pieceSize
    }
    if (picked.length === 0) return []
    const ids = picked.map((p) => p.direct!.id)
    try {
      await ctx.store.assignDirectPieces(id.miner, id.number, ids)
    } catch (err) {
      // Another manager took one of them first: this sector goes without direct pieces now.
      if (err instanceof VenusError && err.code === 'ALREADY_EXISTS') return []
      throw err
    }
    this.emit('direct:assigned', { sector: id, pieces: ids })
    return picked
  }

  /**
   * Gives a sector's direct pieces back to the queue (the sector was aborted), or up when they
   * can no longer be activated (their allocation expired or was claimed).
   */
  async release(id: SectorId, pieces: readonly SectorPiece[]): Promise<void> {
    const direct = pieces.filter((p) => p.direct !== undefined)
    if (direct.length === 0) return
    const window = await this.#activation.window()
    const back: number[] = []
    for (const p of direct) {
      const { problems } = await this.#activation.check(id.miner, [p], { window })
      if (problems.length > 0) await this.#fail([p.direct!.id], problems.join('; '), ['assigned'])
      else back.push(p.direct!.id)
    }
    if (back.length === 0) return
    await this.#ctx.store.setDirectPieceState(back, { state: 'pending' }, ['assigned'])
    this.emit('direct:released', { sector: id, pieces: back })
  }

  /** Marks the direct pieces of sectors whose activation landed as sealed. */
  async sealed(miner: number, sectors: readonly number[]): Promise<void> {
    const ctx = this.#ctx
    for (const number of sectors) {
      const ids = (await ctx.store.listDirectPieces({ miner, sector: number, state: 'assigned' })).map(
        (p) => p.id,
      )
      if (ids.length === 0) continue
      if ((await ctx.chain.sectorInfo(miner, number)) === null) continue
      await ctx.store.setDirectPieceState(ids, { state: 'sealed' }, ['assigned'])
      this.emit('direct:sealed', { sector: { miner, number }, pieces: ids })
    }
  }

  async #fail(ids: number[], reason: string, from: ('pending' | 'assigned')[]): Promise<void> {
    await this.#ctx.store.setDirectPieceState(ids, { state: 'failed', reason }, from)
    for (const piece of ids) {
      this.#ctx.log.warn({ piece, reason }, 'direct piece given up')
      this.emit('direct:failed', { piece, reason })
    }
  }

  /** The allocation key of an input: the client as an actor id (addresses looked up on chain). */
  async #allocationKey(a: { client: number | string; id: number }): Promise<{ client: number; id: number }> {
    if (!Number.isSafeInteger(a.id) || a.id <= 0)
      throw bad(`allocation id ${a.id} must be a positive integer`, 'allocation.id')
    if (typeof a.client === 'number') {
      if (!Number.isSafeInteger(a.client) || a.client < 0)
        throw bad(`client ${a.client} is not an actor id`, 'allocation.client')
      return { client: a.client, id: a.id }
    }
    let id: string | null = a.client
    try {
      if (!/^[ft]0\d+$/.test(a.client)) {
        if (this.#ctx.chain.lookupId === undefined)
          throw bad(
            `client ${a.client}: give its actor id (the chain view cannot look addresses up)`,
            'allocation.client',
          )
        id = await this.#ctx.chain.lookupId(a.client)
      }
      if (id === null) throw bad(`client ${a.client} has no actor on chain`, 'allocation.client')
      return { client: actorIdOf(id), id: a.id }
    } catch (err) {
      if (err instanceof VenusError) throw err
      throw new VenusError('INVALID_ARGUMENT', `client ${JSON.stringify(a.client)} is not an address`, {
        cause: err,
        details: { field: 'allocation.client' },
      })
    }
  }

  /** The piece file must be in a piece store (payload bytes at least), unless a market serves it. */
  async #checkFile(cid: string, payloadSize: number): Promise<void> {
    const cfg = this.#ctx.config()
    const dirs = cfg.pieceStores.map((s) => s.path)
    for (const dir of dirs) {
      const found = await stat(join(dir, cid)).catch(() => undefined)
      if (found === undefined || !found.isFile()) continue
      if (found.size < payloadSize)
        throw bad(
          `piece file ${join(dir, cid)} has ${found.size} bytes, less than the payload size ${payloadSize}`,
          'payloadSize',
        )
      return
    }
    if (cfg.market.api !== '') return
    throw new VenusError(
      'NOT_FOUND',
      dirs.length === 0
        ? `piece ${cid}: no [[Common.PieceStores]] is configured and no market serves pieces; add a piece store holding the file ${cid}`
        : `piece ${cid}: no file named ${cid} in the piece stores (${dirs.join(', ')}) and no market serves pieces`,
      { details: { field: 'pieceCid', cid } },
    )
  }
}
