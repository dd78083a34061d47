/**
 * Submitting a proven deadline and following its messages: `SubmitWindowedPoSt` per batch from
 * `Open + submitConfidence`, each message looked up on every head until it is buried by
 * `confidence` epochs, sent again when it failed or vanished while the window is open, and never
 * sent for partitions another message already proved. Every send is fenced by the deadline's
 * lease.
 */
import {
  type ChainClient,
  DomainSeparationTag,
  encodeSubmitWindowedPoSt,
  type LotusTipSet,
  MinerMethod,
  runsToNumbers,
} from '@venus-cluster/core'
import type { WindowPoStConfig } from '../config.js'
import type { PoStLookup, PoStMessageStatus, PoStSender } from '../messages.js'
import { errMsg } from '../util.js'
import type { DeadlineLeases } from './leases.js'
import type { Batch, DeadlineJob, Emit, MinerIdentity } from './types.js'

/** Epochs a pushed message may stay unseen before it is pushed again. */
export const RESUBMIT_AFTER_EPOCHS = 5

/** Sends of one batch's proof while its window is open. */
const MAX_SUBMIT_ATTEMPTS = 5

/** What the submitter needs. */
export interface SubmitterComponents {
  miner: string
  chain: Pick<ChainClient, 'chainGetTipSetByHeight' | 'stateGetRandomnessFromTickets' | 'stateMinerDeadlines'>
  send: PoStSender
  lookup: PoStLookup
  leases: DeadlineLeases
  config: WindowPoStConfig
  identity(): MinerIdentity
  /** The address the next message goes from (the richest of the configured senders). */
  sender(): Promise<string>
  emit: Emit
}

/** Submits and follows the proofs of one miner's deadlines (see the module comment). */
export class DeadlineSubmitter {
  readonly #c: SubmitterComponents

  constructor(components: SubmitterComponents) {
    this.#c = components
  }

  /** Sends what is due and follows what was sent; marks `job` `done` once every batch landed. */
  async submit(job: DeadlineJob, ts: LotusTipSet): Promise<void> {
    const { chain, miner, config, emit } = this.#c
    const d = job.di
    const signal = job.controller.signal
    const h = ts.Height
    const dls = await chain.stateMinerDeadlines(miner, ts.Cids)
    const posted = new Set(runsToNumbers(dls[d.Index]?.PostSubmissions))
    // Partitions already posted `confidence` epochs back: their proofs are buried, whoever sent them.
    let buried: Set<number> | undefined
    const postedAndBuried = async (b: Batch): Promise<boolean> => {
      const at = h - config.confidence
      if (at < d.Open) return false
      if (buried === undefined) {
        const old = await chain.chainGetTipSetByHeight(at, ts.Cids)
        const olds = await chain.stateMinerDeadlines(miner, old.Cids)
        buried = new Set(runsToNumbers(olds[d.Index]?.PostSubmissions))
      }
      const set = buried
      return b.partitions.every((p) => set.has(p.index))
    }
    const fail = (message: string) =>
      emit({ type: 'error', miner, deadline: d.Index, open: d.Open, message: `submit: ${message}` })
    for (const b of job.batches) {
      if (b.landed) continue
      const byOthers = b.partitions.every((p) => posted.has(p.index))
      if (b.cid !== undefined) {
        let found: PoStMessageStatus
        try {
          found = await this.#c.lookup(b.cid, { signal })
        } catch (e) {
          if (signal.aborted) return
          // Unknown to the node or messager, or it is unreachable: counted as not on chain, so
          // it is sent again after a while unless the partitions show up as posted.
          fail(`looking up ${b.cid}: ${errMsg(e)}`)
          found = null
        }
        if (found !== null && 'failed' in found) {
          fail(`message ${b.cid} failed: ${found.failed}`)
          await this.#forget(job, b)
          b.seenAt = undefined
          job.nextTryAt = Date.now() + config.retryDelayMs
        } else if (found) {
          if (b.seenAt !== found.height) {
            b.seenAt = found.height
            emit({
              type: 'landed',
              miner,
              deadline: d.Index,
              open: d.Open,
              batch: b.index,
              cid: b.cid,
              height: found.height,
              exitCode: found.exitCode,
              window: d.WPoStChallengeWindow,
            })
          }
          if (found.exitCode === 0) {
            // Not final until buried: a reorg may still drop it, and then it is sent again.
            if (h - found.height >= config.confidence) b.landed = true
            continue
          }
          await this.#forget(job, b)
          b.seenAt = undefined
          job.nextTryAt = Date.now() + config.retryDelayMs
        } else if (b.seenAt !== undefined) {
          // Seen on chain before and reverted since: the mempool normally includes it again.
          b.seenAt = undefined
          b.submittedAt = h
          continue
        } else if (h - (b.submittedAt ?? h) < RESUBMIT_AFTER_EPOCHS) {
          continue
        } else if (byOthers) {
          if (await postedAndBuried(b)) b.landed = true
          continue
        } else {
          await this.#forget(job, b)
        }
      }
      if (byOthers) {
        // Proven by another message (a resubmission, or a reorg replaying ours); it counts once
        // buried like our own, and until then nothing is sent twice.
        if (await postedAndBuried(b)) b.landed = true
        continue
      }
      if (Date.now() < job.nextTryAt) continue
      // Included at the next epoch at the earliest: from the window's last epoch on, too late.
      if (h + 1 >= d.Close) continue
      if (b.attempts >= MAX_SUBMIT_ATTEMPTS) continue
      if (!(await this.#stillHeld(job))) return
      b.attempts++
      const commitRand = await chain.stateGetRandomnessFromTickets(
        DomainSeparationTag.PoStChainCommit,
        d.Challenge,
        null,
        ts.Cids,
      )
      const params = encodeSubmitWindowedPoSt({
        deadline: d.Index,
        partitions: b.partitions,
        proofs: b.proofs,
        chainCommitEpoch: d.Challenge,
        chainCommitRand: commitRand,
      })
      try {
        // Fenced: the lease store records the send only while the lease is current, and the
        // lease is checked once more right before the push.
        const id = await this.#record(job, b)
        if (id === null || !(await this.#stillHeld(job))) return
        b.cid = await this.#c.send(
          {
            from: await this.#c.sender(),
            to: miner,
            method: MinerMethod.SubmitWindowedPoSt,
            params,
            maxFee: config.maxFee,
            gasFeeCap: config.gasFeeCap,
            expireEpoch: d.Close,
          },
          {
            signal,
            ...(job.lease ? { lease: job.lease } : {}),
            ...(id !== undefined ? { id } : {}),
          },
        )
        b.submissionId = id
        b.submittedAt = h
        emit({
          type: 'submitted',
          miner,
          deadline: d.Index,
          open: d.Open,
          batch: b.index,
          partitions: b.partitions.map((p) => p.index),
          cid: b.cid,
          height: h,
        })
      } catch (e) {
        job.nextTryAt = Date.now() + config.retryDelayMs
        fail(errMsg(e))
      }
    }
    if (job.batches.every((b) => b.landed) && job.state === 'proved') {
      job.state = 'done'
      emit({ type: 'deadline-proven', miner, deadline: d.Index, open: d.Open, height: h })
    }
  }

  /** Whether every batch's message executed successfully (checked when the window closes). */
  async allLanded(job: DeadlineJob, ts: LotusTipSet): Promise<boolean> {
    const { chain, miner } = this.#c
    let posted: Set<number> | undefined
    for (const b of job.batches) {
      if (b.landed) continue
      const found = b.cid === undefined ? null : await this.#c.lookup(b.cid, {}).catch(() => null)
      if (found !== null && !('failed' in found) && found.exitCode === 0) {
        b.landed = true
        continue
      }
      // Posted by another message (not yet buried when the window closed): proven all the same.
      // Read before the deadline's end-of-window cron clears its submissions.
      if (posted === undefined) {
        const dls = await chain
          .chainGetTipSetByHeight(job.di.Close - 2, ts.Cids)
          .then((last) => chain.stateMinerDeadlines(miner, last.Cids))
          .catch(() => [])
        posted = new Set(runsToNumbers(dls[job.di.Index]?.PostSubmissions))
      }
      const set = posted
      if (!b.partitions.every((p) => set.has(p.index))) return false
      b.landed = true
    }
    return true
  }

  /**
   * Records the send of `b` with the lease store, when it fences sends: the id to push under,
   * `undefined` when the store does not record sends, `null` when the lease is lost.
   */
  async #record(job: DeadlineJob, b: Batch): Promise<string | undefined | null> {
    const leases = this.#c.leases
    if (job.lease === undefined || leases.recordSubmission === undefined) return undefined
    const rec = await leases.recordSubmission(
      job.lease,
      { batch: b.index, partitions: b.partitions.map((p) => p.index) },
      { signal: job.controller.signal },
    )
    if (rec !== undefined) return rec.id
    this.#lost(job)
    return null
  }

  /** `b`'s message failed or vanished: it is sent again (under a new id) while the window is open. */
  async #forget(job: DeadlineJob, b: Batch): Promise<void> {
    const id = b.submissionId
    b.cid = undefined
    b.submissionId = undefined
    if (id === undefined || job.lease === undefined) return
    await this.#c.leases.submissionFailed?.(job.lease, id).catch((e) =>
      this.#c.emit({
        type: 'error',
        miner: this.#c.miner,
        deadline: job.di.Index,
        open: job.di.Open,
        message: `marking submission ${id} failed: ${errMsg(e)}`,
      }),
    )
  }

  #lost(job: DeadlineJob): void {
    job.state = 'elsewhere'
    job.controller.abort()
    this.#c.emit({ type: 'lease-lost', miner: this.#c.miner, deadline: job.di.Index, open: job.di.Open })
  }

  /**
   * Checks the job's lease right before a send. A lost lease ends the job here: it is handed
   * to whoever holds the lease now, and nothing more is sent for it from this poster.
   */
  async #stillHeld(job: DeadlineJob): Promise<boolean> {
    const lease = job.lease
    if (lease === undefined) return true
    if (await this.#c.leases.holds(lease, { signal: job.controller.signal })) return true
    this.#lost(job)
    return false
  }
}
