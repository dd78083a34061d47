// The load generator of bench/scale-manager.bench.mjs, in its own process: simulated sealing
// threads of the original venus-worker against one manager over HTTP POST (keep-alive, one
// connection per simulated worker box of 32 threads, no token: the trusted-network path).
//
// Each thread runs the original's sealer plan for a CC 32GiB sector with the stage times of a
// real farm (PC1 3.5 h, PC2 15 min, C2 12 min …), the original's defaults for polling
// (rpc_polling_interval 30 s), seal_interval (30 s), recover_interval (30 s) and ping_interval
// (180 s), and a ReportState after every step; the manager's chain has mainnet's 30 s epochs and
// 150-epoch challenge delay. Every duration — stage times, intervals, epochs, the manager's batch
// timers — is divided by the same factor K, so the farm runs K times faster than a real one,
// with the same mix of calls. K can change while the farm runs ({ cmd: 'k' }): every wait in
// progress is rescheduled on the farm's clock, so a thread half-way through a PC1 at K = 10 has
// the rest of it at K = 1 (real time) and the mix of stages stays the steady state.
//
// Threads start at a random point of their sector's life (a farm in steady state), reached by a
// fast-forward: the calls of the stages before that point are made at once (while the parent
// runs the chain fast), then the thread follows the normal times; one starting inside a chain
// wait makes the polls of the rest of that wait (the chain ran fast, so it is already over). Commands over IPC:
//   { cmd: 'add', threads }          start threads (fast-forward), answer once all are in step
//   { cmd: 'window', seconds }       latencies of the calls started in the next `seconds`
//   { cmd: 'k', k }                  divide the farm's times by `k` from now on
//   { cmd: 'rate', threads, seconds } stop the farm; `threads` callers at 1 call/s each
import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { zeroCommitment } from '@venus-cluster/core'
import { CYCLE, INTERVAL, STAGE, WAIT } from './farm-model.mjs'

const url = new URL(process.env.BENCH_SCALE_URL)
let K = Number(process.env.BENCH_SCALE_K ?? 1)
const persistRoot = process.env.BENCH_SCALE_PERSIST
const SECTOR_32G = 34359738368
const THREADS_PER_WORKER = 32
/** How much faster than a real chain the manager's chain runs while threads fast-forward. */
export const FAST = Number(process.env.BENCH_SCALE_FAST ?? 300)
/** The longest a fast-forward is waited for (ms). */
const WARM_MAX_MS = Number(process.env.BENCH_SCALE_WARM_MAX_S ?? 240) * 1000
const commD = [...zeroCommitment(SECTOR_32G)]

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// ------------------------------------------------------------------ the farm's clock

/** Farm seconds at `clockAt` (real ms): the farm's clock runs K times faster than a real one. */
let clockFarm = 0
let clockAt = performance.now()
const farmNow = () => clockFarm + ((performance.now() - clockAt) * K) / 1000
/** Waits in progress: their end on the farm's clock, their timer, their resolve. */
const farmWaits = new Set()

/** Sleeps `seconds` of the farm's time (rescheduled when K changes). */
function farmSleep(seconds) {
  return new Promise((resolve) => {
    const w = { end: farmNow() + seconds, resolve, timer: undefined }
    const arm = () => {
      w.timer = setTimeout(
        () => {
          farmWaits.delete(w)
          resolve()
        },
        (Math.max(0, w.end - farmNow()) * 1000) / K,
      )
    }
    w.arm = arm
    farmWaits.add(w)
    arm()
  })
}

/** From now on the farm's times are divided by `k`; every wait in progress is rescheduled. */
function setK(k) {
  if (!(k > 0)) throw new Error(`k: ${k} is not a positive number`)
  clockFarm = farmNow()
  clockAt = performance.now()
  K = k
  for (const w of farmWaits) {
    clearTimeout(w.timer)
    w.arm()
  }
}

// ------------------------------------------------------------------ calls and their latencies

let recording = null
const agents = new Map()
let shared
const loop = monitorEventLoopDelay({ resolution: 10 })
loop.enable()

function agentOf(worker) {
  if (worker === null) {
    shared ??= new Agent({ keepAlive: true, maxSockets: 400 })
    return shared
  }
  let a = agents.get(worker)
  if (a === undefined) {
    a = new Agent({ keepAlive: true, maxSockets: 1 })
    agents.set(worker, a)
  }
  return a
}

let nextId = 1
let errors = 0
/** One Venus.* call; resolves its result (throws on an RPC error). */
function call(worker, method, params) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params })
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: agentOf(worker),
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const ms = performance.now() - t0
          if (recording !== null && t0 >= recording.from) recording.calls.push([method, ms])
          let msg
          try {
            msg = JSON.parse(Buffer.concat(chunks).toString())
          } catch {
            errors++
            return reject(new Error(`${method}: HTTP ${res.statusCode}`))
          }
          if (msg.error) {
            errors++
            return reject(new Error(`${method}: ${msg.error.message}`))
          }
          resolve(msg.result)
        })
      },
    )
    req.on('error', (e) => {
      errors++
      reject(e)
    })
    req.end(body)
  })
}

// ------------------------------------------------------------------ the farm

let farmRunning = true
const threads = []
/** Why sectors failed (each thread then starts a new one after recover_interval). */
const failures = []

/** Writes what SubmitPersisted checks: a sparse 32GiB sealed file, p_aux and tree-r-last. */
function writePersisted(id) {
  const name = `s-t0${id.Miner}-${id.Number}`
  mkdirSync(join(persistRoot, 'cache', name), { recursive: true })
  const fd = openSync(join(persistRoot, 'sealed', name), 'w')
  ftruncateSync(fd, SECTOR_32G)
  closeSync(fd)
  for (const f of ['p_aux', ...Array.from({ length: 8 }, (_, i) => `sc-02-data-tree-r-last-${i}.dat`)])
    writeFileSync(join(persistRoot, 'cache', name, f), '')
}

class SealingThread {
  constructor(index, phase) {
    this.index = index
    this.worker = Math.floor(index / THREADS_PER_WORKER)
    this.instance = `rig-${this.worker}`
    /** Real seconds into the sector's life still to fast-forward. */
    this.ahead = phase
    this.inStep = phase === 0
  }

  /** Waits `seconds` of the farm's time: skipped while fast-forwarding, else divided by K. */
  async wait(seconds) {
    if (!farmRunning) throw new Error('stopped')
    if (this.ahead > 0) {
      this.ahead -= seconds
      if (this.ahead > 0) return
      seconds = -this.ahead
    }
    await this.stepIn()
    await farmSleep(seconds)
  }

  /** Ends the fast-forward: the last report skipped is sent, then the thread follows the times. */
  async stepIn() {
    this.ahead = 0
    if (this.inStep) return
    this.inStep = true
    const r = this.skipped
    this.skipped = undefined
    if (r !== undefined) await this.report(...r)
  }

  /** A chain wait: polls every `interval` farm seconds (every second while fast-forwarding). */
  async until(check, interval, nominal) {
    const fast = this.ahead > 0
    for (;;) {
      const r = await check()
      if (r !== undefined) {
        if (fast) {
          this.ahead -= nominal
          if (this.ahead <= 0) {
            // The thread's starting point fell inside this wait, `rest` seconds before its end: the
            // chain ran fast, so it is already over, but a thread of a steady farm would still be
            // polling. Those polls are made, so the polling threads are a steady farm's share.
            const rest = -this.ahead
            await this.stepIn()
            for (let t = interval; t <= rest; t += interval) {
              await farmSleep(interval)
              if (!farmRunning) throw new Error('stopped')
              await check()
            }
          }
        }
        return r
      }
      if (!farmRunning) throw new Error('stopped')
      await (this.ahead > 0 ? sleep(1000) : farmSleep(interval))
      if (!farmRunning) throw new Error('stopped')
    }
  }

  report(id, prev, next) {
    // Once the farm stops (the saturation search), its threads make no more calls.
    if (!farmRunning) return Promise.reject(new Error('stopped'))
    this.stage = next
    // Fast-forwarding, only the last report is sent (when the thread steps in).
    if (this.ahead > 0) {
      this.skipped = [id, prev, next]
      return Promise.resolve(null)
    }
    return call(this.worker, 'Venus.ReportState', [
      id,
      {
        Worker: {
          Instance: this.instance,
          Location: `/mnt/nvme0/sealing/t${this.index % THREADS_PER_WORKER}`,
        },
        StateChange: { Prev: prev, Next: next, Event: 'None' },
        Failure: null,
      },
    ])
  }

  async run() {
    while (farmRunning) {
      try {
        await this.sector()
      } catch (e) {
        if (!farmRunning) return
        failures.push(String(e?.message ?? e))
        // The skipped report may fail too (the manager gone): the thread goes on regardless.
        await this.stepIn().catch(() => {})
        await farmSleep(INTERVAL.recover)
      }
    }
  }

  async sector() {
    const w = this.worker
    const got = await this.until(
      async () =>
        (await call(w, 'Venus.AllocateSector', [{ AllowedMiners: null, AllowedProofTypes: null }])) ??
        undefined,
      INTERVAL.recover,
      0,
    )
    const id = got.ID
    await this.report(id, 'Empty', 'Allocated')
    await this.report(id, 'Allocated', 'DealsAcquired')
    await this.wait(STAGE.addPiece)
    await this.report(id, 'DealsAcquired', 'PieceAdded')
    await this.wait(STAGE.treeD)
    await this.report(id, 'PieceAdded', 'TreeDBuilt')
    await this.report(id, 'TreeDBuilt', 'TicketAssigned')
    const ticket = await call(w, 'Venus.AssignTicket', [id])
    await this.wait(STAGE.pc1)
    await this.report(id, 'TicketAssigned', 'PC1Done')
    await this.wait(STAGE.pc2)
    await this.report(id, 'PC1Done', 'PC2Done')
    const commR = Array.from({ length: 32 }, (_, i) => (i === 31 ? 0 : (id.Number * 7 + i) & 0xff))
    const pre = await call(w, 'Venus.SubmitPreCommit', [
      { ID: id, ProofType: got.ProofType },
      { CommR: commR, CommD: commD, Ticket: ticket, Deals: [] },
      false,
    ])
    if (pre.Res !== 1) throw new Error(`precommit: ${pre.Desc}`)
    await this.report(id, 'PC2Done', 'PCSubmitted')
    await this.until(
      async () => {
        const r = await call(w, 'Venus.PollPreCommitState', [id])
        if (r.State >= 5) throw new Error(`precommit failed: ${r.Desc}`)
        return r.State === 3 ? r : undefined
      },
      INTERVAL.polling,
      WAIT.preLanding,
    )
    await this.report(id, 'PCSubmitted', 'PCLanded')
    await this.wait(STAGE.persist)
    writePersisted(id)
    await this.report(id, 'PCLanded', 'Persisted')
    if ((await call(w, 'Venus.SubmitPersisted', [id, 'ps'])) !== true) throw new Error('persist check failed')
    await this.report(id, 'Persisted', 'PersistanceSubmitted')
    const fast = this.ahead > 0
    for (;;) {
      const r = await call(w, 'Venus.WaitSeed', [id])
      if (!r.ShouldWait && r.Seed !== null) break
      if (!farmRunning) throw new Error('stopped')
      // The worker sleeps the delay the manager says (fast-forwarding, the chain runs FAST times
      // faster than a real one).
      await (this.ahead > 0 ? sleep((Math.max(1, r.Delay) * 1000) / FAST) : farmSleep(Math.max(1, r.Delay)))
    }
    if (fast) {
      this.ahead -= WAIT.seed
      if (this.ahead <= 0) {
        // Started inside the seed wait (see `until`): the rest of it is slept, then asked again.
        const rest = -this.ahead
        await this.stepIn()
        if (rest >= 1) {
          await farmSleep(rest)
          await call(w, 'Venus.WaitSeed', [id])
        }
      }
    }
    await this.report(id, 'PersistanceSubmitted', 'SeedAssigned')
    await this.wait(STAGE.c1)
    await this.report(id, 'SeedAssigned', 'C1Done')
    await this.wait(STAGE.c2)
    await this.report(id, 'C1Done', 'C2Done')
    const proof = Buffer.alloc(1920, id.Number & 0xff).toString('base64')
    const sub = await call(w, 'Venus.SubmitProof', [id, { Proof: proof }, false])
    if (sub.Res !== 1) throw new Error(`proof: ${sub.Desc}`)
    await this.report(id, 'C2Done', 'ProofSubmitted')
    await this.until(
      async () => {
        const r = await call(w, 'Venus.PollProofState', [id])
        if (r.State >= 5) throw new Error(`proof failed: ${r.Desc}`)
        return r.State === 3 ? r : undefined
      },
      INTERVAL.polling,
      WAIT.proofLanding,
    )
    await this.report(id, 'ProofSubmitted', 'Finished')
    // A report skipped while fast-forwarding must not follow the record offline.
    this.skipped = undefined
    await call(w, 'Venus.ReportFinalized', [id])
    await this.wait(INTERVAL.seal)
  }
}

async function pinger(worker) {
  // Workers ping from their start, at a random point of the interval.
  await farmSleep(Math.random() * INTERVAL.ping)
  while (farmRunning) {
    const n = threads.filter((t) => t.worker === worker).length
    await call(worker, 'Venus.WorkerPing', [
      { Name: `rig-${worker}`, Dest: '', Summary: { Threads: n, Empty: 0, Paused: 0, Errors: 0 } },
    ]).catch(() => {})
    await farmSleep(INTERVAL.ping)
  }
}

async function addThreads(n) {
  const first = threads.length
  for (let i = 0; i < n; i++) {
    const t = new SealingThread(first + i, Math.random() * CYCLE)
    threads.push(t)
    if ((first + i) % THREADS_PER_WORKER === 0) void pinger(t.worker)
    t.run().catch((e) => failures.push(String(e?.message ?? e)))
  }
  const t0 = performance.now()
  let shown = 0
  // Bounded: on a busy machine the last threads may take many minutes to catch up; the window is
  // then measured with them still fast-forwarding (the answer says how many).
  while (threads.some((t) => !t.inStep) && performance.now() - t0 < WARM_MAX_MS) {
    await sleep(200)
    if (process.env.BENCH_SCALE_DEBUG && performance.now() - shown > 5000) {
      shown = performance.now()
      const by = {}
      for (const t of threads) if (!t.inStep) by[t.stage] = (by[t.stage] ?? 0) + 1
      console.log('   fast-forwarding:', JSON.stringify(by))
    }
  }
  return { ms: performance.now() - t0, behind: threads.filter((t) => !t.inStep).length }
}

// ------------------------------------------------------------------ measuring

function summary(calls, seconds) {
  const ms = calls.map((c) => c[1]).sort((a, b) => a - b)
  const pct = (p) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))] ?? 0
  const by = {}
  const lat = {}
  for (const [m, v] of calls) {
    by[m] = (by[m] ?? 0) + (v >= 0 ? 1 : 0)
    if (lat[m] === undefined) lat[m] = []
    lat[m].push(v)
  }
  // Which calls make the tail: each method's p99 (ms).
  const p99ByMethod = {}
  for (const [m, l] of Object.entries(lat)) {
    l.sort((a, b) => a - b)
    p99ByMethod[m] = Math.round(l[Math.min(l.length - 1, Math.floor(0.99 * l.length))] * 10) / 10
  }
  return {
    p99ByMethod,
    calls: ms.length,
    perSecond: ms.length / seconds,
    p50: pct(50),
    p99: pct(99),
    max: ms.at(-1) ?? 0,
    byMethod: by,
  }
}

async function window(seconds) {
  errors = 0
  loop.reset()
  recording = { from: performance.now(), calls: [] }
  await sleep(seconds * 1000)
  const rec = recording
  recording = null
  // Calls still running when the window closed count with the time they take.
  await sleep(200)
  return {
    ...summary(rec.calls, seconds),
    k: K,
    errors,
    failures: failures.splice(0, 5),
    loadGenLoopP99: loop.percentile(99) / 1e6,
  }
}

/** `n` callers, each once a second: reads and writes of the online sectors, half and half. */
async function rate(n, seconds) {
  farmRunning = false
  const ids = (await call(null, 'Venus.ListSectors', ['online', { After: null, Limit: 2000 }])).map(
    (s) => s.ID,
  )
  if (ids.length === 0) throw new Error('no online sectors to call about')
  let stop = false
  errors = 0
  loop.reset()
  recording = { from: performance.now() + 2000, calls: [] }
  const callers = Array.from({ length: n }, async (_, i) => {
    await sleep(Math.random() * 1000)
    for (let k = 0; !stop; k++) {
      const next = performance.now() + 1000
      const id = ids[(i + k) % ids.length]
      await (k % 2 === 0
        ? call(null, 'Venus.PollPreCommitState', [id])
        : call(null, 'Venus.ReportState', [
            id,
            {
              Worker: { Instance: `rig-${i >> 5}`, Location: '/b' },
              StateChange: { Prev: 'PC1Done', Next: 'PC1Done', Event: 'None' },
              Failure: null,
            },
          ])
      ).catch(() => {})
      await sleep(Math.max(0, next - performance.now()))
    }
  })
  await sleep((seconds + 2) * 1000)
  stop = true
  const rec = recording
  recording = null
  await Promise.all(callers)
  return { ...summary(rec.calls, seconds), errors, loadGenLoopP99: loop.percentile(99) / 1e6 }
}

process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'add') process.send({ ok: true, ...(await addThreads(msg.threads)) })
    else if (msg.cmd === 'window') process.send({ ok: true, ...(await window(msg.seconds)) })
    else if (msg.cmd === 'k') {
      setK(Number(msg.k))
      process.send({ ok: true, waits: farmWaits.size })
    } else if (msg.cmd === 'rate') process.send({ ok: true, ...(await rate(msg.threads, msg.seconds)) })
    else if (msg.cmd === 'stop') {
      farmRunning = false
      for (const a of agents.values()) a.destroy()
      shared?.destroy()
      process.exit(0)
    }
  } catch (e) {
    process.send({ ok: false, error: String(e?.stack ?? e) })
  }
})
process.send({ ready: true, cycle: CYCLE })
