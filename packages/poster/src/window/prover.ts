/**
 * Proving one deadline: the challenge randomness, the partitions to prove in batches of up to
 * `maxPartitionsPerPoStMessage`, sector checks first, then the proof of each batch, computed
 * through a {@link WindowPoStComputer} (the local proofs backend, or PoSt workers behind a job
 * queue) and verified before it is kept.
 */
import {
  type ChainClient,
  DomainSeparationTag,
  type LotusDeadlineInfo,
  type LotusSectorOnChainInfo,
  type LotusTipSet,
  type PrivateReplicaInfo,
  type ProofsBackend,
  postRandomness,
  runsToNumbers,
  VenusError,
  type WindowPoStRequest,
  type WindowPoStResult,
} from '@venus-cluster/core'
import { PROVER_FAULTY, sectorRepairAction } from '../check.js'
import type { WindowPoStConfig } from '../config.js'
import type { SectorLocator } from '../locator.js'
import { sleep } from '../sleep.js'
import { chunk, errMsg } from '../util.js'
import { nextDeadlineInfo, partitionToProve } from './deadlines.js'
import { checkChainSectors, commROf, isUpdated, sectorInfos } from './miner.js'
import type { Batch, DeadlineJob, Emit, MinerIdentity } from './types.js'

/**
 * Proof attempts of one batch at most (sectors found faulty, an invalid proof, or a failed
 * computation start another); the window's close ends them earlier.
 */
const MAX_BATCH_ATTEMPTS = 50

/** One batch of a deadline to prove: what a PoSt worker needs to compute its proof. */
export interface WindowPoStJob extends WindowPoStRequest {
  miner: string
  deadline: number
  open: number
  batch: number
  /** Partition indexes of the batch. */
  partitions: number[]
}

/**
 * Computes the proof of one batch. {@link localWindowPoSt} runs it on the proofs backend in this
 * process; a job queue may hand it to PoSt workers instead. A non-empty `faultySectors` means no
 * proof: the prover skips those sectors and asks again.
 */
export type WindowPoStComputer = (
  job: WindowPoStJob,
  opts: { signal: AbortSignal },
) => Promise<WindowPoStResult>

/**
 * Computes WindowPoSt with a proofs backend in this process.
 *
 * @example
 * ```ts
 * new WindowPoStScheduler({ ...opts, compute: localWindowPoSt(nativeProofs()) })
 * ```
 */
export function localWindowPoSt(proofs: Pick<ProofsBackend, 'generateWindowPoSt'>): WindowPoStComputer {
  return (job, opts) =>
    proofs.generateWindowPoSt(
      { randomness: job.randomness, proverId: job.proverId, replicas: job.replicas },
      { signal: opts.signal },
    )
}

/** What `WindowPoStScheduler.simulate` proves beyond the defaults. */
export interface SimulateOptions {
  /** Only these partitions of the deadline (default: all). */
  partitions?: number[] | undefined
  /** Prove faulty sectors too, as if they had been recovered (default: skip them). */
  includeFaulty?: boolean | undefined
}

/** What `WindowPoStScheduler.simulate` reports. */
export interface SimulateResult {
  deadline: number
  open: number
  challengeEpoch: number
  batches: { partitions: { index: number; skipped: number[] }[]; sectors: number; proofBytes: number }[]
  ms: number
}

/** What the prover needs. */
export interface ProverComponents {
  miner: string
  chain: Pick<
    ChainClient,
    | 'chainHead'
    | 'stateGetRandomnessFromBeacon'
    | 'stateMinerPartitions'
    | 'stateMinerProvingDeadline'
    | 'stateMinerSectors'
  >
  /** Sector checks and the verification of each proof. */
  proofs: ProofsBackend
  compute: WindowPoStComputer
  locate: SectorLocator
  config: WindowPoStConfig
  identity(): MinerIdentity
  emit: Emit
}

/** Proves deadlines of one miner (see the module comment). */
export class DeadlineProver {
  readonly #c: ProverComponents

  constructor(components: ProverComponents) {
    this.#c = components
  }

  /**
   * Proves `job`'s deadline at `ts`; leaves `job` `proved` with its batches (or `done` when
   * there is nothing to prove). Throws when proving failed; the scheduler tries again later.
   */
  async prove(job: DeadlineJob, ts: LotusTipSet): Promise<void> {
    const d = job.di
    const signal = job.controller.signal
    const { rawRand, batches } = await this.#proveDeadline(d, ts, d.Challenge, signal)
    if (signal.aborted) return
    // A reorg may have replaced the challenge: prove again rather than send a stale proof.
    const again = await this.#c.chain.stateGetRandomnessFromBeacon(
      DomainSeparationTag.WindowedPoStChallengeSeed,
      d.Challenge,
      this.#c.identity().entropy,
    )
    if (Buffer.compare(Buffer.from(again), Buffer.from(rawRand)) !== 0) {
      throw new VenusError(
        'RANDOMNESS_INVALID',
        `challenge randomness of deadline ${d.Index} changed while proving`,
      )
    }
    job.batches = batches.filter((b): b is Batch => b !== undefined)
    job.state = job.batches.length === 0 ? 'done' : 'proved'
    if (job.state === 'done') {
      this.#c.emit({
        type: 'deadline-proven',
        miner: this.#c.miner,
        deadline: d.Index,
        open: d.Open,
        height: ts.Height,
      })
    }
  }

  /** See `WindowPoStScheduler.simulate`. */
  async simulate(
    index?: number,
    opts: SimulateOptions & { signal?: AbortSignal } = {},
  ): Promise<SimulateResult> {
    const started = performance.now()
    const head = await this.#c.chain.chainHead()
    let d = await this.#c.chain.stateMinerProvingDeadline(this.#c.miner, head.Cids)
    if (index !== undefined) {
      if (!Number.isInteger(index) || index < 0 || index >= d.WPoStPeriodDeadlines)
        throw new VenusError(
          'INVALID_ARGUMENT',
          `deadline index ${index} is not in [0, ${d.WPoStPeriodDeadlines})`,
        )
      while (d.Index !== index) d = nextDeadlineInfo(d)
    }
    const challengeEpoch = Math.min(d.Challenge, head.Height)
    const { batches } = await this.#proveDeadline(
      d,
      head,
      challengeEpoch,
      opts.signal ?? new AbortController().signal,
      opts,
    )
    return {
      deadline: d.Index,
      open: d.Open,
      challengeEpoch,
      batches: batches
        .filter((b): b is Batch => b !== undefined)
        .map((b) => ({
          partitions: b.partitions,
          sectors: b.sectors.length,
          proofBytes: b.proofs.reduce((n, p) => n + p.proofBytes.length, 0),
        })),
      ms: performance.now() - started,
    }
  }

  /** Proves all partitions of `d` with the challenge randomness drawn at `challengeEpoch`. */
  async #proveDeadline(
    d: LotusDeadlineInfo,
    ts: LotusTipSet,
    challengeEpoch: number,
    signal: AbortSignal,
    only: SimulateOptions = {},
  ): Promise<{ rawRand: Uint8Array; batches: (Batch | undefined)[] }> {
    const { chain, miner, config } = this.#c
    const rawRand = await chain.stateGetRandomnessFromBeacon(
      DomainSeparationTag.WindowedPoStChallengeSeed,
      challengeEpoch,
      this.#c.identity().entropy,
      ts.Cids,
    )
    const randomness = postRandomness(rawRand)
    const parts = await chain.stateMinerPartitions(miner, d.Index, ts.Cids)
    for (const i of only.partitions ?? [])
      if (i >= parts.length)
        throw new VenusError(
          'INVALID_ARGUMENT',
          `deadline ${d.Index} has ${parts.length} partition(s); there is no partition ${i}`,
        )
    const nonEmpty = parts
      .map((p, index) => ({
        index,
        sectors: only.includeFaulty ? runsToNumbers(p.LiveSectors) : partitionToProve(p),
      }))
      .filter((p) => p.sectors.length > 0 && (only.partitions?.includes(p.index) ?? true))
    const perMsg = Math.max(1, Math.min(config.maxPartitionsPerPoStMessage, 3))
    const groups = chunk(nonEmpty, perMsg)
    const infos = await sectorInfos(
      chain,
      miner,
      ts,
      nonEmpty.flatMap((p) => p.sectors),
    )
    // Batches are proven in parallel; the computer decides how much really runs at once.
    const batches = await Promise.all(
      groups.map((g, i) => this.#proveBatch(d, i, g, infos, randomness, signal)),
    )
    return { rawRand, batches }
  }

  async #proveBatch(
    d: LotusDeadlineInfo,
    batchIndex: number,
    group: { index: number; sectors: number[] }[],
    infos: Map<number, LotusSectorOnChainInfo>,
    randomness: Uint8Array,
    signal: AbortSignal,
  ): Promise<Batch | undefined> {
    const { miner, emit } = this.#c
    const id = this.#c.identity()
    const started = performance.now()
    const sectorList = group.flatMap((p) => p.sectors).filter((n) => infos.has(n))
    const bad = await checkChainSectors(
      this.#c,
      sectorList.map((n) => infos.get(n)!),
      randomness,
      signal,
    )
    const skipped = new Set<number>(bad.keys())
    for (const p of group) for (const n of p.sectors) if (!infos.has(n)) skipped.add(n)
    if (bad.size > 0) {
      emit({
        type: 'sectors-skipped',
        miner,
        deadline: d.Index,
        open: d.Open,
        sectors: [...bad].map(([sectorNumber, reason]) => ({
          sectorNumber,
          reason,
          action: sectorRepairAction(reason).action,
        })),
      })
    }
    let failures = 0
    for (let attempt = 0; attempt < MAX_BATCH_ATTEMPTS; attempt++) {
      if (signal.aborted) return undefined
      const good = sectorList.filter((n) => !skipped.has(n)).sort((a, b) => a - b)
      if (good.length === 0) return undefined
      const replicas: PrivateReplicaInfo[] = []
      for (const n of good) {
        const files = await this.#c.locate(id.minerId, n, { updated: isUpdated(infos.get(n)!) })
        if (!files) {
          skipped.add(n)
          continue
        }
        replicas.push({
          postProofType: id.postProofType,
          sectorNumber: n,
          commR: commROf(infos.get(n)!),
          ...files,
        })
      }
      if (replicas.length !== good.length) continue
      let res: WindowPoStResult
      try {
        res = await this.#c.compute(
          {
            miner,
            deadline: d.Index,
            open: d.Open,
            batch: batchIndex,
            partitions: group.map((p) => p.index),
            randomness,
            proverId: id.proverId,
            replicas,
          },
          { signal },
        )
      } catch (e) {
        if (signal.aborted) return undefined
        failures++
        emit({
          type: 'error',
          miner,
          deadline: d.Index,
          open: d.Open,
          message: `batch ${batchIndex}: proof computation failed (${failures} in a row): ${errMsg(e)}`,
        })
        if (failures >= this.#c.config.computeRetriesBeforeSkip) {
          // Whatever failed, sectors that cannot give a vanilla proof are skipped (and turn
          // faulty) rather than the whole deadline missed.
          const unreadable = await checkChainSectors(
            { ...this.#c, config: { ...this.#c.config, strictCheck: true } },
            good.map((n) => infos.get(n)!),
            randomness,
            signal,
          )
          if (unreadable.size > 0) {
            for (const n of unreadable.keys()) skipped.add(n)
            failures = 0
            emit({
              type: 'sectors-skipped',
              miner,
              deadline: d.Index,
              open: d.Open,
              sectors: [...unreadable].map(([sectorNumber, reason]) => ({
                sectorNumber,
                reason: `unreadable after failed proofs: ${reason}`,
                action: sectorRepairAction(reason).action,
              })),
            })
            continue
          }
        }
        await sleep(Math.min(this.#c.config.retryDelayMs, 5000), signal)
        continue
      }
      if (res.faultySectors.length > 0) {
        for (const n of res.faultySectors) skipped.add(n)
        emit({
          type: 'sectors-skipped',
          miner,
          deadline: d.Index,
          open: d.Open,
          sectors: res.faultySectors.map((sectorNumber) => ({
            sectorNumber,
            reason: PROVER_FAULTY,
            action: sectorRepairAction(PROVER_FAULTY).action,
          })),
        })
        continue
      }
      const ok = await this.#c.proofs.verifyWindowPoSt({
        randomness,
        proverId: id.proverId,
        proofs: res.proofs,
        replicas: replicas.map((r) => ({ sectorNumber: r.sectorNumber, commR: r.commR })),
      })
      if (!ok) {
        emit({ type: 'proof-invalid', miner, deadline: d.Index, open: d.Open, batch: batchIndex })
        await sleep(Math.min(this.#c.config.retryDelayMs, 5000), signal)
        continue
      }
      const partitions = group.map((p) => ({
        index: p.index,
        skipped: p.sectors.filter((n) => skipped.has(n)),
      }))
      emit({
        type: 'proof-generated',
        miner,
        deadline: d.Index,
        open: d.Open,
        batch: batchIndex,
        partitions: partitions.map((p) => p.index),
        sectors: good.length,
        ms: performance.now() - started,
      })
      return { index: batchIndex, partitions, proofs: res.proofs, sectors: good, attempts: 0 }
    }
    throw new VenusError(
      'POST_FAILED',
      `deadline ${d.Index} batch ${batchIndex}: no valid proof after ${MAX_BATCH_ATTEMPTS} attempts`,
    )
  }
}
