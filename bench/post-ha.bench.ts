// WindowPoSt failover across managers: two `daemon run --poster` processes on one PostgreSQL
// database, 2 miners × 40 sectors (mock proofs on a served devnet), two whole proving periods of
// 48 deadlines, with the manager holding deadline leases killed (kill -9, then restarted) or
// stopped (SIGSTOP, SIGCONT later) at ≥ 20 random moments. Reports missed deadlines and doubly
// submitted partitions as the devnet's chain counts them, and how long the other manager took to
// take the deadline over (from the hit to its takeover of the lease).
import { median, runPostHaScenario } from '../packages/cli/src/__fixtures__/post-ha-cluster.js'
import { findPgBin } from '../packages/manager/src/store/__fixtures__/pg-server.js'

export default {
  title: 'WindowPoSt failover across two managers',
  description: [
    'Two `venus-sector-manager daemon run --poster` processes on one PostgreSQL database (on',
    'loopback), 2 miners × 40 sectors on a served devnet with mock proofs, the lease holder killed',
    '(`kill -9`, restarted 0.5–1.5 s later) or stopped (`SIGSTOP`, `SIGCONT` 1.5–3.5 s later) at',
    'random moments over two whole proving periods. Time is scaled: a challenge window of',
    '`window` epochs of `block` ms, 48 deadlines per period, lease time-to-live 1 s renewed every',
    "250 ms (the defaults, 30 s / 10 s, keep the same proportion to mainnet's 30-minute window:",
    "takeover ≈ ttl + one head). Failover = from the hit to the other manager's takeover of a lease",
    "the victim held; missed and doubled are counted on the devnet's chain (`windowPoStAudit`).",
  ].join('\n'),
  async run(ctx: {
    quick: boolean
    log(s: string): void
    row(r: Record<string, unknown>): void
    note(s: string): void
  }) {
    if (findPgBin() === undefined) {
      ctx.note('skipped: the PostgreSQL server binaries are not installed (apt-get install -y postgresql)')
      return
    }
    const window = 20
    const blockMs = 150
    const r = await runPostHaScenario({
      seed: 'bench-post-ha',
      window,
      deadlines: ctx.quick ? 12 : 48,
      blockMs,
      miners: 2,
      sectorsPerMiner: 40,
      periods: 2,
      disruptions: ctx.quick ? 8 : 24,
      leaseTtl: '1s',
      leaseRenew: '250ms',
      rngSeed: 2026,
      log: (l) => ctx.log(l),
    })
    const ms = r.failovers.map((f) => f.ms)
    const ep = r.failovers.map((f) => f.epochs)
    ctx.row({
      deadlines: r.scenario.deadlines,
      window: `${window} epochs × ${blockMs} ms`,
      'periods run': r.periodsCovered.toFixed(2),
      disruptions: `${r.disruptions.length} (${r.disruptions.filter((d) => d.kind === 'kill-9').length} kill -9, ${r.disruptions.filter((d) => d.kind === 'sigstop').length} SIGSTOP)`,
      'hits on a holder': r.disruptions.filter((d) => d.held.length > 0).length,
      'windows audited (with sectors)': `${r.windows} (${r.windowsWithSectors})`,
      missed: r.missed,
      'doubly submitted': r.doubled,
      'failover median': `${(median(ms) / 1000).toFixed(2)} s / ${median(ep)} epochs`,
      'failover max': `${(Math.max(0, ...ms) / 1000).toFixed(2)} s / ${Math.max(0, ...ep)} epochs`,
    })
    ctx.note(`${r.managerRestarts} manager restarts; the run took ${r.seconds.toFixed(0)} s`)
    ctx.note(
      `failover by kind (median): kill -9 ${(median(r.failovers.filter((f) => f.kind === 'kill-9').map((f) => f.ms)) / 1000).toFixed(2)} s, SIGSTOP ${(median(r.failovers.filter((f) => f.kind === 'sigstop').map((f) => f.ms)) / 1000).toFixed(2)} s`,
    )
    // Whether each takeover still came inside the window of the deadline it took over: epochs
    // left before that window closed (the lease names its window's open epoch).
    const hits = r.disruptions.filter((d) => d.takeover !== undefined)
    const slack = hits.map((d) => {
      const open = Number(/@(\d+)$/.exec(d.takeover?.lease ?? '')?.[1] ?? Number.NaN)
      return { d, left: open + window - (d.takeover?.height ?? 0) }
    })
    const known = slack.filter((x) => Number.isFinite(x.left))
    if (known.length > 0)
      ctx.note(
        `takeovers inside the window of the deadline taken over: ${known.filter((x) => x.left > 0).length} of ${known.length}; fewest epochs left before its close: ${Math.min(...known.map((x) => x.left))}`,
      )
    const slowest = [...hits]
      .sort((a, b) => (b.takeover?.at ?? 0) - b.at - ((a.takeover?.at ?? 0) - a.at))
      .slice(0, 3)
    ctx.note(
      `slowest takeovers: ${slowest
        .map(
          (d) =>
            `${d.kind} at epoch ${d.height} (holding ${d.held.join(', ')}) → ${d.takeover?.lease} taken over at epoch ${d.takeover?.height}, ${(((d.takeover?.at ?? d.at) - d.at) / 1000).toFixed(2)} s later`,
        )
        .join('; ')}`,
    )
    if (r.missed > 0 || r.doubled > 0) throw new Error(`missed ${r.missed}, doubled ${r.doubled}`)
  },
}
