// A 10 PiB miner: the devnet with ~330,000 injected 32GiB sectors and the WindowPoSt poster proving
// every deadline of a proving period, each in its own process; also 30,000 and 100,000 sectors to
// show how it scales. Part of `npm run bench -- scale`; alone: `node bench/run.mjs scale-poster`.
// Environment: BENCH_SCALE_MINERS (sector counts, comma-separated), BENCH_SCALE_BLOCK_MS (ms per
// epoch per miner size, comma-separated, default 1000,1000,1500; the last one for the rest),
// BENCH_SCALE_DEADLINES (deadlines with sectors measured per miner; default a whole period, 48,
// for the largest, 4 for the others: the whole `scale` run stays under 20 minutes).
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { fmt, MiB, startChild } from './lib/scale/procs.mjs'

const lib = (f) => fileURLToPath(new URL(`./lib/scale/${f}`, import.meta.url))
const QUICK = process.env.BENCH_QUICK === '1'
const SIZES = (process.env.BENCH_SCALE_MINERS ?? (QUICK ? '3000,30000' : '30000,100000,330000'))
  .split(',')
  .map(Number)
/** Epochs per deadline (48 deadlines a period) and ms per epoch: the period's time scale. */
const WINDOW = 10
const BLOCK_MS_LIST = (process.env.BENCH_SCALE_BLOCK_MS ?? '1000,1000,1500').split(',').map(Number)
/** Epoch time for the miner of `i`-th size (the last given for the rest). */
const blockMsOf = (i) => BLOCK_MS_LIST[Math.min(i, BLOCK_MS_LIST.length - 1)]
const GiB = 1024 * MiB
const PIB = 1024 * 1024 * GiB

/** Deadlines measured: a whole proving period for the largest miner, a few for the others. */
const DEADLINES = process.env.BENCH_SCALE_DEADLINES
const deadlinesFor = (n, largest) =>
  DEADLINES !== undefined ? Number(DEADLINES) : n === largest && !QUICK ? 48 : QUICK ? 2 : 4

async function measure(ctx, sectors, want, blockMs) {
  const devnet = await startChild(lib('devnet-node.mjs'), {
    BENCH_SCALE_SECTORS: String(sectors),
    BENCH_SCALE_CHALLENGE_WINDOW: String(WINDOW),
  })
  const d = devnet.hello
  ctx.log(
    `${sectors} sectors injected in ${fmt(d.injectMs / 1000)} s; devnet RSS ${fmt(d.rssBefore / MiB, 0)} → ${fmt(d.rssAfter / MiB, 0)} MiB`,
  )
  let poster
  try {
    poster = await startChild(lib('poster-node.mjs'), {
      BENCH_SCALE_WS: d.wsUrl,
      BENCH_SCALE_TOKEN: d.token,
      BENCH_SCALE_MINER: d.miner,
      BENCH_SCALE_PAUX: d.pAux,
      BENCH_SCALE_STEADY_FROM: String(d.steadyFrom),
    })
    await devnet.ask({ cmd: 'mine', blockMs })
    // The injection skips deadlines that were not mutable then: wait for `want` proven ones, at
    // most two periods.
    const deadlineMs = (2 * d.period + 4 * WINDOW) * blockMs * 1.5
    const t0 = performance.now()
    let r
    for (;;) {
      await new Promise((res) => setTimeout(res, 1000))
      r = await poster.ask({ cmd: 'report' })
      if (r.bad.length > 0) throw new Error(`${sectors} sectors: ${r.bad.join('; ')}`)
      if (r.proven.length >= want) break
      if (performance.now() - t0 > deadlineMs)
        throw new Error(
          `${sectors} sectors: ${r.proven.length} of ${want} deadlines proven in ${fmt((performance.now() - t0) / 1000, 0)} s`,
        )
    }
    const dm = await devnet.ask({ cmd: 'mem' })
    return {
      sectors,
      devnet: d,
      devnetEnd: dm,
      poster: r,
      wallMs: performance.now() - t0,
      load: loadavg()[0],
    }
  } finally {
    await poster?.stop()
    await devnet.stop()
  }
}

const mean = (l) => l.reduce((a, b) => a + b, 0) / Math.max(1, l.length)
const max = (l) => Math.max(...l)

export default {
  title: 'Scale: a 10 PiB miner, the devnet and the WindowPoSt poster',
  description:
    `One miner of 32GiB sectors injected into the devnet (already proven; 2,349 sectors a partition), the ` +
    `devnet and the poster each in its own process, the poster on the devnet's WebSocket API with mock proofs ` +
    `and its default sector checks. Time is scaled: 48 deadlines of ${WINDOW} epochs, one tipset every ` +
    `${BLOCK_MS_LIST.join(' / ')} ms (see the table) while a deadline waits for its proof, and the rest of ` +
    'the deadline at once (20 ms a tipset) as soon as its proofs are on chain, so a deadline lasts as long as ' +
    'its proof takes (at most its window) instead of 30 min; ' +
    'ChallengeConfidence 1, SubmitConfidence 1, three partitions a message. Every sector shares one set of files ' +
    '(a sparse 32GiB sealed file, p_aux, eight tree-r-last files), which the checks and the mock prover read once ' +
    "per sector as they would each sector's own. Poster work per deadline: the CPU time of the poster's process " +
    'from proving-started to the message submitted, without the time inside the proof computation (the ' +
    "WindowPoStComputer seam: the prover's work, GPUs or PoSt workers in production) — chain reads, sector checks, " +
    'proof verification, message building. Targets at 330,000 sectors: < 1 s of work per deadline, RSS < 1 GiB.',
  async run(ctx) {
    const before = loadavg()[0]
    const largest = Math.max(...SIZES)
    const results = []
    for (const [i, n] of SIZES.entries()) {
      const r = await measure(ctx, n, deadlinesFor(n, largest), blockMsOf(i))
      r.blockMs = blockMsOf(i)
      const p = r.poster.proven
      const own = p.map((d) => d.cpuMs - d.computeCpuMs)
      const prove = p.map((d) => d.provedMs - d.computeMs)
      const res = {
        sectors: n,
        pib: (n * 32 * GiB) / PIB,
        deadlines: p.length,
        perDeadline: mean(p.map((d) => d.sectors)),
        messages: mean(p.map((d) => d.messages)),
        ownMean: mean(own),
        ownMax: max(own),
        proveMean: mean(prove),
        proveMax: max(prove),
        computeMean: mean(p.map((d) => d.computeMs)),
        landedMax: max(p.map((d) => d.landedEpochs ?? 0)),
        landedMsMean: mean(p.map((d) => d.landedMs ?? 0)),
        wallS: r.wallMs / 1000,
        load: r.load,
        posterRss: r.poster.rss,
        posterPeak: r.poster.peak,
        devnetPerSector: (r.devnet.rssAfter - r.devnet.rssBefore) / n,
        devnetInject: r.devnet.rssAfter,
        devnetPeak: r.devnetEnd.peak,
        injectS: r.devnet.injectMs / 1000,
        slowestTipsetMs: r.devnetEnd.slowestTipsetMs,
        blockMs: r.blockMs,
        startMissed: r.poster.startMissed ?? [],
      }
      results.push(res)
      ctx.log(
        `${n} sectors: ${p.length} deadlines of ~${fmt(res.perDeadline, 0)} sectors; poster work ${fmt(res.ownMean, 0)} ms mean / ${fmt(res.ownMax, 0)} ms max per deadline; ` +
          `prove wall without compute ${fmt(res.proveMean, 0)} / ${fmt(res.proveMax, 0)} ms; compute ${fmt(res.computeMean, 0)} ms; poster RSS ${fmt(res.posterRss / MiB, 0)} MiB (peak ${fmt(res.posterPeak / MiB, 0)}); ` +
          `devnet ${fmt(res.devnetPerSector, 0)} B/sector, peak ${fmt(res.devnetPeak / MiB, 0)} MiB; slowest tipset ${fmt(res.slowestTipsetMs, 0)} ms`,
      )
    }
    for (const r of results) {
      const big = r.sectors === largest && !QUICK
      ctx.row({
        sectors: r.sectors.toLocaleString('en'),
        'PiB (32GiB)': fmt(r.pib, 2),
        'deadlines proven': r.deadlines,
        'sectors per deadline': fmt(r.perDeadline, 0),
        'messages per deadline': fmt(r.messages, 1),
        'poster work ms/deadline (mean / max)': `${fmt(r.ownMean, 0)} / ${fmt(r.ownMax, 0)}`,
        'poster wall ms to proof, without compute (mean / max)': `${fmt(r.proveMean, 0)} / ${fmt(r.proveMax, 0)}`,
        'mock compute ms/deadline': fmt(r.computeMean, 0),
        'proving started → landed, s (mean)': fmt(r.landedMsMean / 1000, 1),
        'wall s (all deadlines)': fmt(r.wallS, 0),
        'load (1 min)': fmt(r.load),
        'poster RSS MiB (peak)': `${fmt(r.posterRss / MiB, 0)} (${fmt(r.posterPeak / MiB, 0)})`,
        'devnet bytes/sector': fmt(r.devnetPerSector, 0),
        'devnet RSS MiB after injection (peak)': `${fmt(r.devnetInject / MiB, 0)} (${fmt(r.devnetPeak / MiB, 0)})`,
        'ms per tipset (slowest)': `${r.blockMs} (${fmt(r.slowestTipsetMs, 0)})`,
        target: big
          ? `${r.ownMax < 1000 ? 'work < 1 s: met' : 'work < 1 s: MISSED'}; ${r.posterPeak < GiB ? 'RSS < 1 GiB: met' : 'RSS < 1 GiB: MISSED'}`
          : '',
      })
    }
    ctx.note(
      `Every proof landed within the window (the latest ${Math.max(...results.map((r) => r.landedMax))} epochs after its deadline opened); no sector was skipped, no deadline missed` +
        (results.some((r) => r.startMissed.length > 0)
          ? ` other than deadlines already open when the poster started (${results.map((r) => `${r.sectors.toLocaleString('en')}: ${r.startMissed.length}`).join(', ')}), not counted.`
          : '.'),
    )
    const largestRun = results.find((r) => r.sectors === largest)
    ctx.note(
      `Deadlines with sectors measured per miner: ${results.map((r) => `${r.sectors.toLocaleString('en')}: ${r.deadlines}`).join(', ')}` +
        (largestRun !== undefined && largestRun.deadlines < 48
          ? ' — not a whole proving period of 48 for the largest (BENCH_SCALE_DEADLINES).'
          : ' — a whole proving period (48) for the largest, a few for the smaller ones (their per-deadline figures).'),
    )
    ctx.note(
      `Machine load average (1 min): ${before.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after — a 2-core VM shared with other builds and test suites; the devnet and the poster share its two cores, so wall times are pessimistic (the CPU times are the poster's own).`,
    )
  },
}
