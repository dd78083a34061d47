// Devnet mining throughput: tipsets/s while two miners' deadline crons run, for miners holding
// 40, 1000 and 2349 (one full 32GiB-style partition's worth) injected sectors, on the short
// proving period (48 × 6 epochs). Bounds how fast PoSt tests can run whole proving periods.
import { mockProofs } from '@venus-cluster/core'
import { createDevnet, devnetParamsShortPeriod } from '@venus-cluster/devnet'

const SEALED = 'bagboea4b5abcaeirceirceirceirceirceirceirceirceirceirceirceirceir'

export default {
  title: 'Devnet mining throughput',
  description:
    "Tipsets mined per second (no messages; every miner's deadline cron runs each epoch) with two " +
    'miners holding N injected sectors each, short proving period of 288 epochs, mock proofs.',
  async run(ctx) {
    const epochs = ctx.quick ? 96 : 576
    for (const n of [40, 1000, 2349]) {
      const devnet = createDevnet({
        seed: 'bench-mining',
        proofs: mockProofs(),
        params: devnetParamsShortPeriod(6),
      })
      for (let m = 0; m < 2; m++) {
        const { miner } = await devnet.createTestMiner()
        devnet.injectSectors(
          miner,
          Array.from({ length: n }, (_, i) => ({ sectorNumber: i, sealedCid: SEALED })),
        )
      }
      const t = await ctx.time(() => devnet.mine(epochs), { runs: 3, warmup: 0 })
      const rate = epochs / t.best
      if (devnet.head().height < epochs * 3) throw new Error('devnet did not advance')
      ctx.log(`${n} sectors/miner: ${rate.toFixed(0)} tipsets/s`)
      ctx.row({
        'sectors per miner': n,
        miners: 2,
        epochs,
        'tipsets/s (best of 3)': rate.toFixed(0),
        'median s': t.median.toFixed(2),
      })
    }
    ctx.note(
      'Each tipset copies the world copy-on-write; a miner is deep-copied only when its deadline ends or a message touches it.',
    )
  },
}
