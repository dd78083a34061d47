/**
 * Data activation, shared by every path that puts pieces into a sector on chain —
 * `ProveCommitSectors3` for new sectors and `ProveReplicaUpdates3` for snapped ones: which
 * verified allocation each piece claims (a direct piece's own, a verified market deal's pending
 * one), the checks a piece must pass before sealing, before the precommit and before the
 * activation message (the allocation belongs to this provider, the piece matches it, it does not
 * expire before activation, the sector's lifetime fits its term, a deal does not start before
 * activation and ends by the sector's expiration), the sector expiration those terms allow, and the piece
 * manifests with their allocation keys and market notifications.
 */
import {
  encodeDealIdPayload,
  idAddress,
  type PieceActivationManifest,
  SingletonActor,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import type { MarketDealTerms, VerifiedAllocation } from '../chain.js'
import type { ServiceContext } from '../context.js'
import { isFillerPiece, type SectorPiece } from '../sector.js'

/** Options of {@link PieceActivation}. */
export interface PieceActivationOptions {
  /**
   * Epochs a sector may take from its precommit check to its activation landing beyond the
   * chain's minimum (the seed delay): proving, batching and message confidence. Allocations
   * must stay claimable and terms must fit across this window (default 2880, one day).
   */
  slackEpochs?: number | undefined
}

/** The default {@link PieceActivationOptions.slackEpochs}: one day. */
export const DEFAULT_ACTIVATION_SLACK = 2880

/** The epochs a sector's activation may land at. */
export interface ActivationWindow {
  earliest: number
  latest: number
}

/** What a piece must satisfy on chain: its verified allocation and its market deal's terms. */
export interface PieceTerms {
  piece: SectorPiece
  /** The allocation it claims; null for unverified data and fillers. */
  allocation: VerifiedAllocation | null
  /** The verified allocation the piece names but the chain no longer has (claimed, removed). */
  missingAllocation: boolean
  /** The market deal (deal pieces with a chain that reports deals). */
  deal: MarketDealTerms | null
}

/** The result of {@link PieceActivation.check}. */
export interface ActivationCheck {
  /** Why the pieces cannot be activated as they are, one line per problem; empty when they can. */
  problems: string[]
  /** The sector expirations the pieces allow, `[min, max]` (unbounded ends as ±Infinity). */
  expiration: { min: number; max: number }
  terms: PieceTerms[]
}

/** The manifests of one sector's activation and what they claim. */
export interface ActivationManifests {
  pieces: PieceActivationManifest[]
  /** Bytes of verified data the manifests claim (for the pledge). */
  verifiedSize: number
  /** Pieces whose allocation can no longer be claimed: activated as unverified data, with why. */
  unclaimable: { piece: SectorPiece; reason: string }[]
}

const market = (prefix: 'f' | 't') => idAddress(SingletonActor.Market, prefix)

/**
 * The activation checks and manifests of a manager (see the module comment).
 *
 * @example
 * ```ts
 * const activation = new PieceActivation(ctx)
 * const { problems } = await activation.check(1000, pieces, { window: await activation.window() })
 * const { pieces: manifests } = await activation.manifests(1000, pieces, sectorExpiration)
 * ```
 */
export class PieceActivation {
  readonly #ctx: ServiceContext
  readonly slackEpochs: number

  constructor(ctx: ServiceContext, opts: PieceActivationOptions = {}) {
    this.#ctx = ctx
    this.slackEpochs = opts.slackEpochs ?? DEFAULT_ACTIVATION_SLACK
  }

  /** Whether any piece carries data (a deal or a direct piece): else the sector is CC. */
  static hasData(pieces: readonly SectorPiece[] | null): boolean {
    return (pieces ?? []).some((p) => !isFillerPiece(p))
  }

  /**
   * The activation window of a sector precommitted now: the earliest epoch its proof may land
   * (precommit next epoch, then the seed delay) and that plus the slack.
   */
  async window(head?: number): Promise<ActivationWindow> {
    const h = head ?? (await this.#ctx.chain.head()).height
    const p = await this.#ctx.networkParams()
    const earliest = h + 2 + p.preCommitChallengeDelay
    return { earliest, latest: earliest + this.slackEpochs }
  }

  /**
   * The activation window of a snap-up allocated now: its `ProveReplicaUpdates3` may land from
   * the next epoch (no seed wait) until the slack has passed (encoding, proving, batching).
   */
  async updateWindow(head?: number): Promise<ActivationWindow> {
    const h = head ?? (await this.#ctx.chain.head()).height
    return { earliest: h + 1, latest: h + 1 + this.slackEpochs }
  }

  /** The allocation each piece claims and its deal's terms, read from the chain. */
  async terms(pieces: readonly SectorPiece[]): Promise<PieceTerms[]> {
    const chain = this.#ctx.chain
    return Promise.all(
      pieces.map(async (piece): Promise<PieceTerms> => {
        if (piece.direct !== undefined) {
          const key = piece.direct.allocation
          if (key === null) return { piece, allocation: null, missingAllocation: false, deal: null }
          if (chain.verifiedAllocation === undefined)
            return { piece, allocation: null, missingAllocation: true, deal: null }
          const allocation = await chain.verifiedAllocation(key.client, key.id)
          return { piece, allocation, missingAllocation: allocation === null, deal: null }
        }
        if (piece.dealId === 0) return { piece, allocation: null, missingAllocation: false, deal: null }
        const [deal, allocation] = await Promise.all([
          chain.marketDeal?.(piece.dealId) ?? null,
          chain.dealAllocation?.(piece.dealId) ?? null,
        ])
        return { piece, allocation, missingAllocation: false, deal }
      }),
    )
  }

  /**
   * Checks the pieces of a sector of `miner` for an activation in `window`: every verified
   * allocation belongs to this provider, matches its piece, stays claimable through the window,
   * and its term (with every deal's end) leaves a sector expiration, within `expiration` when
   * the sector has one already.
   */
  async check(
    miner: number,
    pieces: readonly SectorPiece[],
    opts: { window: ActivationWindow; expiration?: number | undefined },
  ): Promise<ActivationCheck> {
    const terms = await this.terms(pieces)
    const problems: string[] = []
    let min = Number.NEGATIVE_INFINITY
    let max = Number.POSITIVE_INFINITY
    const { earliest, latest } = opts.window
    for (const t of terms) {
      const name = pieceName(t.piece)
      if (t.missingAllocation) {
        const key = t.piece.direct?.allocation
        problems.push(
          this.#ctx.chain.verifiedAllocation === undefined
            ? `${name}: the chain view cannot read verified allocations`
            : `${name}: allocation ${key?.id} of client ${key?.client} is not on chain (claimed, removed or never made)`,
        )
        continue
      }
      const a = t.allocation
      if (a !== null) {
        const wrong = allocationMismatch(a, t.piece, miner)
        if (wrong !== undefined) problems.push(`${name}: ${wrong}`)
        if (a.expiration < latest)
          problems.push(
            `${name}: allocation ${a.id} expires at epoch ${a.expiration}, before the sector could be activated (by ${latest})`,
          )
        min = Math.max(min, latest + a.termMin)
        max = Math.min(max, earliest + a.termMax)
      }
      if (t.deal !== null) {
        // A deal must be activated by its start: one starting before the earliest activation cannot be.
        if (t.deal.startEpoch < earliest)
          problems.push(
            `${name}: deal starts at epoch ${t.deal.startEpoch}, before the sector can be activated (epoch ${earliest} at the earliest)`,
          )
        min = Math.max(min, t.deal.endEpoch)
      }
    }
    if (min > max)
      problems.push(
        `the pieces' terms leave no sector expiration: it must be at least ${min} and at most ${max} for an activation between epochs ${earliest} and ${latest}`,
      )
    else if (opts.expiration !== undefined && (opts.expiration < min || opts.expiration > max))
      problems.push(
        `sector expiration ${opts.expiration} is outside ${min} … ${max}, what the pieces' terms allow for an activation between epochs ${earliest} and ${latest}`,
      )
    return { problems, expiration: { min, max }, terms }
  }

  /**
   * The sector expiration to precommit: `wanted` (from the configured lifetime) moved into what
   * the pieces' terms allow; `wanted` itself for CC sectors or when the terms allow nothing.
   */
  async expirationFor(
    miner: number,
    pieces: readonly SectorPiece[] | null,
    wanted: number,
    head: number,
  ): Promise<number> {
    if (!PieceActivation.hasData(pieces)) return wanted
    const { expiration } = await this.check(miner, pieces ?? [], { window: await this.window(head) })
    if (expiration.min > expiration.max) return wanted
    return Math.min(Math.max(wanted, expiration.min), expiration.max)
  }

  /**
   * The piece manifests of a sector activated now (expiring at `expiration`): none for CC;
   * otherwise every piece in order (fillers too), deal pieces notifying the market of their deal,
   * and each verified allocation still claimable by this activation keyed in. An allocation that
   * can no longer be claimed (expired, gone, or the sector's lifetime outside its term) is left
   * out and reported: the piece activates as unverified data rather than failing the sector.
   */
  async manifests(
    miner: number,
    pieces: readonly SectorPiece[] | null,
    expiration: number,
  ): Promise<ActivationManifests> {
    if (!PieceActivation.hasData(pieces)) return { pieces: [], verifiedSize: 0, unclaimable: [] }
    const head = (await this.#ctx.chain.head()).height
    const { addressPrefix } = await this.#ctx.networkParams()
    // The message lands in the next epoch at the earliest; claims are checked there.
    const at = head + 1
    const unclaimable: { piece: SectorPiece; reason: string }[] = []
    let verifiedSize = 0
    const out = (await this.terms(pieces ?? [])).map(({ piece, allocation, missingAllocation }) => {
      let key: { client: number; id: number } | null = null
      if (allocation !== null) {
        const why =
          allocationMismatch(allocation, piece, miner) ??
          (at > allocation.expiration
            ? `allocation ${allocation.id} expired at epoch ${allocation.expiration}`
            : undefined) ??
          termMismatch(allocation, expiration - at)
        if (why === undefined) {
          key = { client: allocation.client, id: allocation.id }
          verifiedSize += piece.piece.size
        } else unclaimable.push({ piece, reason: why })
      } else if (missingAllocation)
        unclaimable.push({ piece, reason: `allocation ${piece.direct?.allocation?.id} is not on chain` })
      return {
        cid: CID.parse(piece.piece.cid),
        size: piece.piece.size,
        verifiedAllocationKey: key,
        notify:
          piece.dealId === 0
            ? []
            : [{ address: market(addressPrefix), payload: encodeDealIdPayload(piece.dealId) }],
      } as PieceActivationManifest
    })
    return { pieces: out, verifiedSize, unclaimable }
  }
}

/** How a piece is named in messages: its deal, its direct-piece id, or its CID. */
export function pieceName(p: SectorPiece): string {
  if (p.dealId !== 0) return `deal ${p.dealId}`
  if (p.direct !== undefined) return `direct piece ${p.direct.id} (${p.piece.cid})`
  return `piece ${p.piece.cid}`
}

/** Why `a` is not the allocation of `piece` at provider `miner`, or undefined when it is. */
export function allocationMismatch(
  a: VerifiedAllocation,
  piece: SectorPiece,
  miner: number,
): string | undefined {
  if (a.provider !== miner) return `allocation ${a.id} is for provider ${a.provider}, not ${miner}`
  if (a.pieceCid !== piece.piece.cid)
    return `allocation ${a.id} is for piece ${a.pieceCid}, not ${piece.piece.cid}`
  if (a.size !== piece.piece.size)
    return `allocation ${a.id} is for ${a.size} bytes, the piece has ${piece.piece.size}`
  return undefined
}

/** Why a sector living `lifetime` more epochs cannot claim `a`, or undefined. */
export function termMismatch(a: VerifiedAllocation, lifetime: number): string | undefined {
  if (lifetime < a.termMin)
    return `the sector lives ${lifetime} epochs, less than allocation ${a.id}'s term min ${a.termMin}`
  if (lifetime > a.termMax)
    return `the sector lives ${lifetime} epochs, more than allocation ${a.id}'s term max ${a.termMax}`
  return undefined
}
