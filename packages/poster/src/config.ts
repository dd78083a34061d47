import { VenusError } from '@venus-cluster/core'

/**
 * Settings of one miner's WindowPoSt scheduler (damocles `[Miners.PoSt]`). Epoch counts are
 * epochs; times are milliseconds.
 */
export interface WindowPoStConfig {
  /** Epochs after the challenge epoch before proving starts (damocles 10, Lotus 1). */
  challengeConfidence: number
  /** Epochs after `Open` before the proof is submitted (Lotus/damocles 4). */
  submitConfidence: number
  /** Partitions per SubmitWindowedPoSt message (capped at the network's 3). */
  maxPartitionsPerPoStMessage: number
  /** Partitions per DeclareFaultsRecovered message. */
  maxPartitionsPerRecoveryMessage: number
  /** Sector file checks run at once. */
  parallelCheckLimit: number
  /** Longest one sector check may take before the sector counts as bad. */
  singleCheckTimeoutMs: number
  /** Longest the checks of one partition may take; sectors not checked by then count as bad. */
  partitionCheckTimeoutMs: number
  /** Also generate a vanilla proof per sector (reads the challenged leaves), not just file presence. */
  strictCheck: boolean
  /** Declare new faults for deadline index + 2 (Lotus does; damocles only before Ignition). */
  declareFaults: boolean
  /** Declare recoveries for deadline index + 2. */
  declareRecoveries: boolean
  /** `MaxFee` of each message's send spec, attoFIL (0 lets the node choose). */
  maxFee: bigint
  /** Fee cap written into messages, attoFIL (0 lets the node estimate). */
  gasFeeCap: bigint
  /**
   * Gas limit overestimation the messager applies to this miner's messages (damocles
   * `GasOverEstimation`; 0 leaves the messager's own). Only used when messages go through a
   * messager.
   */
  gasOverEstimation: number
  /**
   * Epochs a WindowPoSt, fault or recovery message must be buried before it counts as landed
   * (damocles `[Miners.PoSt] Confidence`). Until then the scheduler keeps watching it and sends
   * it again if a reorg drops it while the window is open.
   */
  confidence: number
  /** Sender of PoSt messages; defaults to the miner's worker. */
  sender?: string
  /** Several senders: each message goes from the one with the most funds (overrides `sender`). */
  senders?: string[]
  /** Wait between attempts after a failed proof or submission while the window is open. */
  retryDelayMs: number
  /**
   * Failed proof computations of a batch (any cause: a worker lost, a GPU error, a file that
   * reads wrong) before its sectors are checked strictly (a vanilla proof each) and the ones
   * that fail are skipped, so that the rest of the partition is still proven and only those turn
   * faulty. Computations are retried while the window is open either way.
   */
  computeRetriesBeforeSkip: number
}

/** Defaults of {@link WindowPoStConfig} (damocles v0.3+ values). */
export const DEFAULT_WINDOW_POST_CONFIG: Readonly<WindowPoStConfig> = Object.freeze({
  challengeConfidence: 10,
  submitConfidence: 4,
  confidence: 10,
  maxPartitionsPerPoStMessage: 3,
  maxPartitionsPerRecoveryMessage: 0,
  parallelCheckLimit: 128,
  singleCheckTimeoutMs: 10 * 60_000,
  partitionCheckTimeoutMs: 20 * 60_000,
  strictCheck: false,
  declareFaults: false,
  declareRecoveries: true,
  maxFee: 0n,
  gasFeeCap: 0n,
  gasOverEstimation: 0,
  retryDelayMs: 5_000,
  computeRetriesBeforeSkip: 2,
})

/**
 * Fills a partial config with the defaults.
 *
 * @example
 * ```ts
 * const cfg = windowPoStConfig({ challengeConfidence: 1, submitConfidence: 1 })
 * ```
 */
export function windowPoStConfig(partial: Partial<WindowPoStConfig> = {}): WindowPoStConfig {
  const out = { ...DEFAULT_WINDOW_POST_CONFIG }
  for (const [k, v] of Object.entries(partial)) {
    if (v === undefined) continue
    const bad = checkValue(k, v)
    if (bad !== undefined)
      throw new VenusError('CONFIG_INVALID_VALUE', `WindowPoSt config: ${k} ${bad}, got ${String(v)}`, {
        details: { key: k },
      })
    ;(out as Record<string, unknown>)[k] = v
  }
  return out
}

/** Keys whose value is a whole number (epochs, counts). */
const WHOLE = new Set([
  'challengeConfidence',
  'submitConfidence',
  'confidence',
  'maxPartitionsPerPoStMessage',
  'maxPartitionsPerRecoveryMessage',
  'parallelCheckLimit',
  'computeRetriesBeforeSkip',
])

/** What is wrong with `v` as the value of `k`, or undefined when nothing is. */
function checkValue(k: string, v: unknown): string | undefined {
  if (k === 'senders')
    return Array.isArray(v) && v.every((a) => typeof a === 'string')
      ? undefined
      : 'must be a list of addresses'
  if (!(k in DEFAULT_WINDOW_POST_CONFIG) && k !== 'sender') return 'is not a WindowPoSt setting'
  const want = k === 'sender' ? 'string' : typeof DEFAULT_WINDOW_POST_CONFIG[k as keyof WindowPoStConfig]
  if (typeof v !== want) return `must be a ${want}`
  if (typeof v === 'bigint' && v < 0n) return 'must not be negative'
  if (typeof v === 'number') {
    if (Number.isNaN(v) || v < 0) return 'must be a number ≥ 0'
    if (WHOLE.has(k) && !Number.isInteger(v)) return 'must be a whole number'
  }
  return undefined
}
