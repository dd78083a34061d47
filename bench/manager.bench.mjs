// The manager's Venus.* endpoint under load, and commit gas batched vs single.
//  1. calls/s over one WebSocket with 64 calls in flight (read: PollPreCommitState; write:
//     ReportState, a committed SQLite write with synchronous=FULL and group commit).
//  2. latency with 1,000 simulated sealing threads each calling once per second over HTTP POST
//     (as v0.1.1+ workers do), half reads, half writes.
//  3. gas per sector on the devnet: PreCommitSectorBatch2 / ProveCommitSectors3 of 1 vs batched.
import { mkdtempSync, rmSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sectorIdToWire } from '@venus-cluster/core'
import { createFakeChain, defaultMinerConfig, startManagerNode } from '@venus-cluster/manager'
import WebSocket from 'ws'

const report = (sector) => [
  sector,
  {
    Worker: { Instance: 'bench', Location: '/b' },
    StateChange: { Prev: 'A', Next: 'B', Event: 'None' },
    Failure: null,
  },
]

async function startDaemon(dir, engine) {
  const chain = createFakeChain({ miners: { 1000: 2048 } })
  return startManagerNode({
    home: dir,
    listen: '127.0.0.1:0',
    ...(engine.db ? { db: engine.db } : { synchronous: engine.sync }),
    config: { miners: [defaultMinerConfig(1000, 't01001')], persistStores: [] },
    chain,
    messager: chain,
    tickMs: 3_600_000,
    // Token checks are not what this measures (the load generator sends no token).
    auth: 'off',
  })
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

// A sealing cluster's steady traffic: threads poll (pre-commit and proof states), report every
// step, and workers ping.
const MIX = [
  'Venus.PollPreCommitState',
  'Venus.ReportState',
  'Venus.PollProofState',
  'Venus.ReportState',
  'Venus.PollPreCommitState',
  'Venus.ReportState',
  'Venus.PollProofState',
  'Venus.ReportState',
  'Venus.WorkerPing',
  'Venus.PollPreCommitState',
]
const ping = (i) => ({
  Name: `w${i % 100}`,
  Dest: '127.0.0.1:17890',
  Summary: { Threads: 4, Empty: 0, Paused: 0, Errors: 0 },
})
function mixCall(sectors) {
  return (i) => {
    const method = MIX[i % MIX.length]
    const sector = sectors[i % sectors.length]
    if (method === 'Venus.ReportState') return [method, report(sector)]
    if (method === 'Venus.WorkerPing') return [method, [ping(i)]]
    return [method, [sector]]
  }
}

async function wsThroughput(url, method, paramsOf, total, inFlight) {
  // `method` is a name, or null when `paramsOf` returns [method, params] per call (a mix).
  const ws = new WebSocket(url.replace('http', 'ws'))
  await new Promise((r, j) => ws.once('open', r).once('error', j))
  let sent = 0
  let done = 0
  const t0 = performance.now()
  await new Promise((resolve, reject) => {
    const send = () => {
      const id = sent++
      const [m, params] = method === null ? paramsOf(id) : [method, paramsOf(id)]
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: m, params }))
    }
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data))
      if (msg.error) reject(new Error(msg.error.message))
      done++
      if (done === total) resolve()
      else if (sent < total) send()
    })
    for (let i = 0; i < inFlight && sent < total; i++) send()
  })
  const s = (performance.now() - t0) / 1000
  ws.close()
  return total / s
}

// The load generator runs in a worker thread so its 1,000 timers and HTTP client do not share
// the daemon's event loop (a real manager's callers are other processes).
const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { Agent, request } = require('node:http')
const { url, threads, seconds, sectors } = workerData
const agent = new Agent({ keepAlive: true, maxSockets: threads })
const u = new URL(url)
const lat = []
const latR = []
const latW = []
let errors = 0
const report = (sector) => [sector, { Worker: { Instance: 'bench', Location: '/b' }, StateChange: { Prev: 'A', Next: 'B', Event: 'None' }, Failure: null }]
const one = (i, record) => new Promise((resolve) => {
  const sector = sectors[i % sectors.length]
  const body = i % 2 === 0
    ? JSON.stringify({ jsonrpc: '2.0', id: i, method: 'Venus.PollPreCommitState', params: [sector] })
    : JSON.stringify({ jsonrpc: '2.0', id: i, method: 'Venus.ReportState', params: report(sector) })
  const t = performance.now()
  const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
    res.resume()
    res.on('end', () => { if (res.statusCode !== 200) errors++; if (record) { const ms = performance.now() - t; lat.push(ms); (i % 2 === 0 ? latR : latW).push(ms) } resolve() })
  })
  req.on('error', () => { errors++; resolve() })
  req.end(body)
})
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
Promise.all(Array.from({ length: threads }, async (_, th) => {
  // One unrecorded call first: a sealing thread's connection is open long before.
  await one(th, false)
  await sleep(1000 + Math.random() * 1000)
  for (let k = 0; k < seconds; k++) {
    const next = performance.now() + 1000
    await one(th * seconds + k, true)
    await sleep(Math.max(0, next - performance.now()))
  }
})).then(() => { agent.destroy(); parentPort.postMessage({ lat, latR, latW, errors }) })
`

async function threadsLatency(url, threads, seconds, sectors) {
  const { Worker } = await import('node:worker_threads')
  const w = new Worker(LOAD_WORKER, { eval: true, workerData: { url, threads, seconds, sectors } })
  const { lat, latR, latW, errors } = await new Promise((resolve, reject) => {
    w.once('message', resolve)
    w.once('error', reject)
  })
  await w.terminate()
  for (const a of [lat, latR, latW]) a.sort((x, y) => x - y)
  return {
    n: lat.length,
    errors,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    max: lat[lat.length - 1],
    read: { p50: pct(latR, 50), p99: pct(latR, 99) },
    write: { p50: pct(latW, 50), p99: pct(latW, 99) },
  }
}

// How long one committed write holds the event loop: SQLite's synchronous=FULL fsyncs inside
// COMMIT (on the loop); the store's `full` mode commits as NORMAL and fdatasyncs the WAL on the
// thread pool before acknowledging. Same durability, the loop is free during the fsync.
async function commitBlocking(ctx) {
  const Database = createRequire(import.meta.url)('better-sqlite3')
  const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))]
  const n = ctx.quick ? 100 : 400
  for (const mode of ['FULL (fsync on the loop, before)', 'NORMAL + WAL fdatasync off the loop (now)']) {
    const dir = mkdtempSync(join(tmpdir(), 'vsm-commit-'))
    const db = new Database(join(dir, 'x.db'))
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${mode.startsWith('FULL') ? 'FULL' : 'NORMAL'}`)
    db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)')
    const ins = db.prepare('INSERT OR REPLACE INTO t VALUES (?, ?)')
    const wal = mode.startsWith('FULL') ? undefined : await open(join(dir, 'x.db-wal'), 'r')
    const blocked = []
    const acked = []
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      db.transaction(() => ins.run(i % 64, 'x'.repeat(600))).immediate()
      blocked.push(performance.now() - t0)
      if (wal) await wal.datasync()
      acked.push(performance.now() - t0)
    }
    await wal?.close()
    db.close()
    rmSync(dir, { recursive: true, force: true })
    blocked.sort((a, b) => a - b)
    acked.sort((a, b) => a - b)
    ctx.log(
      `${mode}: loop blocked p50 ${pct(blocked, 50).toFixed(3)} ms, p99 ${pct(blocked, 99).toFixed(3)} ms; ack p50 ${pct(acked, 50).toFixed(2)} ms`,
    )
    ctx.row({
      sync: mode,
      load: `${n} sequential commits`,
      method: 'event loop blocked per commit',
      'p50 ms': pct(blocked, 50).toFixed(3),
      'p99 ms': pct(blocked, 99).toFixed(3),
    })
  }
}

function gasPerSector(ctx) {
  // Measured on the devnet (its gas model) by packages/manager/src/devnet.int.test.ts, which
  // needs the TypeScript sources of devnet and core; it prints these figures on every run.
  ctx.note(
    'Gas per sector on the devnet (from `packages/manager/src/devnet.int.test.ts`): PreCommitSectorBatch2 ' +
      '16.7 M alone vs 3.79 M in a batch of 5; ProveCommitSectors3 267.5 M with one proof vs 121.1 M ' +
      'per sector in a SnarkPackV2 aggregate of 5.',
  )
}

export default {
  title: 'Sector manager: Venus.* throughput and latency',
  description:
    'The daemon (fake chain, auth off) and the load generator (in a worker thread) share one process on ' +
    'this 2-core machine. Engines: SQLite `full` (commit as NORMAL, then fdatasync of the WAL on the ' +
    'thread pool before the ack: survives power loss; group commit), SQLite `normal` (no fsync: ' +
    'survives a killed process, not a power cut) and PostgreSQL (a local server on loopback, ' +
    '`synchronous_commit=on`, one pool). Throughput: one WebSocket, 64 calls in flight. Latency: 1,000 ' +
    'sealing threads each calling once per second over HTTP POST with keep-alive, half reads ' +
    '(PollPreCommitState), half writes (ReportState). Targets: ≥ 5,000 calls/s; p99 < 20 ms.',
  async run(ctx) {
    const before = loadavg()[0]
    await commitBlocking(ctx)
    const engines = [
      { name: 'sqlite full', sync: 'full' },
      { name: 'sqlite normal', sync: 'normal' },
    ]
    const pg = await startPg(ctx)
    if (pg) engines.push({ name: 'postgres', db: pg.createDatabase('vsm_bench') })
    const results = []
    try {
      for (const engine of engines) results.push({ engine: engine.name, ...(await runMode(ctx, engine)) })
    } finally {
      pg?.stop()
    }
    const after = loadavg()[0]
    ctx.note(`Machine load average (1 min): ${before.toFixed(1)} before, ${after.toFixed(1)} after the run.`)
    for (const r of results) {
      ctx.note(
        `${r.engine}: realistic mix ${r.mix.toFixed(0)} calls/s (target ≥ 5,000: ${r.mix >= 5000 ? 'met' : 'missed'}); ` +
          `1,000 threads p99 ${r.p99.toFixed(2)} ms (target < 20 ms: ${r.p99 < 20 ? 'met' : 'missed'}).`,
      )
    }
    ctx.note(
      'Latency on this VM depends on its other tenants: with a load average of 3–12 from parallel builds ' +
        'and test suites, earlier runs measured a 1,000-thread p99 of 136–800 ms and 3,600–6,000 writes/s, ' +
        'with the same code. The figures above were taken with the load average shown.',
    )
    ctx.note(
      'Event-loop time per commit (SQLite) depends on how busy the shared disk is: in five runs on this VM, ' +
        'FULL held the loop 0.27–4.0 ms per commit (p99 0.8–13 ms), the WAL fdatasync off the loop ' +
        '0.05–0.11 ms (p99 0.13–0.26 ms).',
    )
    gasPerSector(ctx)
  },
}

// PostgreSQL from Debian's packages, as the integration tests start it (loopback, temp dir).
async function startPg(ctx) {
  const { tsImport } = await import('tsx/esm/api')
  const { findPgBin, startTestPg } = await tsImport(
    '../packages/manager/src/store/__fixtures__/pg-server.ts',
    import.meta.url,
  )
  if (findPgBin() === undefined) {
    ctx.note('PostgreSQL not measured: server binaries not installed (apt-get install -y postgresql).')
    return undefined
  }
  return startTestPg()
}

async function runMode(ctx, engine) {
  const sync = engine.name
  const dir = mkdtempSync(join(tmpdir(), 'vsm-bench-'))
  const d = await startDaemon(dir, engine)
  try {
    const sectors = []
    for (let i = 0; i < 64; i++)
      sectors.push(
        sectorIdToWire((await d.manager.allocateSector({ allowedMiners: null, allowedProofTypes: null })).id),
      )
    const total = ctx.quick ? 5_000 : 50_000
    await wsThroughput(d.url, 'Venus.PollPreCommitState', (i) => [sectors[i % 64]], 2_000, 64)
    const reads = await wsThroughput(d.url, 'Venus.PollPreCommitState', (i) => [sectors[i % 64]], total, 64)
    const writes = await wsThroughput(d.url, 'Venus.ReportState', (i) => report(sectors[i % 64]), total, 64)
    const pings = await wsThroughput(d.url, 'Venus.WorkerPing', (i) => [ping(i)], total, 64)
    const mix = await wsThroughput(d.url, null, mixCall(sectors), total, 64)
    ctx.log(
      `[${sync}] WS 64 in flight: mix ${mix.toFixed(0)}/s, PollPreCommitState ${reads.toFixed(0)}/s, ReportState ${writes.toFixed(0)}/s, WorkerPing ${pings.toFixed(0)}/s`,
    )
    const ws = (method, v) => ctx.row({ sync, load: 'WS, 64 in flight', method, 'calls/s': v.toFixed(0) })
    ws('mix: 40% ReportState, 30% PollPreCommitState, 20% PollProofState, 10% WorkerPing', mix)
    ws('PollPreCommitState (read)', reads)
    ws('ReportState (committed write)', writes)
    ws('WorkerPing (memory)', pings)
    const seconds = ctx.quick ? 3 : 10
    const l = await threadsLatency(d.url, 1000, seconds, sectors)
    ctx.log(
      `[${sync}] 1000 threads x 1/s for ${seconds}s: ${l.n} calls, p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(2)} ms, errors ${l.errors}; reads p50 ${l.read.p50.toFixed(2)} p99 ${l.read.p99.toFixed(2)} ms, writes p50 ${l.write.p50.toFixed(2)} p99 ${l.write.p99.toFixed(2)} ms`,
    )
    const load = `1,000 threads x 1 call/s, ${seconds} s, HTTP`
    ctx.row({
      sync,
      load,
      method: 'half PollPreCommitState, half ReportState',
      'p50 ms': l.p50.toFixed(2),
      'p99 ms': l.p99.toFixed(2),
      errors: l.errors,
    })
    for (const [what, v] of [
      ['PollPreCommitState (read) only', l.read],
      ['ReportState (committed write) only', l.write],
    ]) {
      ctx.row({ sync, load, method: what, 'p50 ms': v.p50.toFixed(2), 'p99 ms': v.p99.toFixed(2) })
    }
    return { mix, p99: l.p99 }
  } finally {
    await d.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
