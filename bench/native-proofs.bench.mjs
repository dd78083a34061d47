// Real sealing with the native addon (filecoin-proofs-api 19.1, CPU only), 2KiB and, when its
// parameters exist, 8MiB: wall time and peak RSS of every stage, a WindowPoSt over two sectors,
// and the longest event-loop stall while C2 runs. Needs `npm run build:native` and the
// parameters (`venus-cluster util params --sector-size 2KiB`, and `8MiB` for that row set);
// without them it reports why a size was skipped.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatSectorSize, sealProofForSectorSize, sealProofInfo } from '@venus-cluster/core'
import { isNativeProofsAvailable, nativeProofs, SEALING_PARAMETER_PARTS } from '@venus-cluster/proofs-native'
import { measure, missingParams } from './lib/native.mjs'

const PROVER = (() => {
  const p = new Uint8Array(32)
  p[0] = 0xe8
  p[1] = 0x07
  return p
})()

const SIZES = [2048, 8 << 20]

export default {
  title: 'Native proofs (2KiB and 8MiB, real SNARKs, CPU)',
  description:
    'One CC sector of each size sealed stage by stage with `nativeProofs()` (filecoin-proofs-api 19.1, ' +
    '`default-features = false`), parameters made locally. `peak RSS` is the highest resident set ' +
    'of the process sampled every 20 ms during the stage (it includes the parameters the library ' +
    'keeps mapped from earlier stages). `longest stall` is the longest extra delay of a 5 ms timer ' +
    'during the stage: the JavaScript thread must stay free while the native work runs.',
  async run(ctx) {
    if (process.env.VENUS_NATIVE_BENCH !== '1') {
      ctx.note(
        'skipped: set VENUS_NATIVE_BENCH=1 to run it (two real C2 proofs per sector size: minutes, not seconds)',
      )
      return
    }
    if (!isNativeProofsAvailable()) {
      ctx.note('skipped: the addon is not built (`npm run build:native`)')
      return
    }
    const proofs = nativeProofs()
    for (const sectorSize of SIZES) {
      const size = formatSectorSize(sectorSize)
      const missing = missingParams(sectorSize, SEALING_PARAMETER_PARTS)
      if (missing) {
        ctx.note(
          `${size} skipped: parameter file missing (${missing}); run \`venus-cluster util params --sector-size ${size}\``,
        )
        continue
      }
      await sealAndProve(ctx, proofs, sectorSize)
    }
  },
}

/** Seals two CC sectors of `sectorSize` (rows for the first), then a WindowPoSt over both. */
async function sealAndProve(ctx, proofs, sectorSize) {
  const size = formatSectorSize(sectorSize)
  const proofType = sealProofForSectorSize(sectorSize)
  const postProofType = sealProofInfo(proofType).windowPoStProof
  const dir = await mkdtemp(join(tmpdir(), 'venus-native-bench-'))
  try {
    const sectors = []
    for (const sectorNumber of [1, 2]) {
      const paths = {
        stagedPath: join(dir, `staged-${sectorNumber}`),
        sealedPath: join(dir, `sealed-${sectorNumber}`),
        cacheDir: join(dir, `cache-${sectorNumber}`),
      }
      const ticket = new Uint8Array(32).fill(sectorNumber)
      const seed = new Uint8Array(32).fill(0x40 + sectorNumber)
      const common = { proofType, proverId: PROVER, sectorNumber, ticket, ...paths }
      const record = (stage, m) => {
        if (sectorNumber !== 1) return
        ctx.log(
          `${size} ${stage}: ${m.s.toFixed(2)} s, peak RSS ${m.peakMiB.toFixed(0)} MiB, stall ${m.stallMs.toFixed(1)} ms`,
        )
        ctx.row({
          sector: size,
          stage,
          'wall s': m.s.toFixed(2),
          'peak RSS MiB': m.peakMiB.toFixed(0),
          'longest stall ms': m.stallMs.toFixed(1),
        })
      }
      const ap = await measure(() =>
        proofs.addPiece({
          proofType,
          source: new Uint8Array(0),
          unpaddedSize: (sectorSize / 128) * 127,
          stagedPath: paths.stagedPath,
          existingPieceSizes: [],
        }),
      )
      record('AddPiece', ap)
      const pieces = [ap.value.piece]
      const p1 = await measure(() => proofs.sealPreCommitPhase1({ ...common, pieces }))
      record('PC1', p1)
      const p2 = await measure(() =>
        proofs.sealPreCommitPhase2({
          phase1Output: p1.value,
          cacheDir: paths.cacheDir,
          sealedPath: paths.sealedPath,
        }),
      )
      record('PC2', p2)
      const { commR, commD } = p2.value
      const c1 = await measure(() => proofs.sealCommitPhase1({ ...common, seed, commR, commD, pieces }))
      record('C1', c1)
      const c2 = await measure(() =>
        proofs.sealCommitPhase2({ phase1Output: c1.value, proverId: PROVER, sectorNumber }),
      )
      record('C2', c2)
      const v = await measure(() =>
        proofs.verifySeal({
          proofType,
          proverId: PROVER,
          sectorNumber,
          ticket,
          seed,
          commR,
          commD,
          proof: c2.value,
        }),
      )
      record('verify seal', v)
      if (!v.value) throw new Error(`${size} seal proof did not verify`)
      sectors.push({ sectorNumber, commR, ...paths })
    }
    const randomness = new Uint8Array(32).fill(0x21)
    const replicas = sectors.map((s) => ({ postProofType, ...s }))
    const post = await measure(() => proofs.generateWindowPoSt({ randomness, proverId: PROVER, replicas }))
    ctx.row({
      sector: size,
      stage: 'WindowPoSt, 2 sectors',
      'wall s': post.s.toFixed(2),
      'peak RSS MiB': post.peakMiB.toFixed(0),
      'longest stall ms': post.stallMs.toFixed(1),
    })
    const ok = await proofs.verifyWindowPoSt({
      randomness,
      proverId: PROVER,
      proofs: post.value.proofs,
      replicas: sectors.map((s) => ({ sectorNumber: s.sectorNumber, commR: s.commR })),
    })
    if (!ok) throw new Error(`${size} WindowPoSt did not verify`)
    ctx.note(`${size}: both sectors verified; the WindowPoSt verified`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
