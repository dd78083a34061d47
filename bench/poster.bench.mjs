// WindowPoSt scheduler latency on the devnet: epochs from a deadline's Open to its
// SubmitWindowedPoSt being on chain, by partitions per deadline, with the devnet mining on a
// real block timer (mock proofs reading real sector files), and the longest event-loop stall
// while proving.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createChainClient, mockProofs } from '@venus-cluster/core'
import { createDevnet, devnetParamsShortPeriod, devnetTransport } from '@venus-cluster/devnet'
import { sealTestSectors } from '@venus-cluster/devnet/testing'
import { dirLocator, onAnyWindowPoStEvent, WindowPoStScheduler } from '@venus-cluster/poster'

const WINDOW = 10
const BLOCK_MS = 100

async function measure(partitions, deadlinesToWatch) {
  const proofs = mockProofs()
  const devnet = createDevnet({
    seed: `bench-poster-${partitions}`,
    proofs,
    params: devnetParamsShortPeriod(WINDOW),
  })
  const root = await mkdtemp(join(tmpdir(), 'bench-poster-'))
  try {
    const who = await devnet.createTestMiner({ windowPoStProofType: 10 })
    await devnet.faucet(who.miner, 100n * 10n ** 18n)
    // 2 sectors per 2KiB partition, balanced over the 48 deadlines.
    const numbers = Array.from({ length: 48 * 2 * partitions }, (_, k) => k + 1)
    devnet.injectSectors(who.miner, await sealTestSectors(proofs, root, who.minerId, numbers))
    await devnet.mine(1)
    const chain = createChainClient(devnetTransport(devnet))
    const landed = []
    const genMs = []
    const bad = []
    let inFlight = 0
    const scheduler = new WindowPoStScheduler({
      miner: who.miner,
      chain,
      proofs,
      locate: dirLocator(root),
      config: { challengeConfidence: 1, submitConfidence: 1, retryDelayMs: 200 },
    })
    onAnyWindowPoStEvent(scheduler.events, (e) => {
      if (e.type === 'landed' && e.exitCode === 0)
        landed.push({ open: e.open, height: e.height, deadline: e.deadline })
      if (e.type === 'proving-started') inFlight++
      if (e.type === 'proof-generated') genMs.push(e.ms)
      if (e.type === 'deadline-proven' || e.type === 'deadline-reset') inFlight = Math.max(0, inFlight - 1)
      if (e.type === 'deadline-missed' || e.type === 'error' || (e.type === 'landed' && e.exitCode !== 0))
        bad.push(e)
    })
    await scheduler.start()
    const loop = monitorEventLoopDelay({ resolution: 5 })
    loop.enable()
    let last = performance.now()
    let stallProving = 0
    let stallIdle = 0
    const ticker = setInterval(() => {
      const now = performance.now()
      const late = now - last - 5
      last = now
      if (inFlight > 0) stallProving = Math.max(stallProving, late)
      else stallIdle = Math.max(stallIdle, late)
    }, 5)
    await devnet.start()
    const timer = setInterval(() => void devnet.mine(1), BLOCK_MS)
    const deadline = Date.now() + 60_000
    const opens = () => new Set(landed.map((l) => l.open))
    while (opens().size < deadlinesToWatch && Date.now() < deadline && bad.length === 0) {
      await new Promise((r) => setTimeout(r, 50))
    }
    clearInterval(timer)
    clearInterval(ticker)
    loop.disable()
    await scheduler.stop()
    await devnet.stop()
    if (bad.length > 0) throw new Error(`scheduler reported ${JSON.stringify(bad[0])}`)
    if (opens().size < deadlinesToWatch) throw new Error(`only ${opens().size} deadlines landed in time`)
    // One deadline may need several messages (3 partitions each): the last one counts.
    const lastByOpen = new Map()
    for (const l of landed) lastByOpen.set(l.open, Math.max(lastByOpen.get(l.open) ?? 0, l.height))
    const epochs = [...lastByOpen].map(([open, h]) => h - open)
    // The assignment skips the deadlines that were immutable at injection: count what was proven.
    const parts = []
    for (const d of new Set(landed.map((l) => l.deadline)))
      parts.push((await chain.stateMinerPartitions(who.miner, d)).length)
    return {
      epochs,
      messages: landed.length / lastByOpen.size,
      parts,
      genMs: Math.max(...genMs),
      stallMs: loop.max / 1e6,
      stallProving,
      stallIdle,
    }
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

export default {
  title: 'WindowPoSt scheduler: open → proof on chain',
  description:
    `Devnet mining one tipset every ${BLOCK_MS} ms, challenge window ${WINDOW} epochs (lookback 3), ` +
    'ChallengeConfidence 1, SubmitConfidence 1, mock proofs over real 2KiB sector files (2 sectors ' +
    'per partition), MaxPartitionsPerPoStMessage 3. "epochs" is the height of the tipset that ' +
    'executed the last SubmitWindowedPoSt of a deadline minus its Open (lower bound: ' +
    'SubmitConfidence + 1 for inclusion + 1 for execution).',
  async run(ctx) {
    const sizes = ctx.quick ? [1, 3] : [1, 3, 6, 12]
    for (const p of sizes) {
      const r = await measure(p, ctx.quick ? 2 : 4)
      const mean = r.epochs.reduce((a, b) => a + b, 0) / r.epochs.length
      ctx.log(
        `${p} partitions: ${r.epochs.join(',')} epochs, stall ${r.stallMs.toFixed(1)} ms (in flight ${r.stallProving.toFixed(1)}, otherwise ${r.stallIdle.toFixed(1)})`,
      )
      ctx.row({
        'sectors injected': 48 * 2 * p,
        'partitions/deadline (proven)': `${Math.min(...r.parts)}–${Math.max(...r.parts)}`,
        'messages/deadline': r.messages.toFixed(0),
        'deadlines measured': r.epochs.length,
        'epochs open→on chain (mean)': mean.toFixed(1),
        'epochs (max)': Math.max(...r.epochs),
        'longest proof generation ms': r.genMs.toFixed(1),
        'longest stall ms, deadline in flight': r.stallProving.toFixed(1),
        'longest stall ms, otherwise': r.stallIdle.toFixed(1),
      })
    }
    ctx.note(
      'Stalls: lateness of a 5 ms timer, split by whether a deadline was between proving-started and deadline-proven. The devnet (mining, actor checks, proof verification) runs in the same process, so both columns include its work; on a loaded 2-core machine they also include time the process was not scheduled.',
    )
  },
}
