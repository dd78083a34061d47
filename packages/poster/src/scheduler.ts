import {
  type ChainClient,
  cidToCommitment,
  DomainSeparationTag,
  encodeDeclareFaults,
  encodeDeclareFaultsRecovered,
  encodeSubmitWindowedPoSt,
  type LotusDeadlineInfo,
  type LotusMessage,
  type LotusPartition,
  type LotusSectorOnChainInfo,
  type LotusTipSet,
  MinerMethod,
  numbersToRuns,
  type PrivateReplicaInfo,
  type ProofsBackend,
  postRandomness,
  proverId,
  randomnessEntropy,
  runsToNumbers,
  VenusError,
} from '@venus-cluster/core'
import { checkSectors } from './check.js'
import { type WindowPoStConfig, windowPoStConfig } from './config.js'
import type { WindowPoStEvent } from './events.js'
import type { SectorLocator } from './locator.js'
import { sleep } from './sleep.js'

/** A message the scheduler wants on chain. */
export interface PoStMessageRequest {
  from: string
  to: string
  method: number
  params: Uint8Array
  maxFee: bigint
  gasFeeCap: bigint
  /** Last epoch the message is of use (its window's close, the fault cutoff); 0: none. */
  expireEpoch?: number
}

/** Pushes a message and returns an id for it (the CID string, or a messager UID). */
export type PoStSender = (msg: PoStMessageRequest, opts: { signal?: AbortSignal }) => Promise<string>

/**
 * Where a sent message stands: `null` while it is not on chain (pending, or reverted), its
 * inclusion `height` and `exitCode` once it is, or `failed` when the sender gave it up (a
 * messager's FailedMsg); then the scheduler sends again while the window is open.
 */
export type PoStMessageStatus = { height: number; exitCode: number } | { failed: string } | null

/** Looks up a message by the id its {@link PoStSender} returned. */
export type PoStLookup = (id: string, opts: { signal?: AbortSignal }) => Promise<PoStMessageStatus>

/** Options of {@link WindowPoStScheduler}. */
export interface WindowPoStSchedulerOptions {
  /** Miner address (`t01000`). */
  miner: string
  chain: ChainClient
  proofs: ProofsBackend
  locate: SectorLocator
  config?: Partial<WindowPoStConfig>
  /** Defaults to `MpoolPushMessage` on `chain`. */
  send?: PoStSender
  /** Reads what `send` returned; defaults to `StateSearchMsg` on `chain` (ids are CIDs). */
  lookup?: PoStLookup
  onEvent?: (e: WindowPoStEvent) => void
  signal?: AbortSignal
}

interface Batch {
  index: number
  partitions: { index: number; skipped: number[] }[]
  proofs: { postProof: number; proofBytes: Uint8Array }[]
  /** Sectors actually proven (sorted). */
  sectors: number[]
  cid?: string | undefined
  /** Height at which `cid` was last seen on chain (a `landed` event went out for it). */
  seenAt?: number | undefined
  /** On chain, executed successfully and buried by `confidence` epochs. */
  landed?: boolean
  submittedAt?: number
  attempts: number
}

interface PendingDeclaration {
  key: string
  kind: 'faults' | 'recoveries'
  deadline: number
  cid: string
  sentAt: number
}

interface DeadlineJob {
  di: LotusDeadlineInfo
  controller: AbortController
  /** `error`: proving failed, tried again on a later head while the window is open. */
  state: 'proving' | 'proved' | 'done' | 'failed' | 'error'
  batches: Batch[]
  running?: Promise<void>
  submitting: boolean
  nextTryAt: number
}

/** Proving attempts of one deadline after errors (each on a later head). */
const MAX_PROVE_TRIES = 3

/** Epochs a pushed message may stay unseen before it is pushed again. */
const RESUBMIT_AFTER_EPOCHS = 5

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n))
  return out
}

function cidString(c: unknown): string {
  if (typeof c === 'string') return c
  if (c && typeof c === 'object' && '/' in c) return String((c as { '/': unknown })['/'])
  return String(c)
}

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** The unsigned message of a request; nonce and gas are left for the node or messager to fill. */
export function postLotusMessage(m: PoStMessageRequest): LotusMessage {
  return {
    Version: 0,
    To: m.to,
    From: m.from,
    Nonce: 0,
    Value: '0',
    GasLimit: 0,
    GasFeeCap: m.gasFeeCap.toString(),
    GasPremium: '0',
    Method: m.method,
    Params: Buffer.from(m.params).toString('base64'),
  }
}

/**
 * The default sender: `MpoolPushMessage` with the configured fee cap and `MaxFee`.
 *
 * @example
 * ```ts
 * const send = mpoolSender(chain)
 * ```
 */
export function mpoolSender(chain: ChainClient): PoStSender {
  return async (m, opts) => {
    const signed = await chain.mpoolPushMessage(
      postLotusMessage(m),
      { MaxFee: m.maxFee.toString() },
      opts.signal ? { signal: opts.signal } : undefined,
    )
    const cid = (signed as { CID?: unknown }).CID
    if (cid === undefined) throw new VenusError('MESSAGE_FAILED', 'MpoolPushMessage returned no CID')
    return cidString(cid)
  }
}

/**
 * The default lookup: `StateSearchMsg` by CID (the receipt's height and exit code).
 *
 * @example
 * ```ts
 * const lookup = chainLookup(chain)
 * const st = await lookup('bafy2bza...', {})
 * ```
 */
export function chainLookup(chain: ChainClient): PoStLookup {
  return async (id) => {
    const found = await chain.stateSearchMsg({ '/': id })
    return found ? { height: found.Height, exitCode: found.Receipt.ExitCode } : null
  }
}

/**
 * WindowPoSt for one miner: follows `ChainNotify`, proves each deadline once its challenge is
 * `challengeConfidence` epochs deep, checks sector files first (bad ones skipped), verifies the
 * proof, submits after `Open + submitConfidence`, retries while the window is open, declares
 * recoveries (and optionally faults) for deadline index + 2, and resets a deadline when a reorg
 * reverts below its `Open`.
 *
 * @example
 * ```ts
 * const s = new WindowPoStScheduler({ miner: 't01000', chain, proofs, locate: dirLocator('/store') })
 * s.onEvent = (e) => console.log(e.type)
 * await s.start()
 * // ...
 * await s.stop()
 * ```
 */
export class WindowPoStScheduler {
  readonly miner: string
  readonly config: WindowPoStConfig
  onEvent: ((e: WindowPoStEvent) => void) | undefined
  readonly #chain: ChainClient
  readonly #proofs: ProofsBackend
  readonly #locate: SectorLocator
  readonly #send: PoStSender
  readonly #lookup: PoStLookup
  readonly #jobs = new Map<number, DeadlineJob>()
  /** Proving attempts after errors, by deadline open epoch. */
  readonly #tries = new Map<number, number>()
  /** Declarations made (or under way), by target deadline, with the target's open epoch. */
  readonly #declaring = new Map<string, number>()
  /** Declarations sent and not yet buried by `confidence` epochs. */
  #declarations: PendingDeclaration[] = []
  #controller: AbortController | undefined
  #loop: Promise<void> | undefined
  #queue: Promise<void> = Promise.resolve()
  #pendingHead: LotusTipSet | undefined
  #pendingRevert = Number.POSITIVE_INFINITY
  #inflight = new Set<Promise<unknown>>()
  #minerId = 0
  #proverId: Uint8Array = new Uint8Array(32)
  #entropy: Uint8Array = new Uint8Array()
  #sender = ''
  #postProof = 0
  #ready = false
  #processed = -1
  #waiters: { height: number; resolve: () => void }[] = []

  constructor(opts: WindowPoStSchedulerOptions) {
    this.miner = opts.miner
    this.config = windowPoStConfig(opts.config)
    this.onEvent = opts.onEvent
    this.#chain = opts.chain
    this.#proofs = opts.proofs
    this.#locate = opts.locate
    this.#send = opts.send ?? mpoolSender(opts.chain)
    this.#lookup = opts.lookup ?? chainLookup(opts.chain)
    opts.signal?.addEventListener('abort', () => void this.stop(), { once: true })
  }

  /** Highest head height fully handled. */
  get processedHeight(): number {
    return this.#processed
  }

  /** Reads the miner info (fails when the miner is unknown) and subscribes to head changes. */
  async start(): Promise<void> {
    if (this.#controller) return
    await this.#init()
    const controller = new AbortController()
    this.#controller = controller
    this.#loop = this.#follow(controller.signal)
  }

  async #init(): Promise<void> {
    if (this.#ready) return
    const info = await this.#chain.stateMinerInfo(this.miner)
    const id = await this.#chain.stateLookupID(this.miner)
    this.#minerId = Number(id.slice(2))
    this.#proverId = proverId(this.#minerId)
    this.#entropy = randomnessEntropy(id)
    this.#postProof = info.WindowPoStProofType
    this.#sender = this.config.sender ?? info.Worker
    this.#ready = true
  }

  /** Stops following the chain and aborts running proofs. */
  async stop(): Promise<void> {
    const c = this.#controller
    if (!c) return
    this.#controller = undefined
    c.abort()
    for (const j of this.#jobs.values()) j.controller.abort()
    await this.#loop?.catch(() => {})
    await this.settled()
  }

  /**
   * Resolves when the head at `height` (default: any seen) has been handled and no proof,
   * submission or declaration is running. For tests and tools that mine by hand.
   */
  async settled(height = -1): Promise<void> {
    if (height > this.#processed && this.#controller) {
      await new Promise<void>((resolve) => this.#waiters.push({ height, resolve }))
    }
    for (;;) {
      await this.#queue
      if (this.#inflight.size === 0) return
      await Promise.allSettled([...this.#inflight])
    }
  }

  /** The jobs known, by deadline open epoch (for the CLI and tests). */
  deadlines(): { index: number; open: number; close: number; state: string; batches: number }[] {
    return [...this.#jobs.values()].map((j) => ({
      index: j.di.Index,
      open: j.di.Open,
      close: j.di.Close,
      state: j.state,
      batches: j.batches.length,
    }))
  }

  #emit(e: WindowPoStEvent): void {
    try {
      this.onEvent?.(e)
    } catch {
      // A listener's error must not stop proving.
    }
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p)
    void p.finally(() => this.#inflight.delete(p)).catch(() => {})
    return p
  }

  async #follow(signal: AbortSignal): Promise<void> {
    try {
      for await (const changes of this.#chain.chainNotify({ signal })) {
        let apply: LotusTipSet | undefined
        for (const c of changes) {
          if (c.Type === 'revert') this.#pendingRevert = Math.min(this.#pendingRevert, c.Val.Height)
          else if (!apply || c.Val.Height >= apply.Height) apply = c.Val
        }
        if (apply) this.#schedule(apply)
      }
    } catch (e) {
      if (!signal.aborted)
        this.#emit({ type: 'error', miner: this.miner, message: `ChainNotify: ${errMsg(e)}` })
    }
  }

  /** Coalesces heads: only the newest waiting head is handled. */
  #schedule(ts: LotusTipSet): void {
    const first = this.#pendingHead === undefined
    this.#pendingHead = ts
    if (!first) return
    this.#queue = this.#queue.then(async () => {
      const head = this.#pendingHead
      const revert = this.#pendingRevert
      this.#pendingHead = undefined
      this.#pendingRevert = Number.POSITIVE_INFINITY
      if (!head || !this.#controller) return
      try {
        await this.#onHead(head, revert)
      } catch (e) {
        this.#emit({ type: 'error', miner: this.miner, message: errMsg(e) })
      }
      this.#processed = head.Height
      this.#waiters = this.#waiters.filter((w) => {
        if (w.height <= head.Height) w.resolve()
        return w.height > head.Height
      })
    })
  }

  async #onHead(ts: LotusTipSet, revertHeight: number): Promise<void> {
    const h = ts.Height
    this.#emit({ type: 'head', miner: this.miner, height: h })
    if (Number.isFinite(revertHeight)) {
      for (const [open, job] of this.#jobs) {
        if (revertHeight < job.di.Open && h < job.di.Close + 1) {
          job.controller.abort()
          this.#jobs.delete(open)
          this.#emit({
            type: 'deadline-reset',
            miner: this.miner,
            deadline: job.di.Index,
            open,
            revertHeight,
          })
        }
      }
    }
    for (const [open, job] of this.#jobs) {
      if (h >= job.di.Close) {
        job.controller.abort()
        if (job.state === 'proved' && (await this.#allLanded(job, ts))) {
          job.state = 'done'
          this.#emit({ type: 'deadline-proven', miner: this.miner, deadline: job.di.Index, open, height: h })
        }
        if (job.state !== 'done' && job.state !== 'failed') {
          job.state = 'failed'
          this.#emit({
            type: 'deadline-missed',
            miner: this.miner,
            deadline: job.di.Index,
            open,
            reason: job.batches.some((b) => b.cid)
              ? 'proof did not land in time'
              : 'no proof submitted in time',
          })
        }
        if (h >= job.di.Close + job.di.WPoStProvingPeriod) {
          this.#jobs.delete(open)
          this.#tries.delete(open)
        }
      }
    }
    for (const [key, targetOpen] of this.#declaring) if (targetOpen < h) this.#declaring.delete(key)
    const di = await this.#chain.stateMinerProvingDeadline(this.miner, ts.Cids)
    await this.#watchDeclarations(h)
    if (h < di.PeriodStart) return
    const next = nextDeadlineInfo(di)
    // Declarations of a started deadline that failed or were dropped go out again.
    if (
      (this.config.declareRecoveries || this.config.declareFaults) &&
      this.#jobs.has(di.Open) &&
      !this.#declaring.has(declarationKey(di))
    ) {
      this.#startDeclarations(di, ts)
    }
    for (const [open, job] of this.#jobs) {
      const tries = this.#tries.get(open) ?? 0
      if (
        job.state === 'error' &&
        h < job.di.Close &&
        Date.now() >= job.nextTryAt &&
        tries < MAX_PROVE_TRIES
      ) {
        this.#tries.set(open, tries + 1)
        this.#jobs.delete(open)
      }
    }
    for (const d of [di, next]) {
      if (this.#jobs.has(d.Open)) continue
      if (h >= d.Challenge + this.config.challengeConfidence && h < d.Close) this.#startJob(d, ts)
    }
    for (const job of this.#jobs.values()) {
      if (job.state === 'proved' && !job.submitting) {
        if (
          h >= job.di.Open + this.config.submitConfidence &&
          h < job.di.Close &&
          Date.now() >= job.nextTryAt
        ) {
          job.submitting = true
          void this.#track(
            this.#submit(job, ts)
              .catch((e) => {
                if (!job.controller.signal.aborted)
                  this.#emit({
                    type: 'error',
                    miner: this.miner,
                    deadline: job.di.Index,
                    open: job.di.Open,
                    message: `submit: ${errMsg(e)}`,
                  })
              })
              .finally(() => {
                job.submitting = false
              }),
          )
        }
      }
    }
  }

  /** Whether every batch's message executed successfully (checked when the window closes). */
  async #allLanded(job: DeadlineJob, ts: LotusTipSet): Promise<boolean> {
    let posted: Set<number> | undefined
    for (const b of job.batches) {
      if (b.landed) continue
      const found = b.cid === undefined ? null : await this.#lookup(b.cid, {}).catch(() => null)
      if (found !== null && !('failed' in found) && found.exitCode === 0) {
        b.landed = true
        continue
      }
      // Posted by another message (not yet buried when the window closed): proven all the same.
      // Read before the deadline's end-of-window cron clears its submissions.
      if (posted === undefined) {
        const dls = await this.#chain
          .chainGetTipSetByHeight(job.di.Close - 2, ts.Cids)
          .then((last) => this.#chain.stateMinerDeadlines(this.miner, last.Cids))
          .catch(() => [])
        posted = new Set(runsToNumbers(dls[job.di.Index]?.PostSubmissions))
      }
      const set = posted
      if (!b.partitions.every((p) => set.has(p.index))) return false
      b.landed = true
    }
    return true
  }

  #startJob(d: LotusDeadlineInfo, ts: LotusTipSet): void {
    const job: DeadlineJob = {
      di: d,
      controller: new AbortController(),
      state: 'proving',
      batches: [],
      submitting: false,
      nextTryAt: 0,
    }
    this.#jobs.set(d.Open, job)
    this.#emit({
      type: 'proving-started',
      miner: this.miner,
      deadline: d.Index,
      open: d.Open,
      height: ts.Height,
    })
    if (this.config.declareRecoveries || this.config.declareFaults) this.#startDeclarations(d, ts)
    job.running = this.#track(
      this.#prove(job, ts).catch((e) => {
        if (job.controller.signal.aborted) return
        job.state = 'error'
        job.nextTryAt = Date.now() + this.config.retryDelayMs
        this.#emit({ type: 'error', miner: this.miner, deadline: d.Index, open: d.Open, message: errMsg(e) })
      }),
    )
  }

  /** Sector infos of the given sector numbers at `ts`. */
  async #sectorInfos(ts: LotusTipSet, numbers: number[]): Promise<Map<number, LotusSectorOnChainInfo>> {
    const out = new Map<number, LotusSectorOnChainInfo>()
    if (numbers.length === 0) return out
    for (const s of await this.#chain.stateMinerSectors(this.miner, numbersToRuns(numbers), ts.Cids)) {
      out.set(s.SectorNumber, s)
    }
    return out
  }

  async #check(infos: LotusSectorOnChainInfo[], randomness: Uint8Array, signal: AbortSignal) {
    const c = this.config
    return checkSectors(
      infos.map((s) => ({
        sectorNumber: s.SectorNumber,
        sealProof: s.SealProof,
        commR: cidToCommitment(cidString(s.SealedCID), 'commR').commitment,
      })),
      {
        minerId: this.#minerId,
        locate: this.#locate,
        proofs: this.#proofs,
        randomness,
        proverId: this.#proverId,
        strict: c.strictCheck,
        parallel: c.parallelCheckLimit,
        singleTimeoutMs: c.singleCheckTimeoutMs,
        totalTimeoutMs: c.partitionCheckTimeoutMs,
        signal,
      },
    )
  }

  /** Proves all partitions of `d` with the challenge randomness drawn at `challengeEpoch`. */
  async #proveDeadline(
    d: LotusDeadlineInfo,
    ts: LotusTipSet,
    challengeEpoch: number,
    signal: AbortSignal,
    only: SimulateOptions = {},
  ): Promise<{ rawRand: Uint8Array; batches: (Batch | undefined)[] }> {
    const rawRand = await this.#chain.stateGetRandomnessFromBeacon(
      DomainSeparationTag.WindowedPoStChallengeSeed,
      challengeEpoch,
      this.#entropy,
      ts.Cids,
    )
    const randomness = postRandomness(rawRand)
    const parts = await this.#chain.stateMinerPartitions(this.miner, d.Index, ts.Cids)
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
    const perMsg = Math.max(1, Math.min(this.config.maxPartitionsPerPoStMessage, 3))
    const groups = chunk(nonEmpty, perMsg)
    const infos = await this.#sectorInfos(
      ts,
      nonEmpty.flatMap((p) => p.sectors),
    )
    // Batches are proven in parallel; the proofs backend decides how much really runs at once.
    const batches = await Promise.all(
      groups.map((g, i) => this.#proveBatch(d, i, g, infos, randomness, signal)),
    )
    return { rawRand, batches }
  }

  /**
   * Generates (and verifies) the WindowPoSt of deadline `index` (default: the current one) at the
   * head without sending anything (`simulate-wdpost`). A deadline whose challenge is still ahead
   * uses the randomness of the head epoch.
   *
   * @example
   * ```ts
   * const r = await scheduler.simulate(3)
   * console.log(r.batches.map((b) => b.partitions))
   * ```
   */
  async simulate(
    index?: number,
    opts: SimulateOptions & { signal?: AbortSignal } = {},
  ): Promise<{
    deadline: number
    open: number
    challengeEpoch: number
    batches: { partitions: { index: number; skipped: number[] }[]; sectors: number; proofBytes: number }[]
    ms: number
  }> {
    await this.#init()
    const started = performance.now()
    const head = await this.#chain.chainHead()
    let d = await this.#chain.stateMinerProvingDeadline(this.miner, head.Cids)
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

  async #prove(job: DeadlineJob, ts: LotusTipSet): Promise<void> {
    const d = job.di
    const signal = job.controller.signal
    const { rawRand, batches } = await this.#proveDeadline(d, ts, d.Challenge, signal)
    if (signal.aborted) return
    // A reorg may have replaced the challenge: prove again rather than send a stale proof.
    const again = await this.#chain.stateGetRandomnessFromBeacon(
      DomainSeparationTag.WindowedPoStChallengeSeed,
      d.Challenge,
      this.#entropy,
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
      this.#emit({
        type: 'deadline-proven',
        miner: this.miner,
        deadline: d.Index,
        open: d.Open,
        height: ts.Height,
      })
    }
  }

  async #proveBatch(
    d: LotusDeadlineInfo,
    batchIndex: number,
    group: { index: number; sectors: number[] }[],
    infos: Map<number, LotusSectorOnChainInfo>,
    randomness: Uint8Array,
    signal: AbortSignal,
  ): Promise<Batch | undefined> {
    const started = performance.now()
    const sectorList = group.flatMap((p) => p.sectors).filter((n) => infos.has(n))
    const bad = await this.#check(
      sectorList.map((n) => infos.get(n)!),
      randomness,
      signal,
    )
    const skipped = new Set<number>(bad.keys())
    for (const p of group) for (const n of p.sectors) if (!infos.has(n)) skipped.add(n)
    if (bad.size > 0) {
      this.#emit({
        type: 'sectors-skipped',
        miner: this.miner,
        deadline: d.Index,
        open: d.Open,
        sectors: [...bad].map(([sectorNumber, reason]) => ({ sectorNumber, reason })),
      })
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      if (signal.aborted) return undefined
      const good = sectorList.filter((n) => !skipped.has(n)).sort((a, b) => a - b)
      if (good.length === 0) return undefined
      const replicas: PrivateReplicaInfo[] = []
      for (const n of good) {
        const files = await this.#locate(this.#minerId, n)
        if (!files) {
          skipped.add(n)
          continue
        }
        replicas.push({
          postProofType: this.#postProof,
          sectorNumber: n,
          commR: cidToCommitment(cidString(infos.get(n)!.SealedCID), 'commR').commitment,
          ...files,
        })
      }
      if (replicas.length !== good.length) continue
      const res = await this.#proofs.generateWindowPoSt(
        { randomness, proverId: this.#proverId, replicas },
        { signal },
      )
      if (res.faultySectors.length > 0) {
        for (const n of res.faultySectors) skipped.add(n)
        this.#emit({
          type: 'sectors-skipped',
          miner: this.miner,
          deadline: d.Index,
          open: d.Open,
          sectors: res.faultySectors.map((sectorNumber) => ({
            sectorNumber,
            reason: 'prover reported faulty',
          })),
        })
        continue
      }
      const ok = await this.#proofs.verifyWindowPoSt({
        randomness,
        proverId: this.#proverId,
        proofs: res.proofs,
        replicas: replicas.map((r) => ({ sectorNumber: r.sectorNumber, commR: r.commR })),
      })
      if (!ok) {
        this.#emit({
          type: 'proof-invalid',
          miner: this.miner,
          deadline: d.Index,
          open: d.Open,
          batch: batchIndex,
        })
        await sleep(Math.min(this.config.retryDelayMs, 5000), signal)
        continue
      }
      const partitions = group.map((p) => ({
        index: p.index,
        skipped: p.sectors.filter((n) => skipped.has(n)),
      }))
      this.#emit({
        type: 'proof-generated',
        miner: this.miner,
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
      `deadline ${d.Index} batch ${batchIndex}: no valid proof after 5 attempts`,
    )
  }

  async #submit(job: DeadlineJob, ts: LotusTipSet): Promise<void> {
    const d = job.di
    const signal = job.controller.signal
    const h = ts.Height
    const dls = await this.#chain.stateMinerDeadlines(this.miner, ts.Cids)
    const posted = new Set(runsToNumbers(dls[d.Index]?.PostSubmissions))
    // Partitions already posted `confidence` epochs back: their proofs are buried, whoever sent them.
    let buried: Set<number> | undefined
    const postedAndBuried = async (b: Batch): Promise<boolean> => {
      const at = h - this.config.confidence
      if (at < d.Open) return false
      if (buried === undefined) {
        const old = await this.#chain.chainGetTipSetByHeight(at, ts.Cids)
        const olds = await this.#chain.stateMinerDeadlines(this.miner, old.Cids)
        buried = new Set(runsToNumbers(olds[d.Index]?.PostSubmissions))
      }
      const set = buried
      return b.partitions.every((p) => set.has(p.index))
    }
    for (const b of job.batches) {
      if (b.landed) continue
      const byOthers = b.partitions.every((p) => posted.has(p.index))
      if (b.cid !== undefined) {
        let found: PoStMessageStatus
        try {
          found = await this.#lookup(b.cid, { signal })
        } catch (e) {
          if (signal.aborted) return
          // Unknown to the node or messager, or it is unreachable: counted as not on chain, so
          // it is sent again after a while unless the partitions show up as posted.
          this.#emit({
            type: 'error',
            miner: this.miner,
            deadline: d.Index,
            open: d.Open,
            message: `submit: looking up ${b.cid}: ${errMsg(e)}`,
          })
          found = null
        }
        if (found !== null && 'failed' in found) {
          this.#emit({
            type: 'error',
            miner: this.miner,
            deadline: d.Index,
            open: d.Open,
            message: `submit: message ${b.cid} failed: ${found.failed}`,
          })
          b.cid = undefined
          b.seenAt = undefined
          job.nextTryAt = Date.now() + this.config.retryDelayMs
        } else if (found) {
          if (b.seenAt !== found.height) {
            b.seenAt = found.height
            this.#emit({
              type: 'landed',
              miner: this.miner,
              deadline: d.Index,
              open: d.Open,
              batch: b.index,
              cid: b.cid,
              height: found.height,
              exitCode: found.exitCode,
            })
          }
          if (found.exitCode === 0) {
            // Not final until buried: a reorg may still drop it, and then it is sent again.
            if (h - found.height >= this.config.confidence) b.landed = true
            continue
          }
          b.cid = undefined
          b.seenAt = undefined
          job.nextTryAt = Date.now() + this.config.retryDelayMs
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
          b.cid = undefined
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
      if (b.attempts >= 5) continue
      b.attempts++
      const commitRand = await this.#chain.stateGetRandomnessFromTickets(
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
        b.cid = await this.#send(
          {
            from: this.#sender,
            to: this.miner,
            method: MinerMethod.SubmitWindowedPoSt,
            params,
            maxFee: this.config.maxFee,
            gasFeeCap: this.config.gasFeeCap,
            expireEpoch: d.Close,
          },
          { signal },
        )
        b.submittedAt = h
        this.#emit({
          type: 'submitted',
          miner: this.miner,
          deadline: d.Index,
          open: d.Open,
          batch: b.index,
          partitions: b.partitions.map((p) => p.index),
          cid: b.cid,
          height: h,
        })
      } catch (e) {
        job.nextTryAt = Date.now() + this.config.retryDelayMs
        this.#emit({
          type: 'error',
          miner: this.miner,
          deadline: d.Index,
          open: d.Open,
          message: `submit: ${errMsg(e)}`,
        })
      }
    }
    if (job.batches.every((b) => b.landed) && job.state === 'proved') {
      job.state = 'done'
      this.#emit({ type: 'deadline-proven', miner: this.miner, deadline: d.Index, open: d.Open, height: h })
    }
  }

  #startDeclarations(d: LotusDeadlineInfo, ts: LotusTipSet): void {
    void this.#track(
      this.#declare(d, ts).catch((e) => {
        // A later head of this deadline tries again (see #onHead).
        this.#declaring.delete(declarationKey(d))
        this.#emit({ type: 'error', miner: this.miner, message: `declarations: ${errMsg(e)}` })
      }),
    )
  }

  /**
   * Follows sent declarations until they are buried by `confidence` epochs. One that failed on
   * chain, or vanished (never included, or reverted and not included again), frees its
   * deadline so that the next head declares again from the chain's state.
   */
  async #watchDeclarations(h: number): Promise<void> {
    const keep: PendingDeclaration[] = []
    for (const p of this.#declarations) {
      if (!this.#declaring.has(p.key)) continue
      const found = await this.#lookup(p.cid, {}).catch(() => null)
      if (found !== null && !('failed' in found) && found.exitCode === 0) {
        if (h - found.height >= this.config.confidence) {
          this.#emit({
            type: 'declaration-landed',
            miner: this.miner,
            kind: p.kind,
            deadline: p.deadline,
            cid: p.cid,
            height: found.height,
          })
        } else keep.push(p)
      } else if (found) {
        this.#declaring.delete(p.key)
        this.#emit({
          type: 'error',
          miner: this.miner,
          message: `${p.kind} declaration ${p.cid} for deadline ${p.deadline} failed: ${'failed' in found ? found.failed : `exit code ${found.exitCode}`}`,
        })
      } else if (h - p.sentAt >= RESUBMIT_AFTER_EPOCHS) {
        this.#declaring.delete(p.key)
      } else keep.push(p)
    }
    this.#declarations = keep
  }

  /** Recoveries (and optionally faults) for deadline index + 2, before its fault cutoff. */
  async #declare(d: LotusDeadlineInfo, ts: LotusTipSet): Promise<void> {
    const target = (d.Index + 2) % d.WPoStPeriodDeadlines
    const targetOpen = d.Open + 2 * d.WPoStChallengeWindow
    const key = declarationKey(d)
    if (this.#declaring.has(key)) return
    this.#declaring.set(key, targetOpen)
    // Inclusion is at the next epoch at the earliest; leave one more for safety.
    if (ts.Height + 2 >= targetOpen - d.FaultDeclarationCutoff) return
    const parts = await this.#chain.stateMinerPartitions(this.miner, target, ts.Cids)
    const faultyNotRecovering: { index: number; sectors: number[] }[] = []
    const healthy: { index: number; sectors: number[] }[] = []
    parts.forEach((p, index) => {
      const faulty = new Set(runsToNumbers(p.FaultySectors))
      const recovering = new Set(runsToNumbers(p.RecoveringSectors))
      const live = runsToNumbers(p.LiveSectors)
      faultyNotRecovering.push({ index, sectors: live.filter((n) => faulty.has(n) && !recovering.has(n)) })
      healthy.push({ index, sectors: live.filter((n) => !faulty.has(n)) })
    })
    const candidates = [
      ...(this.config.declareRecoveries ? faultyNotRecovering : []),
      ...(this.config.declareFaults ? healthy : []),
    ].flatMap((p) => p.sectors)
    if (candidates.length === 0) return
    const infos = await this.#sectorInfos(ts, candidates)
    const rand = new Uint8Array(32)
    const bad = await this.#check(
      [...infos.values()],
      rand,
      this.#controller?.signal ?? new AbortController().signal,
    )
    const entries = (list: { index: number; sectors: number[] }[], wantBad: boolean) =>
      list
        .map((p) => ({
          deadline: target,
          partition: p.index,
          sectors: p.sectors.filter((n) => infos.has(n) && bad.has(n) === wantBad),
        }))
        .filter((e) => e.sectors.length > 0)
    const send = async (kind: 'faults' | 'recoveries', es: ReturnType<typeof entries>) => {
      const per =
        this.config.maxPartitionsPerRecoveryMessage > 0
          ? this.config.maxPartitionsPerRecoveryMessage
          : es.length
      for (const group of chunk(es, Math.max(1, per))) {
        const params =
          kind === 'faults'
            ? encodeDeclareFaults({ entries: group })
            : encodeDeclareFaultsRecovered({ entries: group })
        const cid = await this.#send(
          {
            from: this.#sender,
            to: this.miner,
            method: kind === 'faults' ? MinerMethod.DeclareFaults : MinerMethod.DeclareFaultsRecovered,
            params,
            maxFee: this.config.maxFee,
            gasFeeCap: this.config.gasFeeCap,
            expireEpoch: targetOpen - d.FaultDeclarationCutoff,
          },
          {},
        )
        this.#declarations.push({ key, kind, deadline: target, cid, sentAt: ts.Height })
        this.#emit({
          type: 'declared',
          miner: this.miner,
          kind,
          deadline: target,
          sectors: group.flatMap((e) => e.sectors),
          cid,
        })
      }
    }
    if (this.config.declareRecoveries) {
      const es = entries(faultyNotRecovering, false)
      if (es.length > 0) await send('recoveries', es)
    }
    if (this.config.declareFaults) {
      const es = entries(healthy, true)
      if (es.length > 0) await send('faults', es)
    }
  }
}

function declarationKey(d: LotusDeadlineInfo): string {
  return `${(d.Index + 2) % d.WPoStPeriodDeadlines}@${d.Open + 2 * d.WPoStChallengeWindow}`
}

/**
 * `(Live − Faulty) ∪ Recovering` of a partition, sorted: the sectors a WindowPoSt must cover.
 *
 * @example
 * ```ts
 * partitionToProve(await chain.stateMinerPartitions('t01000', 3)[0])
 * ```
 */
export function partitionToProve(p: LotusPartition): number[] {
  const faulty = new Set(runsToNumbers(p.FaultySectors))
  const out = new Set(runsToNumbers(p.LiveSectors).filter((n) => !faulty.has(n)))
  for (const n of runsToNumbers(p.RecoveringSectors)) out.add(n)
  return [...out].sort((a, b) => a - b)
}

/** What {@link WindowPoStScheduler.simulate} proves beyond the defaults. */
export interface SimulateOptions {
  /** Only these partitions of the deadline (default: all). */
  partitions?: number[] | undefined
  /** Prove faulty sectors too, as if they had been recovered (default: skip them). */
  includeFaulty?: boolean | undefined
}

/**
 * The deadline after `d`: index + 1, wrapping to 0 in the next proving period.
 *
 * @example
 * ```ts
 * nextDeadlineInfo(await chain.stateMinerProvingDeadline('t01000')).Index
 * ```
 */
export function nextDeadlineInfo(d: LotusDeadlineInfo): LotusDeadlineInfo {
  const wrap = d.Index + 1 >= d.WPoStPeriodDeadlines
  const index = wrap ? 0 : d.Index + 1
  const periodStart = wrap ? d.PeriodStart + d.WPoStProvingPeriod : d.PeriodStart
  const open = periodStart + index * d.WPoStChallengeWindow
  return {
    ...d,
    PeriodStart: periodStart,
    Index: index,
    Open: open,
    Close: open + d.WPoStChallengeWindow,
    Challenge: open - d.WPoStChallengeLookback,
    FaultCutoff: open - d.FaultDeclarationCutoff,
  }
}
