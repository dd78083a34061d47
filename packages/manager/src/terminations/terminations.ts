/**
 * The termination queue: a finalized, active sector comes back online with termination
 * bookkeeping and joins the `terminate` queue in the same step; its `TerminateSectors` message
 * (deadline and partition from `StateSectorPartition`) is sent at once, or on a later tick while
 * the sector's deadline is immutable (current or next). Once the message landed with the miner's
 * confidence the record goes offline again with `terminatedAt` set.
 */
import {
  encodeTerminateSectors,
  MinerMethod,
  type SectorId,
  type Startable,
  SubmitResult,
  TypedEmitter,
  VenusError,
} from '@venus-cluster/core'
import type { ManagerMessage, ManagerSendSpec } from '../chain.js'
import type { MessageOutbox } from '../commit-batcher/outbox.js'
import type { ServiceContext } from '../context.js'
import {
  ACCEPTED,
  type ManagedSector,
  rejected,
  type SectorTermination,
  type SubmitResponse,
  sectorKey,
} from '../sector.js'
import { chooseSender } from '../senders/index.js'
import { SerialRuns } from '../serial-runs.js'
import { onlinePages } from '../store/pages.js'

/** Events of {@link TerminationQueue}. */
export type TerminationEvents = {
  /** A termination was accepted and queued. */
  'termination:requested': { sector: SectorId }
  /** A `TerminateSectors` message was claimed for these sectors of a miner. */
  'termination:sent': { miner: number; uid: string; sectors: number[] }
  /** The sector is terminated on chain (or was no longer live). */
  'termination:landed': { sector: SectorId; uid: string | null; height: number }
  /** The termination message failed; the termination may be requested again. */
  'termination:failed': { sector: SectorId; uid: string; error: string }
}

/**
 * Terminates sectors.
 *
 * @example
 * ```ts
 * const terminations = new TerminationQueue(ctx, outbox)
 * await terminations.start()
 * const res = await terminations.request({ miner: 1000, number: 7 })
 * ```
 */
export class TerminationQueue extends TypedEmitter<TerminationEvents> implements Startable {
  readonly #ctx: ServiceContext
  readonly #outbox: MessageOutbox
  readonly #runs: SerialRuns
  /** Whether online sectors may have terminations in flight (skips the scan when not). */
  #seen = true

  constructor(ctx: ServiceContext, outbox: MessageOutbox) {
    super({ onListenerError: (err, event) => ctx.log.warn({ err, event }, 'event listener failed') })
    this.#ctx = ctx
    this.#outbox = outbox
    this.#runs = new SerialRuns(
      (miner) => this.#process(Number(miner)),
      (err, miner) =>
        ctx.log.error({ err, miner: Number(miner), kind: 'terminate' }, 'batch processing failed'),
    )
  }

  /** Re-queues terminations whose queue entry was lost, then lets the queue run. */
  async start(): Promise<void> {
    this.#runs.resume()
    await this.#repair()
  }

  /** Waits for sends in flight. */
  async stop(): Promise<void> {
    await this.#runs.stop()
  }

  /** Sends what is due and settles landed terminations (the manager's timer calls it). */
  async tick(): Promise<void> {
    await Promise.allSettled(this.#ctx.config().miners.map((m) => this.#runs.request(String(m.actor), true)))
    await this.#checkAll().catch((err) => this.#ctx.log.warn({ err }, 'termination check failed'))
  }

  /**
   * `TerminateSector`: queues the termination of a finalized sector that is active on chain, and
   * tries to send it at once.
   */
  async request(id: SectorId): Promise<SubmitResponse> {
    const ctx = this.#ctx
    const res = await ctx.locks.run(sectorKey(id), async (): Promise<SubmitResponse> => {
      const got = await ctx.store.getSector(id)
      if (got === undefined) {
        throw new VenusError('SECTOR_NOT_FOUND', `sector state not found: ${sectorKey(id)}`, {
          details: { miner: id.miner, number: id.number },
        })
      }
      if (got.state.termination) {
        return { result: SubmitResult.DuplicateSubmit, description: 'termination already requested' }
      }
      if (got.online) return rejected('sector is still sealing; only finalized sectors can be terminated')
      const m = ctx.miner(id.miner)
      if (!m) return rejected(`miner ${id.miner} is not configured`)
      if (!m.commitment.prove.sender) return rejected('no sender configured for the miner')
      if (!ctx.chain.sectorPartition || !ctx.chain.provingDeadline)
        return rejected('the chain client cannot locate sectors (StateSectorPartition)')
      if ((await ctx.chain.sectorInfo(id.miner, id.number)) === null)
        return rejected('sector is not active on chain')
      const head = await ctx.chain.head()
      await ctx.store.restoreSector(id, (s) => ({
        ...s,
        termination: { messageUid: null, terminatedAt: 0, addedHeight: head.height },
      }))
      await ctx.store.updateSector(id, () => undefined, { enqueue: 'terminate' })
      return ACCEPTED
    })
    if (res.result === SubmitResult.Accepted) {
      this.emit('termination:requested', { sector: id })
      await this.#runs
        .request(String(id.miner), true)
        .catch((err) => ctx.log.warn({ err, sector: sectorKey(id) }, 'termination left queued'))
    }
    return res
  }

  /** `PollTerminateSectorState`: the sector's termination, after checking its message. */
  async state(id: SectorId): Promise<SectorTermination> {
    const ctx = this.#ctx
    const got = await ctx.store.getSector(id)
    if (got === undefined) {
      throw new VenusError('SECTOR_NOT_FOUND', `sector state not found: ${sectorKey(id)}`)
    }
    if (got.online && got.state.termination?.messageUid) await this.#check(got.state)
    const now = (await ctx.store.getSector(id))?.state.termination
    return now ?? { messageUid: null, terminatedAt: 0, addedHeight: 0 }
  }

  /** Sends the miner's queued terminations whose deadlines are mutable now, one message. */
  async #process(miner: number): Promise<void> {
    const ctx = this.#ctx
    const m = ctx.miner(miner)
    const locate = ctx.chain.sectorPartition?.bind(ctx.chain)
    if (!m || !locate || !ctx.chain.provingDeadline) return
    const queued = await ctx.store.listQueue('terminate', miner)
    if (queued.length === 0) return
    const [dl, head, p] = await Promise.all([
      ctx.chain.provingDeadline(miner),
      ctx.chain.head(),
      ctx.networkParams(),
    ])
    const groups = new Map<string, { deadline: number; partition: number; sectors: number[] }>()
    for (const q of [...queued].sort((a, b) => a.number - b.number)) {
      const id = { miner, number: q.number }
      const loc = await locate(miner, q.number)
      if (loc === null) {
        // Not live any more (expired or terminated elsewhere): nothing to send.
        await ctx.store.finalizeSector(id, (s) => ({ ...s, termination: terminated(s, head.height) }))
        this.emit('termination:landed', { sector: id, uid: null, height: head.height })
        continue
      }
      // The actor refuses terminations in the current and the next deadline.
      if (loc.deadline === dl.index || loc.deadline === (dl.index + 1) % dl.deadlines) continue
      const key = `${loc.deadline}/${loc.partition}`
      const g = groups.get(key) ?? { ...loc, sectors: [] }
      g.sectors.push(q.number)
      groups.set(key, g)
    }
    if (groups.size === 0) return
    const entries = [...groups.values()]
    const included = entries.flatMap((e) => e.sectors)
    const prove = m.commitment.prove
    const spec: ManagerSendSpec = {
      gasOverEstimation: prove.gasOverEstimation,
      maxFeeCap: prove.maxFeeCap ?? 0n,
      maxFee: prove.perSectorMaxFee * BigInt(included.length),
    }
    // Terminations go from a prove-commit sender (the richest, when several are named).
    const sender = await chooseSender(
      ctx.chain,
      prove.senders.length > 0 ? prove.senders : [prove.sender ?? ''],
      spec.maxFee,
    )
    const message: ManagerMessage = {
      from: sender?.address ?? '',
      to: `${p.addressPrefix}0${miner}`,
      method: MinerMethod.TerminateSectors,
      params: encodeTerminateSectors({ entries }),
      value: 0n,
    }
    const claimed = await this.#outbox.claim({
      kind: 'terminate',
      miner,
      sectors: included,
      message,
      spec,
      mark: (uid) => (s) => ({
        ...s,
        termination: { ...(s.termination as SectorTermination), messageUid: uid },
      }),
    })
    if (claimed === undefined) return
    this.#seen = true
    ctx.log.info({ uid: claimed.uid, miner, sectors: included }, 'terminate message claimed')
    this.emit('termination:sent', { miner, uid: claimed.uid, sectors: included })
    await this.#outbox.push(claimed)
  }

  /** Settles one sector's claimed termination once its message landed (or failed). */
  async #check(s: ManagedSector): Promise<void> {
    const ctx = this.#ctx
    const uid = s.termination?.messageUid
    if (uid === undefined || uid === null) return
    const m = ctx.miner(s.id.miner)
    const st = await ctx.messager.getMessageByUid(uid)
    const failed = st.state === 'failed' || (st.state === 'onchain' && (st.receipt?.exitCode ?? 0) !== 0)
    if (failed) {
      ctx.log.error(
        { uid, sector: sectorKey(s.id), error: st.error, receipt: st.receipt?.exitCode },
        'termination failed',
      )
      // Back offline without termination bookkeeping, so the termination may be requested again.
      await ctx.store.finalizeSector(s.id, ({ termination: _t, ...rest }) => rest)
      this.emit('termination:failed', {
        sector: s.id,
        uid,
        error: st.error ?? `exit code ${st.receipt?.exitCode ?? '?'}`,
      })
      return
    }
    if (st.state !== 'onchain' || st.confidence < (m?.commitment.confidence ?? 0)) return
    const head = await ctx.chain.head()
    await ctx.store.finalizeSector(s.id, (x) => ({ ...x, termination: terminated(x, head.height) }))
    ctx.log.info({ uid, sector: sectorKey(s.id) }, 'sector terminated')
    this.emit('termination:landed', { sector: s.id, uid, height: head.height })
  }

  /**
   * Re-queues terminations that were accepted but whose queue entry was lost between the two
   * commits of {@link TerminationQueue.request} (a crash right after the record came back online).
   */
  async #repair(): Promise<void> {
    const ctx = this.#ctx
    const queued = new Set((await ctx.store.listQueue('terminate')).map((q) => `${q.miner}/${q.number}`))
    for await (const s of onlinePages(ctx.store)) {
      const t = s.termination
      if (!t || t.messageUid !== null || queued.has(`${s.id.miner}/${s.id.number}`)) continue
      await ctx.store.updateSector(s.id, () => undefined, { enqueue: 'terminate' })
    }
  }

  /** Checks every online sector with a claimed termination. */
  async #checkAll(): Promise<void> {
    if (this.#seen === false) return
    let any = false
    for await (const s of onlinePages(this.#ctx.store)) {
      if (!s.termination) continue
      any = true
      if (s.termination.messageUid) await this.#check(s)
    }
    if (!any) this.#seen = false
  }
}

function terminated(s: ManagedSector, height: number): SectorTermination {
  return { ...(s.termination as SectorTermination), terminatedAt: height }
}
