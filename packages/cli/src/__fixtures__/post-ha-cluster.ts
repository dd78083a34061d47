/**
 * The WindowPoSt failover scenario, shared by its integration test and its benchmark: two
 * `venus-sector-manager daemon run --poster` processes on one PostgreSQL database (started here, on
 * loopback), a served devnet mining on a timer with a short proving period, two miners with
 * sealed (mock) sectors in one persist store, and the manager holding deadline leases killed
 * (`kill -9`, then restarted) or stopped (`SIGSTOP`, `SIGCONT` later) at random moments. Afterwards
 * the devnet's own chain says which deadlines were missed and which partitions were submitted
 * twice, and the survivors' logs say how long each takeover took.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs } from '@venus-cluster/core'
import { createDevnet, type Devnet, devnetParamsShortPeriod, serveDevnet } from '@venus-cluster/devnet'
import { sealTestSectors, type WindowPoStAudit, windowPoStAudit } from '@venus-cluster/devnet/testing'
import { openPostgresStore } from '@venus-cluster/manager'
import { startTestPg } from '../../../manager/src/store/__fixtures__/pg-server.js'
import { ensureBuiltCli, type SpawnedCli, spawnBuilt } from './built-cli.js'

/** The scenario's knobs. */
export interface PostHaScenario {
  seed: string
  /** Challenge window, epochs. */
  window: number
  /** Deadlines per proving period (48 on every real network). */
  deadlines: number
  /** Devnet block time, ms. */
  blockMs: number
  miners: number
  sectorsPerMiner: number
  /** Whole proving periods to run. */
  periods: number
  /** Disruptions to make at least (more when time allows). */
  disruptions: number
  leaseTtl: string
  leaseRenew: string
  /** Random seed of the kill schedule. */
  rngSeed: number
  log?: ((line: string) => void) | undefined
}

/** One kill or stop of a manager. */
export interface Disruption {
  kind: 'kill-9' | 'sigstop'
  at: number
  height: number
  victim: string
  /** Leases the victim held when it was hit (`t01000/3@1200`). */
  held: string[]
  /** The survivor's first takeover of one of the victim's leases. */
  takeover?: { at: number; height: number; lease: string }
}

/** What the scenario measured. */
export interface PostHaResult {
  scenario: PostHaScenario
  disruptions: Disruption[]
  /** Takeover delays of disruptions that hit a lease holder: ms and epochs. */
  failovers: { ms: number; epochs: number; kind: Disruption['kind'] }[]
  audits: { miner: string; audit: WindowPoStAudit }[]
  /** Deadline windows audited (all miners), and of them with sectors to prove. */
  windows: number
  windowsWithSectors: number
  missed: number
  doubled: number
  /** Proving periods covered by the audit (from the first to the last audited window). */
  periodsCovered: number
  managerRestarts: number
  seconds: number
}

interface Manager {
  home: string
  proc: SpawnedCli | undefined
  holder: string | undefined
  stopped: boolean
  lines: { at: number; height: number; text: string }[]
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A small deterministic PRNG (mulberry32) for the kill schedule. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Median of numbers (0 for none). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

function managerCfg(o: { miners: { minerId: number; owner: string }[]; api: string; store: string }): string {
  const messager = o.api.replace('/rpc/v1', '/rpc/v0')
  return [
    '[SectorManager]',
    ...o.miners.flatMap((m) => ['[[SectorManager.Miners]]', `ID = ${m.minerId}`]),
    '[Chain]',
    `Api = "${o.api}"`,
    'Token = ""',
    '[Messager]',
    `Api = "${messager}"`,
    'Token = ""',
    ...o.miners.flatMap((m) => [
      `[Commitment.Miners.${m.minerId}.Controls]`,
      `PreCommit = "${m.owner}"`,
      `ProveCommit = "${m.owner}"`,
    ]),
    '[PersistedStore]',
    '[[PersistedStore.Stores]]',
    'Name = "ps1"',
    `Path = "${o.store}"`,
    '[PoSt]',
    '[PoSt.Default]',
    'ChallengeConfidence = 1',
    'SubmitConfidence = 1',
    'MsgConfidence = 2',
    ...o.miners.flatMap((m) => [`[PoSt.Actors.${m.minerId}]`, `Sender = "${m.owner}"`]),
    '',
  ].join('\n')
}

/**
 * Runs the scenario (see the module comment) and cleans everything up, whatever happens.
 *
 * @example
 * ```ts
 * const r = await runPostHaScenario({ ...DEFAULT_POST_HA_SCENARIO, seed: 'x' })
 * expect(r.missed).toBe(0)
 * ```
 */
export async function runPostHaScenario(s: PostHaScenario): Promise<PostHaResult> {
  const log = s.log ?? (() => {})
  await ensureBuiltCli()
  const started = Date.now()
  const random = rng(s.rngSeed)
  const proofs = mockProofs()
  const base = devnetParamsShortPeriod(s.window)
  const devnet: Devnet = createDevnet({
    seed: s.seed,
    proofs,
    params: { ...base, wpostPeriodDeadlines: s.deadlines, wpostProvingPeriod: s.window * s.deadlines },
    keepStates: s.window * s.deadlines * (s.periods + 3) + 200,
  })
  const pg = await startTestPg()
  const store = mkdtempSync(join(tmpdir(), 'vsm-post-ha-ps-'))
  const homes = [0, 1].map((i) => mkdtempSync(join(tmpdir(), `vsm-post-ha-${i}-`)))
  const managers: Manager[] = homes.map((home) => ({
    home,
    proc: undefined,
    holder: undefined,
    stopped: false,
    lines: [],
  }))
  let served: Awaited<ReturnType<typeof serveDevnet>> | undefined
  let miningTimer: NodeJS.Timeout | undefined
  let restarts = 0
  const db = pg.createDatabase('post_ha')
  const leaseStore = await openPostgresStore({ connectionString: db })
  try {
    const miners: { miner: string; minerId: number; owner: string }[] = []
    for (let i = 0; i < s.miners; i++) {
      const who = await devnet.createTestMiner({ windowPoStProofType: 10 })
      const numbers = Array.from({ length: s.sectorsPerMiner }, (_, k) => k + 1)
      devnet.injectSectors(who.miner, await sealTestSectors(proofs, store, who.minerId, numbers))
      await devnet.faucet(who.miner, 100n * 10n ** 18n)
      miners.push({ miner: who.miner, minerId: who.minerId, owner: who.owner })
    }
    await devnet.mine(1)
    served = await serveDevnet(devnet, { noAuth: true })
    const api = `http://${served.host}:${served.port}/rpc/v1`
    for (const home of homes)
      writeFileSync(join(home, 'sector-manager.cfg'), managerCfg({ miners, api, store }))

    let mining = false
    miningTimer = setInterval(() => {
      if (mining) return
      mining = true
      void devnet.mine(1).finally(() => {
        mining = false
      })
    }, s.blockMs)

    const start = (m: Manager) => {
      m.holder = undefined
      m.stopped = false
      const proc = spawnBuilt('venus-sector-manager', [
        '--home',
        m.home,
        'daemon',
        'run',
        '--listen',
        '127.0.0.1:0',
        '--poster',
        '--proofs',
        'mock',
        '--no-auth',
        '--db',
        db,
        '--post-lease-ttl',
        s.leaseTtl,
        '--post-lease-renew',
        s.leaseRenew,
      ])
      let buf = ''
      const onData = (d: Buffer) => {
        buf += String(d)
        let nl = buf.indexOf('\n')
        while (nl >= 0) {
          const text = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          m.lines.push({ at: Date.now(), height: devnet.head().height, text })
          const h = /post: deadline leases as (\S+) /.exec(text)
          if (h) m.holder = h[1]
          nl = buf.indexOf('\n')
        }
      }
      proc.child.stdout?.on('data', onData)
      proc.child.stderr?.on('data', onData)
      m.proc = proc
    }
    const ready = async (m: Manager) => {
      for (let i = 0; i < 600; i++) {
        if (m.lines.some((l) => /WindowPoSt scheduling for/.test(l.text)) && m.holder !== undefined) return
        if (m.proc?.child.exitCode !== null && m.proc?.child.exitCode !== undefined)
          throw new Error(
            `manager exited at start:\n${m.lines
              .map((l) => l.text)
              .join('\n')
              .slice(-3000)}`,
          )
        await sleep(50)
      }
      throw new Error(
        `manager did not start:\n${m.lines
          .map((l) => l.text)
          .join('\n')
          .slice(-3000)}`,
      )
    }
    for (const m of managers) start(m)
    for (const m of managers) await ready(m)
    const from = devnet.head().height
    const period = s.window * s.deadlines
    const end = from + s.periods * period + 2 * s.window
    log(`post-ha: both managers up at epoch ${from}; running to epoch ${end}`)

    const disruptions: Disruption[] = []
    const heldBy = async (holder: string | undefined): Promise<string[]> => {
      if (holder === undefined) return []
      const now = Date.now()
      return (await leaseStore.post.listLeases({ limit: 100 }))
        .filter((l) => l.holder === holder && !l.released && l.expiresAt > now)
        .map((l) => `t0${l.miner}/${l.deadline}@${l.open}`)
    }
    // Time left is split between the disruptions still to make (a restart takes time of its
    // own, so the gaps aim at half of it); the run goes on past `end` until all were made.
    const epochsLeft = () => end - devnet.head().height
    const more = () => devnet.head().height < end - 2 * s.window || disruptions.length < s.disruptions
    while (more()) {
      const left = Math.max(1, s.disruptions - disruptions.length)
      const gapMs = Math.min(6000, Math.max(800, ((epochsLeft() - 2 * s.window) * s.blockMs * 0.5) / left))
      await sleep(gapMs * (0.6 + 0.8 * random()))
      if (!more()) break
      // The victim: a manager holding leases now (both run at this point).
      const held = await Promise.all(managers.map((m) => heldBy(m.holder)))
      const idx =
        (held[0]?.length ?? 0) === 0 && (held[1]?.length ?? 0) > 0
          ? 1
          : (held[1]?.length ?? 0) > 0 && random() < 0.5
            ? 1
            : 0
      const victim = managers[idx] as Manager
      const kind: Disruption['kind'] = random() < 0.5 ? 'kill-9' : 'sigstop'
      const d: Disruption = {
        kind,
        at: Date.now(),
        height: devnet.head().height,
        victim: victim.holder ?? '?',
        held: held[idx] ?? [],
      }
      disruptions.push(d)
      log(`post-ha: ${kind} of ${d.victim} at epoch ${d.height} holding ${d.held.join(', ') || 'no lease'}`)
      if (kind === 'kill-9') {
        victim.proc?.child.kill('SIGKILL')
        await victim.proc?.exited
        // An operator (or systemd) restarts it after a moment.
        await sleep(500 + 1000 * random())
        restarts++
        start(victim)
        await ready(victim)
      } else {
        victim.stopped = true
        victim.proc?.child.kill('SIGSTOP')
        await sleep(1500 + 2000 * random())
        victim.proc?.child.kill('SIGCONT')
        victim.stopped = false
        // Give it time to find its leases lost before the next disruption.
        await sleep(500)
      }
    }
    // Every window that opened before the last hit closes before the audit.
    const last = Math.max(end, devnet.head().height + 2 * s.window)
    while (devnet.head().height < last) await sleep(100)
    const to = devnet.head().height
    // Takeovers: the survivor's first "taken over" line naming the victim, after the hit.
    for (const d of disruptions) {
      if (d.held.length === 0) continue
      for (const m of managers) {
        const line = m.lines.find(
          (l) =>
            l.at >= d.at &&
            /deadline lease taken over/.test(l.text) &&
            l.text.includes(`"takenOverFrom":"${d.victim}"`),
        )
        if (line && (d.takeover === undefined || line.at < d.takeover.at)) {
          const lease = /"lease":"([^"]+)"/.exec(line.text)?.[1] ?? '?'
          d.takeover = { at: line.at, height: line.height, lease }
        }
      }
    }
    const audits = miners.map((m) => ({
      miner: m.miner,
      audit: windowPoStAudit(devnet, m.miner, { from: from + 1, to }),
    }))
    const all = audits.flatMap((a) => a.audit.deadlines)
    const opens = all.map((w) => w.open)
    const failovers = disruptions
      .filter((d) => d.takeover !== undefined)
      .map((d) => ({
        ms: (d.takeover?.at ?? d.at) - d.at,
        epochs: (d.takeover?.height ?? d.height) - d.height,
        kind: d.kind,
      }))
    return {
      scenario: s,
      disruptions,
      failovers,
      audits,
      windows: all.length,
      windowsWithSectors: all.filter((w) => w.required.length > 0).length,
      missed: audits.reduce((n, a) => n + a.audit.missed.length, 0),
      doubled: audits.reduce((n, a) => n + a.audit.doubled.length, 0),
      periodsCovered: opens.length === 0 ? 0 : (Math.max(...opens) + s.window - Math.min(...opens)) / period,
      managerRestarts: restarts,
      seconds: (Date.now() - started) / 1000,
    }
  } finally {
    clearInterval(miningTimer)
    for (const m of managers) {
      if (m.proc && m.proc.child.exitCode === null) {
        m.proc.child.kill('SIGCONT')
        m.proc.child.kill('SIGKILL')
        await m.proc.exited
      }
    }
    await leaseStore.close().catch(() => {})
    await served?.close()
    await devnet.stop()
    pg.stop()
    for (const d of [store, ...homes]) rmSync(d, { recursive: true, force: true })
  }
}

/** Chain facts of a result, for messages of failed assertions. */
export function describeAudit(r: PostHaResult): string {
  return r.audits
    .flatMap((a) =>
      [...a.audit.missed, ...a.audit.doubled].map(
        (w) =>
          `${a.miner} deadline ${w.deadline}@${w.open}: required [${w.required}] proven [${w.proven}] doubled [${w.doubleSubmitted}] messages ${JSON.stringify(w.messages)}`,
      ),
    )
    .join('\n')
}
