/**
 * The demo's last stage: the sealed sectors wait in their deadlines until the poster proves them
 * by WindowPoSt, which is when the miner gains their power. The chain is driven epoch by epoch
 * here (the block timer is paused) so the wait is as short as the proving period allows and the
 * poster has settled on each head before the next is mined.
 */
import { VenusError } from '@venus-cluster/core'
import type { DemoCluster } from './cluster.js'

/** What the WindowPoSt stage did. */
export interface DemoWindowPoSt {
  /** Deadlines holding the demo's sectors. */
  deadlines: number[]
  /** SubmitWindowedPoSt messages that landed with exit code 0 (since the cluster started). */
  messages: number
  gasUsed: number
  /** Epochs mined until the power showed. */
  epochs: number
  ms: number
}

/** The poster's scheduler of the demo miner (throws when the cluster runs none). */
function demoScheduler(c: DemoCluster) {
  const scheduler = c.poster?.schedulers[0]
  if (scheduler === undefined) throw new VenusError('INTERNAL', 'the demo cluster runs no poster')
  return scheduler
}

/** The deadlines holding `sectorNumbers` in the demo miner's state, ascending. */
export function demoSectorDeadlines(c: DemoCluster, sectorNumbers: readonly number[]): number[] {
  const minerState = c.devnet.worldAt().miners.get(c.miner.id)
  return [
    ...new Set(sectorNumbers.map((n) => minerState?.sectors.get(n)?.deadline ?? -1).filter((d) => d >= 0)),
  ].sort((a, b) => a - b)
}

/**
 * Waits `ms`; rejects with `ABORTED` when `signal` aborts first.
 *
 * @example
 * ```ts
 * await demoSleep(100, controller.signal)
 * ```
 */
export function demoSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new VenusError('ABORTED', 'demo stopped'))
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      reject(new VenusError('ABORTED', 'demo stopped'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Mines one epoch (the block timer paused) and waits until the poster has settled on it. */
export async function mineEpoch(c: DemoCluster): Promise<number> {
  const scheduler = demoScheduler(c)
  c.pauseBlocks()
  const ts = await c.devnet.mine(1)
  await scheduler.settled(ts.height)
  return ts.height
}

/**
 * Mines one epoch at a time (the poster settled on each head) until `done()` holds; throws
 * `TIMEOUT` with `what` after `maxEpochs` or at `deadlineAt`. Returns the epochs mined.
 *
 * @example
 * ```ts
 * await mineUntil(cluster, async () => landed(), { maxEpochs: 50, deadlineAt, what: 'update' })
 * ```
 */
export async function mineUntil(
  c: DemoCluster,
  done: () => Promise<boolean>,
  opts: {
    maxEpochs: number
    deadlineAt: number
    signal?: AbortSignal | undefined
    what: string
    details?: () => Record<string, unknown>
  },
): Promise<number> {
  let epochs = 0
  while (!(await done())) {
    if (opts.signal?.aborted) throw new VenusError('ABORTED', 'demo stopped')
    if (epochs >= opts.maxEpochs || Date.now() > opts.deadlineAt) {
      const errors = c.postEvents.filter((e) => e.type === 'error' || e.type === 'deadline-missed')
      throw new VenusError('TIMEOUT', `${opts.what} in time`, {
        details: { epochs, ...opts.details?.(), events: errors.slice(-3) },
      })
    }
    await mineEpoch(c)
    epochs++
  }
  return epochs
}

/** Epochs within which every deadline opens and its proof lands (a period and some windows). */
export function postEpochBound(c: DemoCluster): number {
  return c.devnet.params.wpostProvingPeriod + 4 * c.devnet.params.wpostChallengeWindow + 10
}

/**
 * Mines epochs until `StateMinerPower` of the demo miner reaches `expectedRawBytes`.
 *
 * @example
 * ```ts
 * const post = await waitForWindowPoSt(cluster, 4 * 2048, { deadlineAt: Date.now() + 30_000 })
 * ```
 */
export async function waitForWindowPoSt(
  c: DemoCluster,
  sectorNumbers: readonly number[],
  expectedRawBytes: bigint,
  opts: { deadlineAt: number; signal?: AbortSignal | undefined },
): Promise<DemoWindowPoSt> {
  const t0 = Date.now()
  const deadlines = demoSectorDeadlines(c, sectorNumbers)
  const power = async () => {
    const p = await c.chain.stateMinerPower(c.miner.address)
    return BigInt(p.MinerPower.RawBytePower)
  }
  // A deadline opens at most one proving period from now; its proof lands a few epochs later.
  const epochs = await mineUntil(c, async () => (await power()) >= expectedRawBytes, {
    maxEpochs: postEpochBound(c),
    deadlineAt: opts.deadlineAt,
    signal: opts.signal,
    what: 'the sectors were not proven by WindowPoSt',
    details: () => ({ deadlines }),
  })
  const { messages, gasUsed } = await landedPoSts(c, 0)
  return { deadlines, messages, gasUsed, epochs, ms: Date.now() - t0 }
}

/**
 * The WindowPoSt messages the poster submitted at `fromHeight` or later that landed with exit
 * code 0, and their gas. Mines two epochs first, so the last proof's receipt is searchable
 * (receipts trail inclusion). Counted from the chain: the poster reports `landed` only after its
 * confidence epochs.
 */
export async function landedPoSts(
  c: DemoCluster,
  fromHeight: number,
): Promise<{ messages: number; gasUsed: number }> {
  for (let i = 0; i < 2; i++) await mineEpoch(c)
  let messages = 0
  let gasUsed = 0
  for (const e of c.postEvents) {
    if (e.type !== 'submitted' || e.height < fromHeight) continue
    const found = c.devnet.searchMessage(e.cid)
    if (found === undefined || found.receipt.exitCode !== 0) continue
    messages++
    gasUsed += found.receipt.gasUsed
  }
  return { messages, gasUsed }
}
