// The WindowPoSt poster of bench/scale-poster.bench.mjs, in its own process so that its memory
// and CPU are its own: the poster package's scheduler over the devnet's WebSocket API, mock
// proofs, default checks (every sector's sealed file and cache files are looked at). Every sector
// shares one set of files (a sparse 32GiB sealed file, p_aux and the eight tree-r-last files),
// which the checks and the mock prover read once per sector as they would each sector's own.
//
// Per deadline it records the CPU the process spent from proving-started to submitted, the part of
// it inside the proof computation (the WindowPoStComputer seam, the prover's work rather than the
// poster's), and the wall times. IPC: { cmd: 'report' } → the deadlines so far; { cmd: 'stop' }.
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChainClient, mockProofs, sectorCacheFiles, wsTransport } from '@venus-cluster/core'
import { localWindowPoSt, onAnyWindowPoStEvent, WindowPoStScheduler } from '@venus-cluster/poster'

const SECTOR_32G = 34359738368
const { BENCH_SCALE_WS: url, BENCH_SCALE_TOKEN: token, BENCH_SCALE_MINER: miner } = process.env
const root = mkdtempSync(join(tmpdir(), 'bench-scale-files-'))
const files = { sealedPath: join(root, 'sealed'), cacheDir: join(root, 'cache') }
mkdirSync(files.cacheDir)
const fd = openSync(files.sealedPath, 'w')
ftruncateSync(fd, SECTOR_32G)
closeSync(fd)
for (const f of sectorCacheFiles(SECTOR_32G).filter((x) => x.keptByClearCache))
  writeFileSync(
    join(files.cacheDir, f.name),
    f.name === 'p_aux' ? Buffer.from(process.env.BENCH_SCALE_PAUX, 'base64') : '',
  )

const kib = (field) =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0)
const cpuMs = () => {
  const c = process.cpuUsage()
  return (c.user + c.system) / 1000
}

const proofs = mockProofs()
const local = localWindowPoSt(proofs)
/** By deadline open epoch. */
const deadlines = new Map()
const at = (open) => {
  let d = deadlines.get(open)
  if (d === undefined) {
    d = { open, computeMs: 0, computeCpuMs: 0, sectors: 0, batches: 0, messages: 0 }
    deadlines.set(open, d)
  }
  return d
}
const bad = []
/** Deadlines open before the poster's first head that it could not prove in time. */
const startMissed = []
let firstHead
const steadyFrom = Number(process.env.BENCH_SCALE_STEADY_FROM ?? 0)

const chain = createChainClient(wsTransport(url, { token }))
const scheduler = new WindowPoStScheduler({
  miner,
  chain,
  proofs,
  locate: async () => files,
  compute: async (job, opts) => {
    const d = at(job.open)
    const t = performance.now()
    const c = cpuMs()
    try {
      return await local(job, opts)
    } finally {
      d.computeMs += performance.now() - t
      d.computeCpuMs += cpuMs() - c
    }
  },
  config: { challengeConfidence: 1, submitConfidence: 1, retryDelayMs: 500 },
})
onAnyWindowPoStEvent(scheduler.events, (e) => {
  if (process.env.BENCH_SCALE_DEBUG && e.type !== 'head')
    console.log('   poster:', JSON.stringify(e).slice(0, 300))
  const now = performance.now()
  if (e.type === 'proving-started')
    Object.assign(at(e.open), { deadline: e.deadline, t0: now, cpu0: cpuMs() })
  else if (e.type === 'proof-generated') {
    const d = at(e.open)
    d.provedMs = now - d.t0
    d.sectors += e.sectors
    d.batches++
  } else if (e.type === 'submitted') {
    const d = at(e.open)
    d.messages++
    d.submittedMs = now - d.t0
    d.cpuMs = cpuMs() - d.cpu0
  } else if (e.type === 'landed') {
    const d = at(e.open)
    d.landedEpochs = e.height - e.open
    d.landedMs = now - d.t0
    if (e.exitCode !== 0) bad.push(`deadline ${e.deadline} landed with exit ${e.exitCode}`)
  } else if (e.type === 'deadline-proven') at(e.open).proven = true
  else if (e.type === 'deadline-missed') {
    // A deadline already open when the poster saw its first head may be too far gone to prove,
    // and the empty ones the devnet mines through at once before the first deadline with sectors
    // may close before the poster has looked at them (start-up effects, counted apart); any
    // other miss fails the benchmark.
    if ((firstHead !== undefined && e.open <= firstHead) || e.open < steadyFrom) startMissed.push(e.deadline)
    else bad.push(`deadline ${e.deadline} (open ${e.open}, first head ${firstHead}) missed: ${e.reason}`)
  } else if (e.type === 'head') firstHead ??= e.height
  else if (e.type === 'error') bad.push(`error: ${e.message}`)
  else if (e.type === 'sectors-skipped')
    bad.push(`deadline ${e.deadline}: ${e.sectors.length} sectors skipped`)
})
await scheduler.start()

process.on('message', async (msg) => {
  if (msg.cmd === 'report') {
    // Deadlines without sectors are proven without a message: not counted.
    const list = [...deadlines.values()].filter((d) => d.proven && d.messages > 0)
    process.send({
      proven: list.map(({ t0: _t, cpu0: _c, ...d }) => d),
      bad: bad.slice(0, 10),
      startMissed,
      rss: kib('VmRSS') * 1024,
      peak: kib('VmHWM') * 1024,
      cpuMs: cpuMs(),
    })
  } else if (msg.cmd === 'stop') {
    await scheduler.stop()
    rmSync(root, { recursive: true, force: true })
    process.exit(0)
  }
})
process.send({ ready: true })
