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
  const scheduler = c.poster?.schedulers[0]
  if (scheduler === undefined) throw new VenusError('INTERNAL', 'the demo cluster runs no poster')
  const t0 = Date.now()
  c.pauseBlocks()
  const minerState = c.devnet.worldAt().miners.get(c.miner.id)
  const deadlines = [
    ...new Set(sectorNumbers.map((n) => minerState?.sectors.get(n)?.deadline ?? -1).filter((d) => d >= 0)),
  ].sort((a, b) => a - b)
  const period = c.devnet.params.wpostProvingPeriod
  const power = async () => {
    const p = await c.chain.stateMinerPower(c.miner.address)
    return BigInt(p.MinerPower.RawBytePower)
  }
  // A deadline opens at most one proving period from now; its proof lands a few epochs later.
  const maxEpochs = period + 4 * c.devnet.params.wpostChallengeWindow + 10
  let epochs = 0
  while ((await power()) < expectedRawBytes) {
    if (opts.signal?.aborted) throw new VenusError('ABORTED', 'demo stopped')
    if (epochs >= maxEpochs || Date.now() > opts.deadlineAt) {
      const errors = c.postEvents.filter((e) => e.type === 'error' || e.type === 'deadline-missed')
      throw new VenusError('TIMEOUT', 'the sectors were not proven by WindowPoSt in time', {
        details: { epochs, deadlines, events: errors.slice(-3) },
      })
    }
    const ts = await c.devnet.mine(1)
    await scheduler.settled(ts.height)
    epochs++
  }
  // Two more epochs, so the last proof's receipt is searchable (receipts trail inclusion).
  for (let i = 0; i < 2; i++) await scheduler.settled((await c.devnet.mine(1)).height)
  let messages = 0
  let gasUsed = 0
  // Count from the chain (the poster reports `landed` only after its confidence epochs), since
  // the cluster started: a deadline may have been proven while other sectors were still sealing.
  for (const e of c.postEvents) {
    if (e.type !== 'submitted') continue
    const found = c.devnet.searchMessage(e.cid)
    if (found === undefined || found.receipt.exitCode !== 0) continue
    messages++
    gasUsed += found.receipt.gasUsed
  }
  return { deadlines, messages, gasUsed, epochs, ms: Date.now() - t0 }
}
