import { writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { isVenusError, zeroCommitment } from '@venus-cluster/core'
import { proofsBackendConformance } from '@venus-cluster/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { initNativeProofs, loadedAddonInfo, nativeProofs, toVenusError } from '../src/index.js'
import { nativeTestsReady } from './native-ready.js'

const { ready, why } = nativeTestsReady()
// The SnapDeals group also needs the update circuit's parameters (`util params --parts update`).
const snapReady = ready && nativeTestsReady(2048, ['update']).ready
const MINUTES = 60_000

if (ready) {
  proofsBackendConformance(() => nativeProofs(), {
    describe,
    it,
    expect,
    afterAll,
    name: 'native ProofsBackend conformance (2KiB, real proofs)',
    proofType: 5,
    aggregateCount: 4,
    timeoutMs: 20 * MINUTES,
    skip: { snap: !snapReady },
  })
} else {
  describe.skip(`native ProofsBackend conformance (skipped: ${why})`, () => {
    it('needs the addon and the 2KiB parameters', () => {})
  })
}

describe.skipIf(!ready)('native addon behaviour', () => {
  it('says which build it is and whether it proves on a GPU', async () => {
    const addon = initNativeProofs()
    const loaded = loadedAddonInfo()
    const gpu = addon.gpuInfo?.()
    expect(gpu?.cuda).toBe(addon.addonVariant?.() === 'cuda')
    expect(loaded?.variant).toBe(addon.addonVariant?.())
    if (process.env.VENUS_PROOFS_GPU === '1' && loaded?.gpuFallback === undefined) {
      expect(loaded?.variant).toBe('cuda')
    }
    if (!gpu?.cuda) expect(gpu?.summary).toBe('none: CPU build')
    else if (gpu.devices.length === 0) expect(gpu.summary).toMatch(/^none: CPU fallback/)
    else expect(gpu.summary).toMatch(/^cuda: \d+ GPUs? \(/)
    const info = await nativeProofs().info()
    expect(info.gpu?.startsWith(gpu?.summary ?? '?')).toBe(true)
    // Shown in the test output, so a run says which build it exercised.
    console.info(`proofs addon: ${loaded?.variant} (${loaded?.path}); GPU: ${info.gpu}`)
  })

  it('turns a Rust panic into a rejected promise with PROOFS_PANIC', async () => {
    const addon = initNativeProofs()
    const err = await addon.debugPanic('deliberate').catch((e: unknown) => toVenusError(e, 'debugPanic'))
    expect(isVenusError(err, 'PROOFS_PANIC')).toBe(true)
    // The process survived the panic and the addon still works.
    expect(Buffer.from(addon.computeCommD(5, [])).equals(zeroCommitment(2048))).toBe(true)
  })

  it(
    'seals stage by stage off the event loop (timings, peak RSS and the longest stall are reported)',
    async () => {
      const proofs = nativeProofs()
      const dir = await mkdtemp(join(tmpdir(), 'venus-native-measure-'))
      try {
        const proverId = new Uint8Array(32)
        proverId[0] = 0xe8
        proverId[1] = 0x07
        const ticket = new Uint8Array(32).fill(7)
        const seed = new Uint8Array(32).fill(9)
        const paths = {
          stagedPath: join(dir, 'staged'),
          sealedPath: join(dir, 'sealed'),
          cacheDir: join(dir, 'cache'),
        }
        const stages: Record<string, { ms: number; maxRssMiB: number }> = {}
        const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
          const t0 = performance.now()
          const out = await fn()
          stages[name] = {
            ms: Math.round(performance.now() - t0),
            maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
          }
          return out
        }
        const piece = await time('addPiece', () =>
          proofs.addPiece({
            proofType: 5,
            source: new Uint8Array(0),
            unpaddedSize: 2032,
            stagedPath: paths.stagedPath,
            existingPieceSizes: [],
          }),
        )
        const common = { proofType: 5, proverId, sectorNumber: 60, ticket, ...paths }
        const p1 = await time('pc1', () => proofs.sealPreCommitPhase1({ ...common, pieces: [piece.piece] }))
        const { commR, commD } = await time('pc2', () =>
          proofs.sealPreCommitPhase2({
            phase1Output: p1,
            cacheDir: paths.cacheDir,
            sealedPath: paths.sealedPath,
          }),
        )
        const c1 = await time('c1', () =>
          proofs.sealCommitPhase1({ ...common, seed, commR, commD, pieces: [piece.piece] }),
        )
        // Longest gap between timer ticks while C2 runs: the JS thread must stay free.
        const histogram = monitorEventLoopDelay({ resolution: 10 })
        let last = performance.now()
        let longest = 0
        let ticks = 0
        const timer = setInterval(() => {
          const now = performance.now()
          longest = Math.max(longest, now - last - 5)
          last = now
          ticks++
        }, 5)
        histogram.enable()
        const proof = await time('c2', () =>
          proofs.sealCommitPhase2({ phase1Output: c1, proverId, sectorNumber: 60 }),
        )
        histogram.disable()
        clearInterval(timer)
        const verified = await time('verify', () =>
          proofs.verifySeal({ proofType: 5, proverId, sectorNumber: 60, ticket, seed, commR, commD, proof }),
        )
        const postRand = new Uint8Array(32).fill(3)
        postRand[31] = 3
        const replica = { postProofType: 10, sectorNumber: 60, commR, ...paths }
        const post = await time('windowPoSt', () =>
          proofs.generateWindowPoSt({ randomness: postRand, proverId, replicas: [replica] }),
        )
        // A second sector, for a WindowPoSt over two sectors (not timed).
        const paths2 = {
          stagedPath: join(dir, 'staged2'),
          sealedPath: join(dir, 'sealed2'),
          cacheDir: join(dir, 'cache2'),
        }
        const common2 = { proofType: 5, proverId, sectorNumber: 61, ticket, ...paths2 }
        const piece2 = await proofs.addPiece({
          proofType: 5,
          source: new Uint8Array(2032).fill(0x5a),
          unpaddedSize: 2032,
          stagedPath: paths2.stagedPath,
          existingPieceSizes: [],
        })
        const p1b = await proofs.sealPreCommitPhase1({ ...common2, pieces: [piece2.piece] })
        const pc2b = await proofs.sealPreCommitPhase2({ phase1Output: p1b, ...paths2 })
        const replicas = [replica, { postProofType: 10, sectorNumber: 61, commR: pc2b.commR, ...paths2 }]
        const post2 = await time('windowPoSt2', () =>
          proofs.generateWindowPoSt({ randomness: postRand, proverId, replicas }),
        )
        const pub = replicas.map((r) => ({ sectorNumber: r.sectorNumber, commR: r.commR }))
        const verifyPost = (change: Record<string, unknown> = {}) =>
          proofs.verifyWindowPoSt({
            randomness: postRand,
            proverId,
            proofs: post2.proofs,
            replicas: pub,
            ...change,
          })
        expect(await verifyPost()).toBe(true)
        const otherRand = postRand.slice()
        otherRand[0] = (otherRand[0] as number) ^ 1
        expect(await verifyPost({ randomness: otherRand })).toBe(false)
        expect(await verifyPost({ replicas: pub.slice(0, 1) })).toBe(false)
        const swapped = [pub[0], { sectorNumber: 61, commR: commR }]
        expect(await verifyPost({ replicas: swapped })).toBe(false)
        const tampered = post2.proofs.map((p) => {
          const b = p.proofBytes.slice()
          b[100] = (b[100] as number) ^ 1
          return { ...p, proofBytes: b }
        })
        expect(await verifyPost({ proofs: tampered })).toBe(false)
        const report = {
          sectorSize: '2KiB',
          stages,
          c2EventLoop: {
            timerTicks: ticks,
            longestTimerGapMs: Math.round(longest),
            histogramMaxMs: Math.round(histogram.max / 1e6),
            histogramP99Ms: Math.round(histogram.percentile(99) / 1e6),
          },
        }
        console.log(`[native-measure] ${JSON.stringify(report)}`)
        if (process.env.VENUS_NATIVE_REPORT)
          writeFileSync(process.env.VENUS_NATIVE_REPORT, JSON.stringify(report, null, 2))
        expect(verified).toBe(true)
        expect(proof.length).toBe(192)
        expect(post.faultySectors).toEqual([])
        // The JS thread kept running timers during C2 (no assertion on how fast).
        expect(ticks).toBeGreaterThan(0)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
    30 * MINUTES,
  )
})
