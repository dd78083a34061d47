import { type ChainClient, type LotusHeadChange, type LotusTipSet, VenusError } from '@venus-cluster/core'
import { describe, expect, it } from 'vitest'
import { HeadFollower } from './head-follower.js'

const tipset = (height: number) =>
  ({ Height: height, Cids: [{ '/': `ts${height}` }] }) as unknown as LotusTipSet
const apply = (height: number): LotusHeadChange => ({ Type: 'apply', Val: tipset(height) })
const revert = (height: number): LotusHeadChange => ({ Type: 'revert', Val: tipset(height) })

/** A chainNotify that plays `scripts` one subscription at a time: batches, then an end or an error. */
function scriptedChain(scripts: { batches: LotusHeadChange[][]; ending: 'end' | 'throw' | 'hang' }[]) {
  let subscriptions = 0
  const chain: Pick<ChainClient, 'chainNotify'> = {
    chainNotify: (opts) =>
      (async function* () {
        const script = scripts[subscriptions++]
        if (script === undefined) return await new Promise<never>(() => {})
        for (const b of script.batches) yield b
        if (script.ending === 'throw') throw new VenusError('PERMISSION_DENIED', 'missing permission read')
        if (script.ending === 'hang')
          await new Promise<void>((resolve) => opts?.signal?.addEventListener('abort', () => resolve()))
      })(),
  }
  return { chain, subscriptions: () => subscriptions }
}

describe('HeadFollower', () => {
  it('subscribes again after the subscription fails or ends, reporting each time', async () => {
    const s = scriptedChain([
      { batches: [[apply(1)]], ending: 'throw' },
      { batches: [], ending: 'end' },
      { batches: [[apply(2)]], ending: 'hang' },
    ])
    const heads: number[] = []
    const errors: string[] = []
    const f = new HeadFollower({
      chain: s.chain,
      onHead: async (ts) => {
        heads.push(ts.Height)
      },
      onError: (m) => errors.push(m),
      resubscribeDelayMs: 1,
    })
    f.start()
    await f.reached(2)
    expect(heads).toEqual([1, 2])
    expect(errors).toEqual(['ChainNotify: missing permission read', 'ChainNotify: the subscription ended'])
    expect(s.subscriptions()).toBe(3)
    await f.stop()
    expect(f.following).toBe(false)
  })

  it('handles only the newest of the heads that came while one was handled, with the lowest revert', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => {
      release = r
    })
    const s = scriptedChain([
      {
        batches: [[apply(10)], [apply(11)], [revert(11), revert(10), apply(10), apply(11)], [apply(12)]],
        ending: 'hang',
      },
    ])
    const seen: [number, number][] = []
    const f = new HeadFollower({
      chain: s.chain,
      onHead: async (ts, revertHeight) => {
        seen.push([ts.Height, revertHeight])
        if (ts.Height === 10) await gate
      },
      onError: () => {},
    })
    f.start()
    await new Promise((r) => setTimeout(r, 20))
    release()
    await f.reached(12)
    expect(seen).toEqual([
      [10, Number.POSITIVE_INFINITY],
      [12, 10],
    ])
    expect(f.processedHeight).toBe(12)
    await f.stop()
  })

  it('releases those waiting for a head when it stops', async () => {
    const s = scriptedChain([{ batches: [], ending: 'hang' }])
    const f = new HeadFollower({ chain: s.chain, onHead: async () => {}, onError: () => {} })
    f.start()
    const waiting = f.reached(100)
    await f.stop()
    await expect(waiting).resolves.toBeUndefined()
  })
})
