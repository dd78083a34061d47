// The devnet of bench/scale-poster.bench.mjs, in its own process: one miner of 32GiB sectors
// holding BENCH_SCALE_SECTORS injected proven sectors, a short proving period of 48 deadlines of
// BENCH_SCALE_CHALLENGE_WINDOW epochs (time scaled), mock proofs, served over WebSocket. Every
// sector has the CommR of one mock-sealed replica, so that one set of files proves them all.
//
// IPC: { cmd: 'mine', blockMs } starts the block timer; { cmd: 'mem' } answers RSS, peak and CPU;
// { cmd: 'stop' }. The first message reports the miner, the served URL and the injection figures.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs, nextNotElapsed, quantizeDown } from '@venus-cluster/core'
import { createDevnet, deadlineInfo, devnetParamsShortPeriod, serveDevnet } from '@venus-cluster/devnet'
import { createTestMiner, sealTestSectors } from '@venus-cluster/devnet/testing'

const N = Number(process.env.BENCH_SCALE_SECTORS)
const WINDOW = Number(process.env.BENCH_SCALE_CHALLENGE_WINDOW ?? 10)
const SECTOR_32G = 34359738368
/** Registered seal proof of 32GiB V1_1 and its WindowPoSt proof. */
const SEAL_32G = 8
const POST_32G = 13

const kib = (field) =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0)
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.()
    await new Promise((r) => setTimeout(r, 50))
  }
}

const proofs = mockProofs()
const devnet = createDevnet({
  seed: `bench-scale-${N}`,
  proofs,
  params: { ...devnetParamsShortPeriod(WINDOW), allowedSectorSizes: [2048, 8 << 20, SECTOR_32G] },
})
const who = await createTestMiner(devnet, { windowPoStProofType: POST_32G })
await devnet.faucet(who.miner, 10n ** 24n)
await devnet.mine(1)
// One mock-sealed replica gives the CommR (and the p_aux the poster's files carry).
const sealDir = mkdtempSync(join(tmpdir(), 'bench-scale-seal-'))
const [sealed] = await sealTestSectors(proofs, sealDir, who.minerId, [1])
const pAux = readFileSync(join(sealDir, 'cache', `s-t0${who.minerId}-1`, 'p_aux'))
rmSync(sealDir, { recursive: true, force: true })

await settle()
const before = kib('VmRSS') * 1024
const t0 = performance.now()
const sectors = Array.from({ length: N }, (_, i) => ({
  sectorNumber: i + 1,
  sealedCid: sealed.sealedCid,
  sealProof: SEAL_32G,
}))
devnet.injectSectors(who.miner, sectors)
sectors.length = 0
const injectMs = performance.now() - t0
await devnet.mine(1)
await settle()
const after = kib('VmRSS') * 1024
const served = await serveDevnet(devnet)

/** The epoch the next deadline with sectors opens (the miner's own deadline arithmetic). */
function firstSectorDeadlineOpen() {
  const p = devnet.params
  const m = devnet.worldAt().miners.get(who.minerId)
  const cur = devnet.head().height
  const start = quantizeDown(cur, p.wpostProvingPeriod, m.provingPeriodStart)
  let first = Number.POSITIVE_INFINITY
  m.deadlines.forEach((d, i) => {
    if (d.partitions.length === 0) return
    first = Math.min(first, nextNotElapsed(deadlineInfo(p, start, i, cur)).open)
  })
  return Number.isFinite(first) ? first : cur
}

/**
 * Whether the deadline open at the head has nothing left to prove: no partitions, or every
 * partition's PoSt is on chain. The rest of such a deadline is mined at once (scaled time: a
 * deadline takes as long as its proof, not a fixed 30 minutes).
 */
function openDeadlineDone() {
  const p = devnet.params
  const m = devnet.worldAt().miners.get(who.minerId)
  const cur = devnet.head().height
  const start = quantizeDown(cur, p.wpostProvingPeriod, m.provingPeriodStart)
  const dl = m.deadlines[Math.floor((cur - start) / p.wpostChallengeWindow)]
  return dl === undefined || dl.postSubmissions.size >= dl.partitions.length
}

const cpu0 = process.cpuUsage()
let slowest = 0
process.on('message', async (msg) => {
  if (msg.cmd === 'mine') {
    // One tipset every blockMs while the open deadline waits for its proof; a tipset that takes
    // longer delays the next (no backlog). Up to two windows before the first deadline holding
    // sectors opens, and for the rest of a deadline once its proofs are on chain (or it has no
    // sectors), tipsets come at once, 20 ms apart so the poster sees each head.
    const blockMs = msg.blockMs
    const start = steadyFrom
    while (devnet.head().height < start) await devnet.mine(1)
    void (async () => {
      for (;;) {
        const t = performance.now()
        await devnet.mine(1).catch(() => {})
        const spent = performance.now() - t
        slowest = Math.max(slowest, spent)
        const pause = openDeadlineDone() ? 20 : blockMs
        await new Promise((r) => setTimeout(r, Math.max(0, pause - spent)))
      }
    })()
    process.send({ ok: true, height: devnet.head().height })
  } else if (msg.cmd === 'mem') {
    const c = process.cpuUsage(cpu0)
    process.send({
      rss: kib('VmRSS') * 1024,
      peak: kib('VmHWM') * 1024,
      cpuMs: (c.user + c.system) / 1000,
      height: devnet.head().height,
      slowestTipsetMs: slowest,
    })
  } else if (msg.cmd === 'stop') {
    await served.close()
    await devnet.stop()
    process.exit(0)
  }
})
/** Where tipsets start to come at the block time (see 'mine'). */
const steadyFrom = firstSectorDeadlineOpen() - 2 * WINDOW
process.send({
  steadyFrom,
  miner: who.miner,
  minerId: who.minerId,
  wsUrl: served.wsUrl,
  token: served.adminToken,
  pAux: pAux.toString('base64'),
  injectMs,
  rssBefore: before,
  rssAfter: after,
  period: devnet.params.wpostProvingPeriod,
  window: WINDOW,
})
