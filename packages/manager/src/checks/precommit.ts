/**
 * What a precommit must satisfy before the manager sends it: the allocated proof type, the ticket
 * the manager assigned (and not expired), the sector's deals, a CommD that matches its pieces,
 * and a number the chain has not used. A precommit already on chain is taken as it is.
 */
import {
  cidToCommitment,
  commD,
  commitmentToCid,
  type EpochRandomness,
  type SectorId,
  SubmitResult,
  VenusError,
  zeroCommitment,
} from '@venus-cluster/core'
import type { ServiceContext } from '../context.js'
import {
  ACCEPTED,
  equalBytes,
  type ManagedSector,
  rejected,
  type SectorPreCommit,
  type SubmitResponse,
} from '../sector.js'

/** A precommit as a worker submits it (commitments as 32 bytes). */
export interface PreCommitSubmission {
  proofType: number
  commR: Uint8Array
  commD: Uint8Array
  ticket: EpochRandomness
  /** Deal ids of the sector's pieces, in order (fillers left out). */
  dealIds: number[]
}

/**
 * The outcome of a check: answer the worker now (`done`), record a precommit found on chain
 * (`onChain`), or record it and queue it for sending (`queue`).
 */
export type PreCommitCheck =
  | { done: SubmitResponse }
  | { onChain: SectorPreCommit }
  | { queue: SectorPreCommit }

/** Throws `MINER_NOT_CONFIGURED` unless the miner has a sender for `kind`. */
export function requireSender(ctx: ServiceContext, id: SectorId, kind: 'pre' | 'prove'): void {
  const m = ctx.miner(id.miner)
  const sender = kind === 'pre' ? m?.commitment.pre.sender : m?.commitment.prove.sender
  if (!sender) {
    throw new VenusError(
      'MINER_NOT_CONFIGURED',
      `miner ${id.miner} has no ${kind === 'pre' ? 'precommit' : 'prove'} sender configured`,
      { details: { miner: id.miner } },
    )
  }
}

/**
 * Checks a submitted precommit against the sector's record and the chain. `reset` replaces an
 * earlier submission instead of comparing with it.
 *
 * @example
 * ```ts
 * const c = await checkPreCommit(ctx, record, submission, false)
 * if ('done' in c) return c.done
 * ```
 */
export async function checkPreCommit(
  ctx: ServiceContext,
  state: ManagedSector,
  info: PreCommitSubmission,
  reset: boolean,
): Promise<PreCommitCheck> {
  const id = state.id
  requireSender(ctx, id, 'pre')
  if (info.proofType !== state.proofType) {
    return { done: rejected(`proof type ${info.proofType} differs from the allocated ${state.proofType}`) }
  }
  const pre: SectorPreCommit = {
    commR: commitmentToCid(info.commR, 'commR').toString(),
    commD: commitmentToCid(info.commD, 'commD').toString(),
    ticket: info.ticket,
    dealIds: info.dealIds,
  }
  if (state.preCommit && !reset) {
    const was = state.preCommit
    const same =
      was.commR === pre.commR &&
      was.commD === pre.commD &&
      was.ticket.epoch === pre.ticket.epoch &&
      equalBytes(was.ticket.value, pre.ticket.value)
    return {
      done: same
        ? ACCEPTED
        : {
            result: SubmitResult.MismatchedSubmission,
            description: 'precommit info differs from the earlier submission',
          },
    }
  }
  if (
    !state.ticket ||
    state.ticket.epoch !== pre.ticket.epoch ||
    !equalBytes(state.ticket.value, pre.ticket.value)
  ) {
    return { done: rejected('ticket does not match the one assigned by AssignTicket') }
  }
  const [head, p] = await Promise.all([ctx.chain.head(), ctx.networkParams()])
  if (pre.ticket.epoch < head.height - p.maxPreCommitRandomnessLookback) {
    return { done: rejected(`ticket expired: epoch ${pre.ticket.epoch}, head ${head.height}`) }
  }
  const pieceDeals = (state.pieces ?? []).filter((d) => d.dealId !== 0).map((d) => d.dealId)
  if (info.dealIds.length !== pieceDeals.length || info.dealIds.some((d, i) => d !== pieceDeals[i])) {
    return { done: rejected('deal ids differ from the deals assigned to the sector') }
  }
  const sectorSize = await ctx.sectorSize(id.miner, state.proofType)
  const pieces = (state.pieces ?? []).map((d) => ({
    commP: cidToCommitment(d.piece.cid).commitment,
    paddedSize: d.piece.size,
  }))
  const expected = pieces.length === 0 ? zeroCommitment(sectorSize) : commD(pieces, sectorSize)
  if (!equalBytes(expected, info.commD))
    return { done: rejected('CommD does not match the pieces of the sector') }
  const pci = await ctx.chain.preCommitInfo(id.miner, id.number)
  if (pci !== null) {
    if (pci.sealRandEpoch !== pre.ticket.epoch) {
      return { done: rejected(`bad ticket: on-chain precommit uses epoch ${pci.sealRandEpoch}`) }
    }
    return { onChain: pre }
  }
  if (await ctx.chain.isSectorAllocated(id.miner, id.number))
    return { done: rejected('sector number allocated') }
  return { queue: pre }
}
