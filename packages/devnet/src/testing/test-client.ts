/**
 * A time-control client for tests, in the spirit of viem's test actions: mine epochs, jump to an
 * epoch or a miner's deadline, add null rounds and reorgs, fund accounts and wait for messages,
 * all on an in-process devnet.
 */
import { VenusError } from '@venus-cluster/core'
import type { DevnetMessageLookup, DevnetTipset } from '../chain-store.js'
import { deadlineInfo } from '../deadline.js'
import type { Devnet } from '../devnet.js'
import { resolveIn } from '../state.js'
import { createTestMiner, type TestMiner, type TestMinerOptions } from './miners.js'

/** Which epoch of a deadline {@link DevnetTestClient.advanceToDeadline} stops at. */
export type DeadlinePoint = 'challenge' | 'open' | 'close'

/** Where a miner's deadline lies (epochs), as the chain's `StateMinerProvingDeadline` tells it. */
export interface DeadlineEpochs {
  index: number
  periodStart: number
  challenge: number
  faultCutoff: number
  open: number
  close: number
}

/** What {@link createTestClient} returns. */
export interface DevnetTestClient {
  readonly devnet: Devnet
  /** Height of the head. */
  height(): number
  /** Mines `n` tipsets (default 1) with the pending messages; resolves with the new head. */
  mine(n?: number): Promise<DevnetTipset>
  /** Makes the next mined tipset skip `k` epochs (null rounds). */
  nullRounds(k: number): void
  /**
   * Mines until the head is at `epoch`: one tipset per epoch, or with `jump` a single tipset
   * after null rounds (the cron still runs for every epoch skipped). Fails when the head is
   * already past `epoch`.
   */
  advanceTo(epoch: number, opts?: { jump?: boolean }): Promise<DevnetTipset>
  /**
   * Mines until the next occurrence of deadline `index` of `miner` reaches `at` (default
   * `open`) and returns that deadline's epochs. The occurrence is the first whose `at` epoch is
   * still ahead of the head.
   */
  advanceToDeadline(
    miner: string,
    index: number,
    opts?: { at?: DeadlinePoint; jump?: boolean },
  ): Promise<DeadlineEpochs>
  /** Reverts the top `depth` tipsets and mines a fork of the same length in their place. */
  reorg(depth: number, opts?: { nullRounds?: number }): Promise<DevnetTipset>
  /** Sends `amount` attoFIL from the faucet and mines until it is on chain. */
  fund(address: string, amount: bigint): Promise<void>
  /** A funded miner created through real messages (see `createTestMiner`). */
  createMiner(opts?: TestMinerOptions): Promise<TestMiner>
  /**
   * Mines until message `cid` is executed (at most `maxEpochs`, default 20) and returns where it
   * landed; fails when it is not executed by then.
   */
  mineUntilExecuted(cid: string, opts?: { maxEpochs?: number }): Promise<DevnetMessageLookup>
}

/**
 * A test client over an in-process devnet.
 *
 * @example
 * ```ts
 * import { createTestClient } from '@venus-cluster/devnet/testing'
 * const test = createTestClient(devnet)
 * const { miner } = await test.createMiner()
 * await test.advanceToDeadline(miner, 3, { at: 'challenge' })
 * await test.mine(2)
 * ```
 */
export function createTestClient(devnet: Devnet): DevnetTestClient {
  const height = () => devnet.head().height

  async function advanceTo(epoch: number, opts: { jump?: boolean } = {}): Promise<DevnetTipset> {
    if (!Number.isInteger(epoch) || epoch < 0)
      throw new VenusError('INVALID_ARGUMENT', `advanceTo: epoch must be a whole number ≥ 0, got ${epoch}`)
    const h = height()
    if (epoch < h)
      throw new VenusError('INVALID_ARGUMENT', `advanceTo: the head is already at ${h}, past ${epoch}`)
    if (epoch === h) return devnet.head()
    if (opts.jump) return devnet.mine(1, { nullRounds: epoch - h - 1 })
    return devnet.mine(epoch - h)
  }

  function deadlineOf(miner: string, index: number, at: DeadlinePoint): DeadlineEpochs {
    const world = devnet.worldAt()
    const id = resolveIn(world, miner)
    const m = id === undefined ? undefined : world.miners.get(id)
    if (m === undefined)
      throw new VenusError('ACTOR_NOT_FOUND', `advanceToDeadline: miner ${miner} not found`)
    const p = devnet.params
    if (!Number.isInteger(index) || index < 0 || index >= p.wpostPeriodDeadlines)
      throw new VenusError(
        'INVALID_ARGUMENT',
        `advanceToDeadline: deadline index ${index} is not in [0, ${p.wpostPeriodDeadlines})`,
      )
    let periodStart = m.provingPeriodStart
    for (;;) {
      const d = deadlineInfo(p, periodStart, index, height())
      if (d[at] > height())
        return {
          index,
          periodStart: d.periodStart,
          challenge: d.challenge,
          faultCutoff: d.faultCutoff,
          open: d.open,
          close: d.close,
        }
      periodStart += p.wpostProvingPeriod
    }
  }

  return {
    devnet,
    height,
    mine: (n = 1) => devnet.mine(n),
    nullRounds: (k) => {
      if (!Number.isInteger(k) || k < 1)
        throw new VenusError('INVALID_ARGUMENT', `nullRounds: count must be a whole number ≥ 1, got ${k}`)
      devnet.nullRounds(k)
    },
    advanceTo,
    async advanceToDeadline(miner, index, opts = {}) {
      const at = opts.at ?? 'open'
      const d = deadlineOf(miner, index, at)
      await advanceTo(d[at], opts.jump ? { jump: true } : {})
      return d
    },
    reorg: (depth, opts = {}) => devnet.reorg(depth, opts),
    async fund(address, amount) {
      const cid = await devnet.faucet(address, amount)
      await this.mineUntilExecuted(cid)
    },
    createMiner: (opts = {}) => createTestMiner(devnet, opts),
    async mineUntilExecuted(cid, opts = {}) {
      const max = opts.maxEpochs ?? 20
      for (let i = 0; i <= max; i++) {
        const found = devnet.searchMessage(cid)
        if (found) return found
        if (i < max) await devnet.mine(1)
      }
      throw new VenusError('TIMEOUT', `message ${cid} was not executed within ${max} epochs`, {
        details: { cid, maxEpochs: max },
      })
    },
  }
}
