// A real SnapDeals update per sector size with the native addon (filecoin-proofs-api 19.1, CPU
// only): a CC sector sealed (PC1, PC2), half of it filled with a random piece and encoded in, the
// update proven (vanilla partition proofs, SNARK), verified, decoded back (whole and one piece)
// and the new replica proven by WindowPoSt. Needs `npm run build:native` and, per size, the
// WindowPoSt and update parameters (`venus-cluster util params --sector-size 2KiB --parts
// window-post,update`); without them it says why a size was skipped. VENUS_NATIVE_BENCH=1 runs it.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatSectorSize, sealProofForSectorSize, sealProofInfo } from '@venus-cluster/core'
import { isNativeProofsAvailable, nativeProofs } from '@venus-cluster/proofs-native'
import { measure, missingParams } from './lib/native.mjs'

const PROVER = (() => {
  const p = new Uint8Array(32)
  p[0] = 0xe8
  p[1] = 0x07
  return p
})()

const SIZES = [2048, 8 << 20]

export default {
  title: 'Native SnapDeals update (2KiB and 8MiB, real SNARKs, CPU)',
  description:
    'One CC sector of each size updated with data by `nativeProofs()` (filecoin-proofs-api 19.1, ' +
    '`default-features = false`), update parameters made locally. The data is one random piece ' +
    'filling half the sector. `SNARK` is the first update SNARK of the process for its size, so ' +
    'it includes loading the update parameters. `peak RSS` is the highest resident set of the ' +
    'process sampled every 5 ms during the stage; `longest stall` the longest extra delay of a ' +
    '5 ms timer on the JavaScript thread.',
  async run(ctx) {
    if (process.env.VENUS_NATIVE_BENCH !== '1') {
      ctx.note('skipped: set VENUS_NATIVE_BENCH=1 to run it (real update SNARKs: minutes, not seconds)')
      return
    }
    if (!isNativeProofsAvailable()) {
      ctx.note('skipped: the addon is not built (`npm run build:native`)')
      return
    }
    const proofs = nativeProofs()
    for (const sectorSize of SIZES) {
      const size = formatSectorSize(sectorSize)
      const missing = missingParams(sectorSize, ['window-post', 'update'])
      if (missing) {
        ctx.note(
          `${size} skipped: parameter file missing (${missing}); run \`venus-cluster util params --sector-size ${size} --parts window-post,update\``,
        )
        continue
      }
      await snap(ctx, proofs, sectorSize)
    }
  },
}

async function snap(ctx, proofs, sectorSize) {
  const size = formatSectorSize(sectorSize)
  const proofType = sealProofForSectorSize(sectorSize)
  const info = sealProofInfo(proofType)
  const unpadded = (sectorSize / 128) * 127
  const dir = await mkdtemp(join(tmpdir(), 'venus-native-snap-bench-'))
  const p = (f) => join(dir, f)
  const record = (stage, m) => {
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
    return m.value
  }
  try {
    const cc = await proofs.addPiece({
      proofType,
      source: new Uint8Array(0),
      unpaddedSize: unpadded,
      stagedPath: p('cc-staged'),
      existingPieceSizes: [],
    })
    const sector = { proofType, proverId: PROVER, sectorNumber: 1, ticket: new Uint8Array(32).fill(1) }
    const paths = { cacheDir: p('cache'), sealedPath: p('sealed') }
    const p1 = record(
      'CC PC1',
      await measure(() =>
        proofs.sealPreCommitPhase1({ ...sector, ...paths, stagedPath: p('cc-staged'), pieces: [cc.piece] }),
      ),
    )
    const { commR: commROld } = record(
      'CC PC2',
      await measure(() => proofs.sealPreCommitPhase2({ phase1Output: p1, ...paths })),
    )
    const data = new Uint8Array(randomBytes(unpadded / 2))
    const pieces = []
    for (const [i, source] of [data, new Uint8Array(0)].entries()) {
      const r = await proofs.addPiece({
        proofType,
        source,
        unpaddedSize: unpadded / 2,
        stagedPath: p('staged'),
        existingPieceSizes: i === 0 ? [] : [unpadded / 2],
      })
      pieces.push(r.piece)
    }
    const updateProofType = info.updateProof
    const files = {
      sectorKeyPath: paths.sealedPath,
      sectorKeyCacheDir: paths.cacheDir,
      replicaPath: p('update'),
      replicaCacheDir: p('update-cache'),
    }
    const enc = record(
      'encode',
      await measure(() =>
        proofs.encodeInto({
          updateProofType,
          newReplicaPath: files.replicaPath,
          newCacheDir: files.replicaCacheDir,
          sectorKeyPath: files.sectorKeyPath,
          sectorKeyCacheDir: files.sectorKeyCacheDir,
          stagedPath: p('staged'),
          pieces,
        }),
      ),
    )
    const c = { updateProofType, commROld, commRNew: enc.commRNew, commDNew: enc.commDNew }
    const vanillaProofs = record(
      'vanilla partition proofs',
      await measure(() => proofs.generateUpdatePartitionProofs({ ...c, ...files })),
    )
    const proof = record(
      'SNARK (first of the process)',
      await measure(() => proofs.generateUpdateProofWithVanilla({ ...c, vanillaProofs })),
    )
    const ok = record('verify', await measure(() => proofs.verifyUpdateProof({ ...c, proof })))
    if (!ok) throw new Error(`${size} update proof did not verify`)
    const again = record(
      'vanilla + SNARK in one call',
      await measure(() => proofs.generateUpdateProof({ ...c, ...files })),
    )
    if (!(await proofs.verifyUpdateProof({ ...c, proof: again })))
      throw new Error(`${size} one-call update proof did not verify`)
    record(
      'decode (whole sector)',
      await measure(() =>
        proofs.decodeFrom({
          updateProofType,
          outputPath: p('decoded'),
          replicaPath: files.replicaPath,
          sectorKeyPath: files.sectorKeyPath,
          sectorKeyCacheDir: files.sectorKeyCacheDir,
          commDNew: enc.commDNew,
        }),
      ),
    )
    if (!(await readFile(p('decoded'))).equals(await readFile(p('staged'))))
      throw new Error(`${size} decoded data differs from the staged data`)
    record(
      'decode range (the piece)',
      await measure(() =>
        proofs.decodeRange({
          ...c,
          replicaPath: files.replicaPath,
          sectorKeyPath: files.sectorKeyPath,
          outputPath: p('range'),
          unpaddedOffset: 0,
          unpaddedLength: data.length,
        }),
      ),
    )
    if (!(await readFile(p('range'))).equals(data)) throw new Error(`${size} decoded piece differs`)
    const randomness = new Uint8Array(32).fill(0x21)
    const replica = {
      postProofType: info.windowPoStProof,
      sectorNumber: 1,
      commR: enc.commRNew,
      cacheDir: files.replicaCacheDir,
      sealedPath: files.replicaPath,
    }
    const post = record(
      'WindowPoSt of the new replica',
      await measure(() => proofs.generateWindowPoSt({ randomness, proverId: PROVER, replicas: [replica] })),
    )
    const postOk = await proofs.verifyWindowPoSt({
      randomness,
      proverId: PROVER,
      proofs: post.proofs,
      replicas: [{ sectorNumber: 1, commR: enc.commRNew }],
    })
    if (!postOk) throw new Error(`${size} WindowPoSt of the new replica did not verify`)
    record(
      'remove encoded data (sector key back)',
      await measure(() =>
        proofs.removeEncodedData({
          updateProofType,
          sectorKeyPath: p('key'),
          sectorKeyCacheDir: p('key-cache'),
          replicaPath: files.replicaPath,
          replicaCacheDir: files.sectorKeyCacheDir,
          stagedPath: p('staged'),
          commDNew: enc.commDNew,
        }),
      ),
    )
    if (!(await readFile(p('key'))).equals(await readFile(files.sectorKeyPath)))
      throw new Error(`${size} regenerated sector key differs`)
    ctx.note(
      `${size}: update proof ${proof.length} B verified, data decoded byte for byte, WindowPoSt of the new replica verified, sector key regenerated byte for byte`,
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
