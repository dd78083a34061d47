/**
 * The demo's SnapDeals part (`--snap N`): once the CC sectors are proven, a verified client
 * allocates DataCap to one sector-sized piece per sector to snap and the operator queues them as
 * direct pieces claiming those allocations (Fil+ data onboarded into CC sectors, the usual reason
 * to snap), the manager reads its candidates from the chain
 * (`util sealer snap fetch`), a worker's `snapup` threads take them with the pieces, encode the
 * data into new replicas and prove the updates, the manager sends one `ProveReplicaUpdates3`,
 * and the poster then proves the new replicas by WindowPoSt. The chain stands still while the
 * threads work and moves epoch by epoch while the update is on its way, so a sector's deadline
 * does not turn immutable under it.
 */
import { VenusError } from '@venus-cluster/core'
import type { SnapUpState } from '@venus-cluster/manager'
import type { DemoCluster } from './cluster.js'
import { demoSectorDeadlines, demoSleep, landedPoSts, mineEpoch, mineUntil, postEpochBound } from './post.js'
import { DEMO_SNAP_STAGES, type DemoStageTiming, StageTracker } from './stages.js'
import { onboardVerifiedPieces } from './verified.js'

/** Raw and quality-adjusted power of the miner (bytes, decimal strings). */
export interface DemoPower {
  rawBytes: string
  qaBytes: string
}

/** What {@link snapDemoSectors} did. */
export interface DemoSnap {
  /** The verified client whose DataCap the pieces use. */
  client: string
  /** The verified direct pieces snapped in (one filling each sector) and the claim made of each. */
  pieces: { pieceCid: string; size: number; allocationId: number; claimedBySector: number | null }[]
  sectors: {
    number: number
    /** The CC replica's sealed CID, kept on chain as the sector key. */
    sectorKeyCid: string
    /** The new replica's sealed CID (`StateSectorGetInfo`). */
    sealedCid: string
    /** Epoch the update landed. */
    landedEpoch: number
    /** The new replica's sealed CID was proven by WindowPoSt after the update landed. */
    provenAfterUpdate: boolean
  }[]
  /** Per-stage times of the `snapup` threads. */
  stages: DemoStageTiming[]
  /** The `ProveReplicaUpdates3` messages (the demo sends one for all sectors). */
  messages: { count: number; gasUsed: number; exitCodes: (number | null)[] }
  /** Power once the CC sectors were proven, and after the snapped ones were proven again. */
  powerBefore: DemoPower
  powerAfter: DemoPower
  /** The WindowPoSt of the new replicas: their deadlines, messages landed since the update. */
  windowPoSt: { deadlines: number[]; messages: number; gasUsed: number; epochs: number; ms: number }
  /** From the pieces queued until the update landed, and the whole part (ms). */
  updateMs: number
  ms: number
}

const IN_FLIGHT: readonly (SnapUpState | undefined)[] = ['queued', 'sent']

async function minerPower(c: DemoCluster): Promise<DemoPower> {
  const p = await c.chain.stateMinerPower(c.miner.address)
  return { rawBytes: p.MinerPower.RawBytePower, qaBytes: p.MinerPower.QualityAdjPower }
}

/**
 * Snaps direct pieces into the proven CC sectors `sectorNumbers` of a cluster started with
 * `snap` and a poster, waits until the update is on chain and the new replicas are proven by
 * WindowPoSt, and reports what changed. Throws `TIMEOUT` at `deadlineAt`, and `INTERNAL` when a
 * snap-up fails (on the worker or on chain).
 *
 * @example
 * ```ts
 * const snap = await snapDemoSectors(cluster, { sectorNumbers: [1, 2], sectorSize: 2048,
 *   blockTimeMs: 100, deadlineAt: Date.now() + 60_000 })
 * snap.sectors[0].sealedCid // the new replica's CID
 * ```
 */
export async function snapDemoSectors(
  c: DemoCluster,
  opts: {
    sectorNumbers: readonly number[]
    sectorSize: number
    /** Pace of the chain while the update travels (ms per epoch). */
    blockTimeMs: number
    deadlineAt: number
    signal?: AbortSignal | undefined
    note?: ((line: string) => void) | undefined
  },
): Promise<DemoSnap> {
  const t0 = Date.now()
  const mgr = c.manager.manager
  const miner = c.miner.id
  const count = opts.sectorNumbers.length
  const powerBefore = await minerPower(c)

  const onboarded = await onboardVerifiedPieces({
    devnet: c.devnet,
    manager: c.manager,
    minerId: miner,
    sectorSize: opts.sectorSize,
    count,
    pieceDir: c.pieceDir,
    kind: 'snap piece',
  })

  // The candidates: active CC sectors outside the deadlines that are immutable now (the open one
  // and the next); those inside turn into candidates a few epochs later.
  const wanted = new Set(opts.sectorNumbers)
  const candidates = async () => {
    await mgr.snapup.fetchCandidates(miner)
    return mgr.snapup.candidates.list(miner).filter((x) => wanted.has(x.number)).length >= count
  }
  await mineUntil(c, candidates, {
    maxEpochs: 4 * c.devnet.params.wpostChallengeWindow + 10,
    deadlineAt: opts.deadlineAt,
    signal: opts.signal,
    what: 'the CC sectors did not become snap-up candidates',
  })
  opts.note?.(`snapping ${count} direct piece(s) into CC sector(s) ${opts.sectorNumbers.join(', ')}`)

  const tracker = new StageTracker(Date.now, DEMO_SNAP_STAGES)
  const worker = await c.startSnapWorker(count, (w, e) => tracker.onStep(w, e))
  const states = () =>
    Promise.all(opts.sectorNumbers.map(async (n) => (await mgr.snapup.state({ miner, number: n }))?.state))
  // The chain moves only while an update is queued or on its way: encoding and proving take
  // minutes with native proofs, and the sectors' deadlines must stay mutable until it lands.
  for (;;) {
    const now = await states()
    if (now.every((s) => s === 'landed' || s === 'done')) break
    const failed = [...tracker.sectors.values()].find((p) => p.failed !== undefined)
    if (failed !== undefined)
      throw new VenusError('INTERNAL', `snap-up of ${failed.sector} failed: ${failed.failed}`, {
        details: { state: failed.state },
      })
    const i = now.indexOf('failed')
    if (i >= 0) {
      const n = opts.sectorNumbers[i] as number
      const u = await mgr.snapup.state({ miner, number: n })
      throw new VenusError('INTERNAL', `snap-up of sector ${n} failed: ${u?.failure}`)
    }
    if (Date.now() > opts.deadlineAt)
      throw new VenusError('TIMEOUT', 'the snap-up did not land on chain in time', {
        details: { states: now, stages: tracker.timings() },
      })
    // One epoch per block time while the update travels, so the manager follows every head.
    if (now.some((s) => IN_FLIGHT.includes(s))) await mineEpoch(c)
    await demoSleep(opts.blockTimeMs, opts.signal)
  }
  await worker.stop()
  const updateMs = Date.now() - t0

  const landed: { number: number; landedEpoch: number }[] = []
  for (const n of opts.sectorNumbers) {
    const u = await mgr.snapup.state({ miner, number: n })
    landed.push({ number: n, landedEpoch: u?.landedEpoch ?? 0 })
  }
  const since = Math.max(...landed.map((l) => l.landedEpoch)) + 1
  opts.note?.(`ProveReplicaUpdates3 landed at epoch ${since - 1}; waiting for WindowPoSt of the new replicas`)

  // Each deadline holding a snapped sector proven again after the update: the poster reads the
  // new CommR, finds `update/<name>` and the devnet verifies the proof against the new replica.
  const tPost = Date.now()
  const deadlines = demoSectorDeadlines(c, opts.sectorNumbers)
  const provenSince = () =>
    new Set(
      c.postEvents.flatMap((e) => (e.type === 'deadline-proven' && e.height >= since ? [e.deadline] : [])),
    )
  const epochs = await mineUntil(c, async () => deadlines.every((d) => provenSince().has(d)), {
    maxEpochs: postEpochBound(c),
    deadlineAt: opts.deadlineAt,
    signal: opts.signal,
    what: 'the snapped sectors were not proven by WindowPoSt',
    details: () => ({ deadlines, since }),
  })
  const skipped = c.postEvents.flatMap((e) =>
    e.type === 'sectors-skipped' ? e.sectors.filter((s) => wanted.has(s.sectorNumber)) : [],
  )
  if (skipped.length > 0)
    throw new VenusError('INTERNAL', 'the poster skipped snapped sectors', { details: { skipped } })
  const post = await landedPoSts(c, since)

  const sectors: DemoSnap['sectors'] = []
  for (const l of landed) {
    const info = await c.chain.stateSectorGetInfo(c.miner.address, l.number)
    const deadline = demoSectorDeadlines(c, [l.number])[0]
    sectors.push({
      number: l.number,
      sectorKeyCid: info?.SectorKeyCID?.['/'] ?? '',
      sealedCid: info?.SealedCID['/'] ?? '',
      landedEpoch: l.landedEpoch,
      provenAfterUpdate: deadline !== undefined && provenSince().has(deadline),
    })
  }
  const claims = await c.chain.stateGetClaims(c.miner.address)
  const upgrades = (await mgr.store.listMessages()).filter((m) => m.kind === 'upgrade')
  let gasUsed = 0
  const exitCodes: (number | null)[] = []
  for (const m of upgrades) {
    const got = await c.messager.getMessageByUid(m.uid)
    gasUsed += got.Receipt?.GasUsed ?? 0
    exitCodes.push(got.Receipt?.ExitCode ?? null)
  }
  return {
    client: onboarded.client,
    pieces: onboarded.pieces.map((p) => ({
      pieceCid: p.pieceCid,
      size: p.size,
      allocationId: p.allocationId,
      claimedBySector: claims[String(p.allocationId)]?.Sector ?? null,
    })),
    sectors,
    stages: tracker.timings(),
    messages: { count: upgrades.length, gasUsed, exitCodes },
    powerBefore,
    powerAfter: await minerPower(c),
    windowPoSt: { deadlines, ...post, epochs, ms: Date.now() - tPost },
    updateMs,
    ms: Date.now() - t0,
  }
}
