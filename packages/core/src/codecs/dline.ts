import { blake2b } from '@noble/hashes/blake2.js'
import { VenusError } from '../errors/index.js'
import { addressToBytes } from './address.js'
import { cborEncode } from './cbor.js'

/** The WindowPoSt constants the deadline arithmetic uses (identical on every network). */
export interface DeadlineParams {
  /** Deadlines per proving period (48). */
  periodDeadlines: number
  /** Epochs per proving period (2880). */
  provingPeriod: number
  /** Epochs a deadline window stays open (60). */
  challengeWindow: number
  /** Epochs before Open at which the challenge is drawn (20). */
  challengeLookback: number
  /** Epochs before Open by which faults must be declared (70). */
  faultDeclarationCutoff: number
}

/** The network constants of go-state-types `miner` (all networks). */
export const DEFAULT_DEADLINE_PARAMS: Readonly<DeadlineParams> = {
  periodDeadlines: 48,
  provingPeriod: 2880,
  challengeWindow: 60,
  challengeLookback: 20,
  faultDeclarationCutoff: 70,
}

/** go-state-types `dline.Info`: one deadline of one proving period, seen at `currentEpoch`. */
export interface DeadlineInfo {
  currentEpoch: number
  periodStart: number
  index: number
  open: number
  close: number
  challenge: number
  faultCutoff: number
  params: DeadlineParams
}

/**
 * `dline.NewInfo`: deadline `index` of the period starting at `periodStart`, at `currentEpoch`.
 * Index `periodDeadlines` means "after the last deadline".
 *
 * @example
 * ```ts
 * newDeadlineInfo(71, 0, 0).challenge // 51
 * ```
 */
export function newDeadlineInfo(
  periodStart: number,
  index: number,
  currentEpoch: number,
  params: DeadlineParams = DEFAULT_DEADLINE_PARAMS,
): DeadlineInfo {
  if (!Number.isSafeInteger(index) || index < 0 || index > params.periodDeadlines) {
    throw new VenusError(
      'DEADLINE_INVALID',
      `deadline index ${index} is outside 0 … ${params.periodDeadlines}`,
    )
  }
  if (index === params.periodDeadlines) {
    const after = periodStart + params.provingPeriod
    return {
      currentEpoch,
      periodStart,
      index,
      open: after,
      close: after,
      challenge: after,
      faultCutoff: 0,
      params,
    }
  }
  const open = periodStart + index * params.challengeWindow
  return {
    currentEpoch,
    periodStart,
    index,
    open,
    close: open + params.challengeWindow,
    challenge: open - params.challengeLookback,
    faultCutoff: open - params.faultDeclarationCutoff,
    params,
  }
}

/** Last epoch of the period (`PeriodEnd`). */
export const periodEnd = (d: DeadlineInfo) => d.periodStart + d.params.provingPeriod - 1
/** First epoch of the next period. */
export const nextPeriodStart = (d: DeadlineInfo) => d.periodStart + d.params.provingPeriod
/** Last epoch of the window (`Last`). */
export const lastEpoch = (d: DeadlineInfo) => d.close - 1
/** First epoch after the window (`NextOpen`). */
export const nextOpen = (d: DeadlineInfo) => d.close
/** Whether the window is open at `currentEpoch`. */
export const isOpen = (d: DeadlineInfo) => d.currentEpoch >= d.open && d.currentEpoch < d.close
/** Whether the window has closed. */
export const hasElapsed = (d: DeadlineInfo) => d.currentEpoch >= d.close
/** Whether faults for this deadline can no longer be declared. */
export const faultCutoffPassed = (d: DeadlineInfo) => d.currentEpoch >= d.faultCutoff
/** Whether the period has begun. */
export const periodStarted = (d: DeadlineInfo) => d.currentEpoch >= d.periodStart
/** Whether the whole period is over. */
export const periodElapsed = (d: DeadlineInfo) => d.currentEpoch >= nextPeriodStart(d)

/**
 * `NextNotElapsed`: the same deadline index moved forward to its next window that has not closed.
 *
 * @example
 * ```ts
 * nextNotElapsed(newDeadlineInfo(50000, 0, 50060)).periodStart // 52880
 * ```
 */
export function nextNotElapsed(d: DeadlineInfo): DeadlineInfo {
  if (!hasElapsed(d)) return d
  const p = d.params
  const cur = d.currentEpoch
  const off = mod(d.periodStart, p.provingPeriod)
  let ps = Math.floor(cur / p.provingPeriod) * p.provingPeriod + off
  while (ps > cur) ps -= p.provingPeriod
  if (cur >= ps + (d.index + 1) * p.challengeWindow) ps += p.provingPeriod
  return newDeadlineInfo(ps, d.index, cur, p)
}

/**
 * The deadline after `d` (index + 1, wrapping into the next period).
 *
 * @example
 * ```ts
 * nextDeadline(newDeadlineInfo(0, 47, 0)).index // 0
 * ```
 */
export function nextDeadline(d: DeadlineInfo): DeadlineInfo {
  const p = d.params
  return d.index + 1 >= p.periodDeadlines
    ? newDeadlineInfo(d.periodStart + p.provingPeriod, 0, d.currentEpoch, p)
    : newDeadlineInfo(d.periodStart, d.index + 1, d.currentEpoch, p)
}

/**
 * The greatest `k·unit + offset` that is ≤ `epoch` (go-state-types `QuantizeDown`).
 *
 * @example
 * ```ts
 * quantizeDown(100000, 2880, 1234) // 99154
 * ```
 */
export function quantizeDown(epoch: number, unit: number, offset: number): number {
  const off = mod(offset, unit)
  return epoch - mod(epoch - off, unit)
}

/**
 * The smallest `k·unit + offset` that is ≥ `epoch` (go-state-types `QuantSpec.QuantizeUp`), e.g.
 * the end of a deadline that an expiration is rounded to.
 *
 * @example
 * ```ts
 * quantizeUp(100, 60, 10) // 130
 * ```
 */
export function quantizeUp(epoch: number, unit: number, offset: number): number {
  const off = mod(offset, unit)
  const rem = mod(epoch - off, unit)
  return rem === 0 ? epoch : epoch - rem + unit
}

/**
 * The current deadline of a miner from its proving-period start seed (what the actor computes).
 *
 * @example
 * ```ts
 * currentDeadline(1234, 100000).index // 14
 * ```
 */
export function currentDeadline(
  provingPeriodStart: number,
  currentEpoch: number,
  params: DeadlineParams = DEFAULT_DEADLINE_PARAMS,
): DeadlineInfo {
  const ps = quantizeDown(currentEpoch, params.provingPeriod, provingPeriodStart)
  const index = Math.floor((currentEpoch - ps) / params.challengeWindow)
  return newDeadlineInfo(ps, index, currentEpoch, params)
}

/**
 * The proving-period offset of a new miner: the first 8 bytes (big-endian) of
 * `blake2b-256(cbor(miner ID address) ‖ i64be(creation epoch))`, modulo the proving period.
 *
 * @example
 * ```ts
 * provingPeriodOffset('f01000', 0) // a number in 0 … 2879
 * ```
 */
export function provingPeriodOffset(
  minerAddress: string,
  creationEpoch: number,
  provingPeriod = DEFAULT_DEADLINE_PARAMS.provingPeriod,
): number {
  const addr = cborEncode(addressToBytes(minerAddress))
  const buf = new Uint8Array(addr.length + 8)
  buf.set(addr)
  new DataView(buf.buffer).setBigInt64(addr.length, BigInt(creationEpoch))
  const digest = blake2b(buf, { dkLen: 32 })
  const head = new DataView(digest.buffer, digest.byteOffset).getBigUint64(0)
  return Number(head % BigInt(provingPeriod))
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m
}

/** WindowPoSt message limits of the miner actor (go-state-types policy), identical on every network. */
export const WINDOW_POST_LIMITS = {
  postedPartitionsMax: 3,
  addressedSectorsMax: 25000,
  maxPartitionsPerDeadline: 3000,
  disputeWindow: 1800,
  maxChainCommitAge: 60,
  faultMaxAge: 2880 * 42,
} as const

/**
 * How many partitions one SubmitWindowedPoSt may carry: `min(3, floor(25000 / sectorsPerPartition))`,
 * optionally capped lower by configuration.
 *
 * @example
 * ```ts
 * partitionsPerPoStMessage(2349) // 3
 * ```
 */
export function partitionsPerPoStMessage(
  windowPoStPartitionSectors: number,
  cap = Number.POSITIVE_INFINITY,
): number {
  if (!Number.isSafeInteger(windowPoStPartitionSectors) || windowPoStPartitionSectors <= 0) {
    throw new VenusError(
      'INVALID_ARGUMENT',
      `bad window PoSt partition sectors ${windowPoStPartitionSectors}`,
      {
        details: { windowPoStPartitionSectors },
      },
    )
  }
  const byActor = Math.min(
    WINDOW_POST_LIMITS.postedPartitionsMax,
    Math.floor(WINDOW_POST_LIMITS.addressedSectorsMax / windowPoStPartitionSectors),
  )
  return Math.max(1, Math.min(byActor, Math.floor(cap)))
}
