// A manager daemon in its own process for bench/scale-manager.bench.mjs, on a database given
// in BENCH_SCALE_DB (a SQLite path or a postgres:// URL), as `daemon run` starts it: auth on,
// loopback trusted (the tokenless path of the original worker), metrics and dashboard served.
// The chain is the fake chain of the manager package: mainnet delays (30 s epochs, challenge
// delay 150), epochs advanced on a timer whose period the parent sets ({ cmd: 'epochMs' }).
//
// The time compression K of the farm can change while it runs ({ cmd: 'k', k }: epochs every
// 30 s / k, batch max wait 1 h / k; the batch check timer keeps its start-up period, 60 s / K of
// the start, which only checks more often than the original at a smaller k).
//
// Answers over IPC: { cmd: 'mem' } (RSS, heap, event-loop delay since the last ask),
// { cmd: 'batches' } (commit messages sent since the last ask), { cmd: 'stop' }.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createFakeChain, defaultMinerConfig, startManagerNode } from '@venus-cluster/manager'

const SECTOR_32G = 34359738368
const K = Number(process.env.BENCH_SCALE_K ?? 1)
const batchOf = (k) => ({
  enabled: true,
  threshold: 16,
  maxWaitMs: 3_600_000 / k,
  checkIntervalMs: 60_000 / k,
})
const persist = process.env.BENCH_SCALE_PERSIST
const home = mkdtempSync(join(tmpdir(), 'bench-scale-manager-'))
const chain = createFakeChain({
  miners: { 1000: SECTOR_32G },
  height: 3_000_000,
  params: { name: 'mainnet', addressPrefix: 'f', blockDelaySecs: 30, preCommitChallengeDelay: 150 },
})
const miner = defaultMinerConfig(1000, 'f01001')
// Batching on, as a farm of this size runs it: the original's batch defaults (threshold 16,
// max wait 1 h, checked every minute), the times compressed like the farm's.
const batch = batchOf(K)
miner.commitment.pre.batch = { ...miner.commitment.pre.batch, ...batch }
miner.commitment.prove.batch = { ...miner.commitment.prove.batch, ...batch }

const started = performance.now()
const d = await startManagerNode({
  home,
  db: process.env.BENCH_SCALE_DB,
  listen: '127.0.0.1:0',
  config: { miners: [miner], persistStores: persist ? [{ name: 'ps', path: persist }] : [] },
  chain,
  messager: chain,
  trustedNetworks: ['127.0.0.0/8'],
  // Proof checks and aggregation are the proofs library's (off the event loop); not measured here.
  proofs: {
    verifySeal: async () => true,
    aggregateSealProofs: async ({ proofs }) => new Uint8Array(192 + proofs.length),
  },
})
const startMs = performance.now() - started

// Time each Venus.* call spends in the manager: from its headers parsed to its answer written.
let served = []
d.server.on('request', (req, res) => {
  if (req.method !== 'POST') return
  const t = performance.now()
  res.once('finish', () => served.push(performance.now() - t))
})

let epochMs = 30_000 / K
let timer = setInterval(() => chain.advance(1), epochMs)
const loop = monitorEventLoopDelay({ resolution: 10 })
loop.enable()
const sent = []
d.manager.on('batch:sent', (b) => sent.push({ kind: b.kind, sectors: b.sectors.length }))
let allocations = 0
d.manager.on('sector:allocated', () => allocations++)

const kib = (field) =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0)

process.on('message', async (msg) => {
  if (msg.cmd === 'epochMs') {
    epochMs = msg.ms
    clearInterval(timer)
    timer = setInterval(() => chain.advance(1), epochMs)
    process.send({ ok: true })
  } else if (msg.cmd === 'k') {
    const k = Number(msg.k)
    epochMs = 30_000 / k
    clearInterval(timer)
    timer = setInterval(() => chain.advance(1), epochMs)
    const cfg = d.manager.config
    const maxWaitMs = batchOf(k).maxWaitMs
    d.manager.setConfig({
      ...cfg,
      miners: cfg.miners.map((m) => ({
        ...m,
        commitment: {
          ...m.commitment,
          pre: { ...m.commitment.pre, batch: { ...m.commitment.pre.batch, maxWaitMs } },
          prove: { ...m.commitment.prove, batch: { ...m.commitment.prove.batch, maxWaitMs } },
        },
      })),
    })
    process.send({ ok: true })
  } else if (msg.cmd === 'mem') {
    if (msg.gc) globalThis.gc?.()
    const u = process.memoryUsage()
    process.send({
      rss: kib('VmRSS') * 1024,
      peak: kib('VmHWM') * 1024,
      heap: u.heapUsed,
      loopP99: loop.percentile(99) / 1e6,
      loopMax: loop.max / 1e6,
    })
    loop.reset()
  } else if (msg.cmd === 'served') {
    const ms = served.sort((a, b) => a - b)
    served = []
    const pct = (p) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))] ?? 0
    process.send({ n: ms.length, p50: pct(50), p99: pct(99), max: ms.at(-1) ?? 0 })
  } else if (msg.cmd === 'batches') {
    process.send({ sent: sent.splice(0), allocations, height: (await chain.head()).height })
    allocations = 0
  } else if (msg.cmd === 'stop') {
    clearInterval(timer)
    await d.stop()
    rmSync(home, { recursive: true, force: true })
    process.exit(0)
  }
})
process.send({ port: d.port, startMs })
