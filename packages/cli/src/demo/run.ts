/**
 * The demo run: start the cluster, seal the sectors, wait until each is active on chain, collect
 * what it cost (messages, gas, fees) and what it gained (power), stop everything.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatSectorSize, VenusError } from '@venus-cluster/core'
import { type DemoCluster, startDemoCluster } from './cluster.js'
import { type DemoWindowPoSt, demoSleep, waitForWindowPoSt } from './post.js'
import { type DemoProgressView, progressView } from './progress-view.js'
import { chooseDemoProofs, type DemoProofsChoice } from './proofs.js'
import { type DemoSnap, snapDemoSectors } from './snap.js'
import { type DemoStageTiming, StageTracker } from './stages.js'

/** Options of {@link runDemo}. */
export interface DemoOptions {
  proofs: DemoProofsChoice
  sectors: number
  workers: number
  sectorSize: number
  blockTimeMs: number
  /** Wait for WindowPoSt to prove the sectors (power); false ends once they are active on chain. */
  windowPoSt: boolean
  /** Batch precommits and aggregate proofs (one message of each kind for all sectors). */
  batch?: boolean | undefined
  /**
   * Sectors that each carry one verified piece filling them (a client's DataCap allocation
   * claimed through direct data onboarding); default 0. They count ten times in QA power.
   */
  verified?: number | undefined
  /**
   * CC sectors (of `sectors`, not the verified ones) to snap up once proven (SnapDeals): a direct
   * piece is encoded into each by a `snapup` thread, the update goes on chain in one
   * `ProveReplicaUpdates3` and the new replicas are proven by WindowPoSt; default 0. Needs
   * `windowPoSt`.
   */
  snap?: number | undefined
  /** Give up after this long (ms); default 5 minutes with mock proofs, 30 with native ones. */
  timeoutMs?: number | undefined
  /** Scratch directory, never removed; default a new temporary one, removed at the end unless `keep`. */
  home?: string | undefined
  keep: boolean
  signal?: AbortSignal | undefined
  /** Where progress goes (a TTY gets bars); undefined = no progress output. */
  progress?: (NodeJS.WritableStream & { isTTY?: boolean }) | undefined
  /**
   * Called with the summary while the manager and devnet still run (workers are stopped), e.g.
   * to print it and wait for Ctrl-C while the user looks at the dashboard; then all stops.
   */
  beforeStop?: ((summary: DemoSummary) => Promise<void>) | undefined
}

/** One message the manager sent. */
export interface DemoMessage {
  kind: string
  method: number
  sectors: number[]
  exitCode: number | null
  gasUsed: number
  value: string
}

/** What {@link runDemo} reports. */
export interface DemoSummary {
  ok: boolean
  proofs: { kind: 'mock' | 'native'; reason: string }
  sectorSize: string
  workers: number
  miner: string
  home: string
  kept: boolean
  sectors: {
    sector: string
    number: number
    worker: number
    sealMs: number
    activation: number
    expiration: number
  }[]
  stages: DemoStageTiming[]
  wallMs: number
  startupMs: number
  epochs: number
  messages: { count: number; byKind: Record<string, number>; gasUsed: number; list: DemoMessage[] }
  /** attoFIL as decimal strings. */
  fees: { gasFeesAtto: string; lockedAtto: string }
  power: { rawBytes: string; qaBytes: string; committedBytes: string; note: string }
  /** The verified pieces (with `verified`): each one's allocation and the claim made of it. */
  verified?:
    | {
        client: string
        pieces: { pieceCid: string; size: number; allocationId: number; claimedBySector: number | null }[]
      }
    | undefined
  /** The snap-up of CC sectors (with `snap`): pieces, new sealed CIDs, power before and after. */
  snap?: DemoSnap | undefined
  /** The manager's dashboard with a read token (live while the cluster runs). */
  dashboardUrl: string | undefined
  windowPoSt: ({ included: true } & DemoWindowPoSt) | { included: false; note: string }
}

const WPOST_NOTE =
  'WindowPoSt left out (--no-post): the sectors are active on chain but unproven, so the miner ' +
  'has no power until their first WindowPoSt.'
/** Challenge window (epochs) of the demo devnet when WindowPoSt runs: a 288-epoch proving period. */
const DEMO_POST_WINDOW = 6

function errorChain(err: Error): string {
  const parts: string[] = []
  for (let e: unknown = err; e instanceof Error && parts.length < 5; e = e.cause) parts.push(e.message)
  return parts.join(' <- ')
}

const stderrLine =
  (level: string) =>
  (obj: object, msg?: string): void => {
    process.stderr.write(
      `${level} ${msg ?? ''} ${JSON.stringify(obj, (_k, v) => (v instanceof Error ? errorChain(v) : v))}\n`,
    )
  }
const stderrLogger = {
  debug: stderrLine('debug'),
  info: stderrLine('info'),
  warn: stderrLine('warn'),
  error: stderrLine('error'),
}

/** Sector numbers of `s-t01000-7` style names. */
function sectorNumberOf(name: string): number {
  return Number(name.slice(name.lastIndexOf('-') + 1))
}

/**
 * Runs the whole demo and returns its summary. Everything started is stopped before it returns
 * or throws (also on abort), and the scratch home is removed unless `keep`.
 *
 * @example
 * ```ts
 * const s = await runDemo({ proofs: 'mock', sectors: 4, workers: 1, sectorSize: 2048,
 *   blockTimeMs: 100, timeoutMs: 60_000, keep: false })
 * console.log(s.sectors.length, s.messages.count)
 * ```
 */
export async function runDemo(opts: DemoOptions): Promise<DemoSummary> {
  if (!Number.isInteger(opts.sectors) || opts.sectors < 1 || opts.sectors > 64)
    throw new VenusError('CLI_USAGE', `--sectors must be a whole number from 1 to 64, got ${opts.sectors}`)
  if (!Number.isInteger(opts.workers) || opts.workers < 1 || opts.workers > 16)
    throw new VenusError('CLI_USAGE', `--workers must be a whole number from 1 to 16, got ${opts.workers}`)
  if (opts.sectorSize !== 2048 && opts.sectorSize !== 8 << 20)
    throw new VenusError(
      'CLI_USAGE',
      `--sector-size must be 2KiB or 8MiB (the sizes the devnet seals), got ${formatSectorSize(opts.sectorSize)}`,
    )
  const verified = opts.verified ?? 0
  if (!Number.isInteger(verified) || verified < 0 || verified > opts.sectors)
    throw new VenusError(
      'CLI_USAGE',
      `--verified must be a whole number from 0 to --sectors (${opts.sectors}), got ${verified}`,
    )
  const snap = opts.snap ?? 0
  if (!Number.isInteger(snap) || snap < 0 || snap > opts.sectors - verified)
    throw new VenusError(
      'CLI_USAGE',
      `--snap must be a whole number from 0 to the CC sectors (--sectors minus --verified: ${opts.sectors - verified}), got ${snap}`,
    )
  if (snap > 0 && !opts.windowPoSt)
    throw new VenusError(
      'CLI_USAGE',
      '--snap needs WindowPoSt (drop --no-post): only proven CC sectors are snapped, and power is shown before and after',
    )
  const t0 = Date.now()
  const proofs = await chooseDemoProofs(opts.proofs, opts.sectorSize)
  const home = opts.home ?? (await mkdtemp(join(tmpdir(), 'venus-cluster-demo-')))
  const kept = opts.keep || opts.home !== undefined
  const tracker = new StageTracker()
  const view: DemoProgressView | undefined =
    opts.progress === undefined ? undefined : progressView(tracker, opts.progress, { start: t0 })
  view?.note(proofs.reason)
  let cluster: DemoCluster | undefined
  try {
    cluster = await startDemoCluster({
      home,
      proofs: proofs.backend,
      sectorSize: opts.sectorSize,
      sectors: opts.sectors,
      workers: opts.workers,
      blockTimeMs: opts.blockTimeMs,
      // Short enough to keep the demo quick, long enough that the seed is drawn after a real wait.
      challengeDelay: 5,
      postChallengeWindow: opts.windowPoSt ? DEMO_POST_WINDOW : undefined,
      // A batch goes out as soon as every sector waits (threshold = sectors); MaxWait only caps
      // the wait when one drops out. Mock sectors arrive within a few blocks of each other; real
      // C2s run one after another (about a minute each for 2KiB), so the proofs trickle in.
      batch:
        opts.batch === true
          ? { maxWaitMs: proofs.kind === 'native' ? opts.sectors * 3 * 60_000 : 40 * opts.blockTimeMs }
          : undefined,
      verified,
      snap,
      onStep: (w, e) => tracker.onStep(w, e),
      // VENUS_DEMO_DEBUG=1 shows the worker and manager logs (to find why a demo is stuck).
      ...(process.env.VENUS_DEMO_DEBUG ? { log: stderrLogger } : {}),
    })
    const startupMs = Date.now() - t0
    const c = cluster
    const startHeight = c.devnet.head().height
    const balanceBefore = c.devnet.balance(c.miner.owner)
    const readToken = await c.manager.auth?.issue('read')
    const dashboardUrl =
      readToken === undefined ? undefined : `${new URL('/ui', c.manager.url).href}?token=${readToken}`
    view?.note(
      `devnet ${c.served.httpUrl} (block time ${opts.blockTimeMs} ms), miner ${c.miner.address}, ` +
        `manager ${c.manager.url}, ${opts.workers} worker(s); sealing ${opts.sectors} × ${formatSectorSize(opts.sectorSize)} sectors`,
    )

    // Wait until every sector has finished on its worker and is active in the chain state.
    const active = new Map<number, { activation: number; expiration: number }>()
    const timeoutMs = opts.timeoutMs ?? (proofs.kind === 'native' ? 30 : 5) * 60_000
    const deadline = t0 + timeoutMs
    while (active.size < opts.sectors) {
      const failed = [...tracker.sectors.values()].find((p) => p.failed !== undefined)
      if (failed !== undefined)
        throw new VenusError('INTERNAL', `sector ${failed.sector} failed: ${failed.failed}`, {
          details: { state: failed.state },
        })
      if (Date.now() > deadline)
        throw new VenusError('TIMEOUT', `the demo did not finish within ${timeoutMs} ms`, {
          details: { finished: tracker.finished().length, active: active.size, sectors: opts.sectors },
        })
      for (const p of tracker.finished()) {
        const n = sectorNumberOf(p.sector)
        if (active.has(n)) continue
        const info = await c.chain.stateSectorGetInfo(c.miner.address, n)
        if (info !== null && info !== undefined) {
          active.set(n, { activation: info.Activation ?? 0, expiration: info.Expiration ?? 0 })
          view?.note(`${p.sector} is active on chain (activation epoch ${info.Activation})`)
        }
      }
      if (active.size < opts.sectors) await demoSleep(Math.min(100, opts.blockTimeMs), opts.signal)
    }
    // Stop sealing before proving and reading the books, so nothing changes under the summary.
    for (const w of c.workers) await w.stop()
    let post: DemoWindowPoSt | undefined
    if (opts.windowPoSt) {
      view?.note(
        `waiting for WindowPoSt of the sectors (proving period ${c.devnet.params.wpostProvingPeriod} epochs)`,
      )
      post = await waitForWindowPoSt(c, [...active.keys()], BigInt(opts.sectors * opts.sectorSize), {
        deadlineAt: deadline,
        signal: opts.signal,
      })
      view?.note(
        `WindowPoSt proved deadline(s) ${post.deadlines.join(', ')} after ${post.epochs} epochs: power gained`,
      )
    }
    let snapped: DemoSnap | undefined
    if (snap > 0) {
      // The CC sectors: those without a verified piece, lowest numbers first.
      const claimed = new Set(
        Object.values(c.verified === undefined ? {} : await c.chain.stateGetClaims(c.miner.address)).map(
          (x) => x.Sector,
        ),
      )
      const cc = [...active.keys()].filter((n) => !claimed.has(n)).sort((a, b) => a - b)
      snapped = await snapDemoSectors(c, {
        sectorNumbers: cc.slice(0, snap),
        sectorSize: opts.sectorSize,
        blockTimeMs: Math.min(100, opts.blockTimeMs),
        deadlineAt: deadline,
        signal: opts.signal,
        note: (line) => view?.note(line),
      })
      view?.note(
        `snapped sector(s) ${snapped.sectors.map((x) => x.number).join(', ')}: QA power ${snapped.powerBefore.qaBytes} → ${snapped.powerAfter.qaBytes} bytes`,
      )
    }
    const wallMs = Date.now() - t0

    const stored = await c.manager.manager.store.listMessages()
    const list: DemoMessage[] = []
    for (const m of stored) {
      const got = await c.messager.getMessageByUid(m.uid)
      list.push({
        kind: m.kind,
        method: got.Method ?? 0,
        sectors: m.sectors,
        exitCode: got.Receipt?.ExitCode ?? null,
        gasUsed: got.Receipt?.GasUsed ?? 0,
        value: String(got.Value ?? '0'),
      })
    }
    const byKind: Record<string, number> = {}
    for (const m of list) byKind[m.kind] = (byKind[m.kind] ?? 0) + 1
    const locked = list.reduce((a, m) => a + BigInt(m.value), 0n)
    const spent = balanceBefore - c.devnet.balance(c.miner.owner)
    const power = await c.chain.stateMinerPower(c.miner.address)
    // A claim is keyed by its allocation's id: which sector claimed each verified piece.
    const claims = c.verified === undefined ? {} : await c.chain.stateGetClaims(c.miner.address)
    view?.close()
    const sectors = [...tracker.sectors.values()]
      .filter((p) => active.has(sectorNumberOf(p.sector)))
      .sort((a, b) => sectorNumberOf(a.sector) - sectorNumberOf(b.sector))
      .map((p) => {
        const on = active.get(sectorNumberOf(p.sector))
        return {
          sector: p.sector,
          number: sectorNumberOf(p.sector),
          worker: p.worker + 1,
          sealMs: (p.finishedAt ?? Date.now()) - p.startedAt,
          activation: on?.activation ?? 0,
          expiration: on?.expiration ?? 0,
        }
      })
    const summary: DemoSummary = {
      ok: true,
      proofs: { kind: proofs.kind, reason: proofs.reason },
      sectorSize: formatSectorSize(opts.sectorSize),
      workers: opts.workers,
      miner: c.miner.address,
      home,
      kept,
      sectors,
      stages: tracker.timings(),
      wallMs,
      startupMs,
      epochs: c.devnet.head().height - startHeight,
      messages: { count: list.length, byKind, gasUsed: list.reduce((a, m) => a + m.gasUsed, 0), list },
      fees: { gasFeesAtto: (spent - locked).toString(), lockedAtto: locked.toString() },
      power: {
        rawBytes: power.MinerPower.RawBytePower,
        qaBytes: power.MinerPower.QualityAdjPower,
        committedBytes: String(sectors.length * opts.sectorSize),
        note:
          power.MinerPower.RawBytePower === '0'
            ? 'power counts once a WindowPoSt proves the sectors; committed bytes are what it will be'
            : 'proven by WindowPoSt',
      },
      ...(c.verified === undefined
        ? {}
        : {
            verified: {
              client: c.verified.client,
              pieces: c.verified.pieces.map((p) => ({
                pieceCid: p.pieceCid,
                size: p.size,
                allocationId: p.allocationId,
                claimedBySector: claims[String(p.allocationId)]?.Sector ?? null,
              })),
            },
          }),
      ...(snapped === undefined ? {} : { snap: snapped }),
      dashboardUrl,
      windowPoSt: post === undefined ? { included: false, note: WPOST_NOTE } : { included: true, ...post },
    }
    await opts.beforeStop?.(summary)
    return summary
  } finally {
    view?.close()
    await cluster?.stop()
    if (!kept) await rm(home, { recursive: true, force: true }).catch(() => {})
  }
}
