/**
 * Head following: one `ChainNotify` subscription, heads handled one at a time and coalesced
 * (when heads come faster than they are handled, only the newest waiting one is handled, with the
 * lowest height reverted meanwhile). The chain client resubscribes after a dropped connection;
 * when the subscription fails for good, the follower reports it and subscribes again after a
 * pause that doubles up to {@link MAX_RESUBSCRIBE_DELAY_MS}.
 */
import type { ChainClient, LotusTipSet } from '@venus-cluster/core'
import { sleep } from '../sleep.js'
import { errMsg } from '../util.js'

/** Longest pause between two subscriptions after failures. */
export const MAX_RESUBSCRIBE_DELAY_MS = 30_000

/** What the head follower needs. */
export interface HeadFollowerComponents {
  chain: Pick<ChainClient, 'chainNotify'>
  /**
   * Handles one head. `revertHeight` is the lowest height reverted since the last head handled
   * (`Infinity` when none was). Errors are reported through `onError` and do not stop following.
   */
  onHead(head: LotusTipSet, revertHeight: number): Promise<void>
  onError(message: string): void
  /** First pause before subscribing again after the subscription failed (default 1000 ms). */
  resubscribeDelayMs?: number
}

/** Follows the chain's heads (see the module comment). */
export class HeadFollower {
  readonly #c: HeadFollowerComponents
  #controller: AbortController | undefined
  #loop: Promise<void> | undefined
  #queue: Promise<void> = Promise.resolve()
  #pendingHead: LotusTipSet | undefined
  #pendingRevert = Number.POSITIVE_INFINITY
  #processed = -1
  #waiters: { height: number; resolve: () => void }[] = []

  constructor(components: HeadFollowerComponents) {
    this.#c = components
  }

  /** Highest head height fully handled (-1 before the first). */
  get processedHeight(): number {
    return this.#processed
  }

  /** Whether the follower is subscribed (between `start()` and `stop()`). */
  get following(): boolean {
    return this.#controller !== undefined
  }

  /** Subscribes to head changes. */
  start(): void {
    if (this.#controller) return
    const controller = new AbortController()
    this.#controller = controller
    this.#loop = this.#follow(controller.signal)
  }

  /** Ends the subscription; heads not yet handled are dropped, and waiters are released. */
  async stop(): Promise<void> {
    const c = this.#controller
    if (!c) return
    this.#controller = undefined
    c.abort()
    await this.#loop?.catch(() => {})
    for (const w of this.#waiters.splice(0)) w.resolve()
  }

  /** Resolves once the head at `height` (or a later one) has been handled, or following stops. */
  async reached(height: number): Promise<void> {
    if (height <= this.#processed || !this.#controller) return
    await new Promise<void>((resolve) => this.#waiters.push({ height, resolve }))
  }

  /** Resolves when no head is being handled or waiting. */
  idle(): Promise<void> {
    return this.#queue
  }

  async #follow(signal: AbortSignal): Promise<void> {
    const first = this.#c.resubscribeDelayMs ?? 1000
    let delay = first
    while (!signal.aborted) {
      try {
        for await (const changes of this.#c.chain.chainNotify({ signal })) {
          delay = first
          let apply: LotusTipSet | undefined
          for (const c of changes) {
            if (c.Type === 'revert') this.#pendingRevert = Math.min(this.#pendingRevert, c.Val.Height)
            else if (!apply || c.Val.Height >= apply.Height) apply = c.Val
          }
          if (apply) this.#schedule(apply)
        }
        if (signal.aborted) return
        this.#c.onError('ChainNotify: the subscription ended')
      } catch (e) {
        if (signal.aborted) return
        this.#c.onError(`ChainNotify: ${errMsg(e)}`)
      }
      await sleep(delay, signal)
      delay = Math.min(delay * 2, MAX_RESUBSCRIBE_DELAY_MS)
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
        await this.#c.onHead(head, revert)
      } catch (e) {
        this.#c.onError(errMsg(e))
      }
      this.#processed = head.Height
      this.#waiters = this.#waiters.filter((w) => {
        if (w.height <= head.Height) w.resolve()
        return w.height > head.Height
      })
    })
  }
}
