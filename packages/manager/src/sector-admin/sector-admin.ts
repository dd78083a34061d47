/**
 * Repairs an operator makes to one sector, each checked against the records, the messager and
 * the chain first, and each answering with its plan — what it found, why it would refuse, what it
 * does — so a command can show the plan and apply it only when asked:
 *
 * - `finalize`: a sector proven on chain whose worker never reported the end; moves the record
 *   offline as finalized and releases its store reservation. No message is sent.
 * - `resendPreCommit` / `resendProof`: a precommit or prove-commit whose message was lost or
 *   failed; the stored submission is checked again and queued for the commit batcher.
 * - `findDeal`: which sector carries a deal.
 */

import { cidToCommitment, type SectorId, SubmitResult } from '@venus-cluster/core'
import type { PreCommitSubmission } from '../checks/index.js'
import type { ServiceContext } from '../context.js'
import { sectorDisplayState } from '../metrics/manager-metrics.js'
import { type ManagedSector, type SectorPiece, type SubmitResponse, sectorKey } from '../sector.js'
import { sectorPages } from '../store/pages.js'
import type { StoreReservation } from '../store/types.js'

/** The operations of the manager a repair applies (the façade's own). */
export interface SectorAdminActions {
  finalize(id: SectorId): Promise<void>
  releaseReservation(id: SectorId): Promise<StoreReservation | undefined>
  submitPreCommit(id: SectorId, info: PreCommitSubmission, reset: boolean): Promise<SubmitResponse>
  submitProof(id: SectorId, proof: Uint8Array, reset: boolean): Promise<SubmitResponse>
}

/** A repair's plan, and whether it was applied. */
export interface SectorActionPlan {
  sector: SectorId
  action: 'finalize' | 'resend-precommit' | 'resend-prove'
  /** The record's state as the dashboard names it; null without a record. */
  state: string | null
  /** What the chain says of the sector. */
  chain: { preCommitEpoch: number | null; activation: number | null; expiration: number | null }
  /** The sector's message of this kind at the messager, if it has one. */
  message: { uid: string; state: string; exitCode: number | null; error: string | null } | null
  /** The store space held for the sector, if any. */
  reservation: StoreReservation | null
  /** Why it cannot go ahead; empty = it may. */
  refusals: string[]
  /** What applying it does. */
  steps: string[]
  applied: boolean
  /** For a resend: the answer of the resubmission. */
  result: SubmitResponse | null
}

/** A sector carrying a deal (`findDeal`). */
export interface DealSector {
  sector: SectorId
  online: boolean
  state: string
  piece: SectorPiece
}

/**
 * Operator repairs of single sectors.
 *
 * @example
 * ```ts
 * const plan = await manager.admin.resendPreCommit({ miner: 1000, number: 7 }, { apply: false, force: false })
 * if (plan.refusals.length === 0) await manager.admin.resendPreCommit(id, { apply: true, force: false })
 * ```
 */
export class SectorAdmin {
  readonly #ctx: ServiceContext
  readonly #do: SectorAdminActions

  constructor(ctx: ServiceContext, actions: SectorAdminActions) {
    this.#ctx = ctx
    this.#do = actions
  }

  async #base(id: SectorId, action: SectorActionPlan['action']) {
    const ctx = this.#ctx
    const [got, pre, info, reservations] = await Promise.all([
      ctx.store.getSector(id),
      ctx.chain.preCommitInfo(id.miner, id.number),
      ctx.chain.sectorInfo(id.miner, id.number),
      ctx.store.listReservations(),
    ])
    const plan: SectorActionPlan = {
      sector: id,
      action,
      state: got === undefined ? null : sectorDisplayState(got.state, got.online),
      chain: {
        preCommitEpoch: pre?.preCommitEpoch ?? null,
        activation: info?.activation ?? null,
        expiration: info?.expiration ?? null,
      },
      message: null,
      reservation: reservations.find((r) => r.miner === id.miner && r.number === id.number) ?? null,
      refusals: [],
      steps: [],
      applied: false,
      result: null,
    }
    if (got === undefined) plan.refusals.push(`the manager has no record of ${sectorKey(id)}`)
    return { plan, got, pre, info }
  }

  /** The status of a sector's message at the messager. */
  async #message(uid: string | null): Promise<SectorActionPlan['message']> {
    if (uid === null) return null
    const st = await this.#ctx.messager.getMessageByUid(uid)
    return { uid, state: st.state, exitCode: st.receipt?.exitCode ?? null, error: st.error ?? null }
  }

  /** Moves a sector proven on chain offline as finalized, releasing its store reservation. */
  async finalize(id: SectorId, opts: { apply: boolean }): Promise<SectorActionPlan> {
    const { plan, got, info } = await this.#base(id, 'finalize')
    if (got !== undefined && !got.online)
      plan.refusals.push(
        got.state.abortReason !== ''
          ? `${sectorKey(id)} was aborted (${got.state.abortReason}); restore it first`
          : `${sectorKey(id)} is finalized already`,
      )
    if (info === null)
      plan.refusals.push(
        `${sectorKey(id)} is not proven on chain: finalizing would stop tracking a sector still being sealed`,
      )
    plan.steps.push('move the record offline as finalized (no message is sent)')
    if (plan.reservation !== null)
      plan.steps.push(
        `release the ${plan.reservation.size} bytes reserved in persist store ${plan.reservation.store}`,
      )
    if (opts.apply && plan.refusals.length === 0) {
      await this.#do.finalize(id)
      await this.#do.releaseReservation(id)
      plan.applied = true
    }
    return plan
  }

  /**
   * Queues the stored precommit again. Refused without one, when the chain has it or the
   * sector is proven, and (unless `force`) while its last message may still land.
   */
  async resendPreCommit(id: SectorId, opts: { apply: boolean; force: boolean }): Promise<SectorActionPlan> {
    const { plan, got, pre, info } = await this.#base(id, 'resend-precommit')
    const rec = got?.online ? got.state : undefined
    if (got !== undefined && !got.online) plan.refusals.push(`${sectorKey(id)} is not being sealed any more`)
    if (rec !== undefined && rec.preCommit === null)
      plan.refusals.push(`${sectorKey(id)} has no precommit submitted by its worker yet`)
    if (pre !== null)
      plan.refusals.push(`the precommit is on chain since epoch ${pre.preCommitEpoch}; nothing to resend`)
    if (info !== null) plan.refusals.push(`${sectorKey(id)} is proven on chain`)
    if (rec !== undefined) await this.#checkMessage(plan, rec, rec.messages.preCommit, opts.force)
    plan.steps.push(
      'check the stored precommit again and queue it (sent with the next PreCommitSectorBatch2)',
    )
    if (opts.apply && plan.refusals.length === 0 && rec?.preCommit) {
      const p = rec.preCommit
      plan.result = await this.#do.submitPreCommit(
        id,
        {
          proofType: rec.proofType,
          commR: cidToCommitment(p.commR).commitment,
          commD: cidToCommitment(p.commD).commitment,
          ticket: p.ticket,
          dealIds: p.dealIds,
        },
        true,
      )
      plan.applied = plan.result.result === SubmitResult.Accepted
    }
    return plan
  }

  /**
   * Queues the stored proof again. Refused without one, without a precommit on chain, when the
   * sector is proven, and (unless `force`) while its last message may still land.
   */
  async resendProof(id: SectorId, opts: { apply: boolean; force: boolean }): Promise<SectorActionPlan> {
    const { plan, got, pre, info } = await this.#base(id, 'resend-prove')
    const rec = got?.online ? got.state : undefined
    if (got !== undefined && !got.online) plan.refusals.push(`${sectorKey(id)} is not being sealed any more`)
    if (rec !== undefined && rec.proof === null)
      plan.refusals.push(`${sectorKey(id)} has no proof submitted by its worker yet`)
    if (pre === null && info === null) plan.refusals.push('no precommit of the sector is on chain')
    if (info !== null)
      plan.refusals.push(`${sectorKey(id)} is proven on chain since epoch ${info.activation}`)
    if (rec !== undefined) await this.#checkMessage(plan, rec, rec.messages.proveCommit, opts.force)
    plan.steps.push('check the stored proof again and queue it (sent with the next ProveCommitSectors3)')
    if (opts.apply && plan.refusals.length === 0 && rec?.proof) {
      plan.result = await this.#do.submitProof(id, rec.proof, true)
      plan.applied = plan.result.result === SubmitResult.Accepted
    }
    return plan
  }

  async #checkMessage(plan: SectorActionPlan, rec: ManagedSector, uid: string | null, force: boolean) {
    if (uid === null && rec.messages.needSend) {
      plan.refusals.push('it waits in the commit queue already; it goes with the next batch')
      return
    }
    plan.message = await this.#message(uid)
    const m = plan.message
    if (m === null || force) return
    const landedOk = m.state === 'onchain' && m.exitCode === 0
    if (m.state === 'pending' || landedOk)
      plan.refusals.push(
        `message ${m.uid} is ${m.state === 'pending' ? 'still pending at the messager' : 'on chain'}; sending again may pay twice (pass --force to resend anyway)`,
      )
  }

  /** The sectors whose pieces carry `dealId`, online and offline. */
  async findDeal(dealId: number): Promise<DealSector[]> {
    const out: DealSector[] = []
    for (const online of [true, false]) {
      // A page at a time: offline records grow with history.
      for await (const s of sectorPages(this.#ctx.store, online)) {
        for (const piece of s.pieces ?? []) {
          if (piece.dealId !== dealId) continue
          out.push({ sector: s.id, online, state: sectorDisplayState(s, online), piece })
        }
      }
    }
    return out
  }
}
