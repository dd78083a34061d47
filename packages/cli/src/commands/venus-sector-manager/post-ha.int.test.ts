// WindowPoSt without a single point of failure, end to end: two `daemon run --poster` processes on
// one PostgreSQL database, 2 miners × 40 sectors on a served devnet, two whole proving periods,
// and the manager holding deadline leases killed (kill -9, then restarted) or stopped (SIGSTOP,
// later SIGCONT) at 20 random moments. The devnet's chain must show every deadline proven and no
// partition submitted twice, and every hit on a lease holder must be followed by a takeover.
import { describe, expect, it } from 'vitest'
import { findPgBin } from '../../../../manager/src/store/__fixtures__/pg-server.js'
import { describeAudit, runPostHaScenario } from '../../__fixtures__/post-ha-cluster.js'

const WINDOW = 20
const BLOCK_MS = 200
const TTL_MS = 1000
const TTL_BLOCKS = Math.ceil(TTL_MS / BLOCK_MS)

describe.skipIf(findPgBin() === undefined)('two managers with --poster on one PostgreSQL', () => {
  it('prove every deadline exactly once while the lease holder is killed or stopped 20 times', async () => {
    const r = await runPostHaScenario({
      seed: 'post-ha-int',
      window: WINDOW,
      deadlines: 12,
      blockMs: BLOCK_MS,
      miners: 2,
      sectorsPerMiner: 40,
      periods: 2,
      disruptions: 20,
      leaseTtl: `${TTL_MS}ms`,
      leaseRenew: '250ms',
      rngSeed: 16,
      log: process.env.POST_HA_LOG ? (l) => console.log(l) : undefined,
    })
    if (process.env.POST_HA_LOG)
      console.log(
        JSON.stringify({
          ...r,
          audits: undefined,
          disruptions: r.disruptions.length,
          failovers: r.failovers,
        }),
        describeAudit(r),
      )
    expect(r.disruptions.length).toBeGreaterThanOrEqual(20)
    expect(r.disruptions.some((d) => d.kind === 'kill-9')).toBe(true)
    expect(r.disruptions.some((d) => d.kind === 'sigstop')).toBe(true)
    expect(r.periodsCovered).toBeGreaterThanOrEqual(2)
    expect(r.windowsWithSectors).toBeGreaterThan(0)
    expect(r.missed, describeAudit(r)).toBe(0)
    expect(r.doubled, describeAudit(r)).toBe(0)
    // Every hit on a manager holding leases was followed by the other taking them over, unless
    // each lease it held belonged to a window that closed before the lease could expire (TTL 1 s
    // = 5 blocks, plus 3 blocks for the survivor's head): then no one needs it, and the audit
    // above shows that deadline proven anyway.
    const hits = r.disruptions.filter((d) => d.held.length > 0)
    expect(hits.length).toBeGreaterThan(10)
    const closesSoon = (d: (typeof hits)[number]) =>
      d.held.every((lease) => Number(lease.split('@')[1]) + WINDOW - d.height <= TTL_BLOCKS + 3)
    expect(hits.filter((d) => d.takeover === undefined && !closesSoon(d))).toEqual([])
  }, 600_000)
})
