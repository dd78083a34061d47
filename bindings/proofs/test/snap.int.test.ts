// A real SnapDeals round trip per sector size: CC sector sealed (PC1, PC2), data encoded into it,
// update proven (vanilla partitions, SNARK), verified, decoded back, and the new replica proven
// with WindowPoSt. Stage times are printed as `[native-snap] {...}` (docs/benchmarks.md) and
// written to $VENUS_NATIVE_SNAP_REPORT when set.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fr32Unpad, type ProofsPieceInfo, sealProofFacts } from '@venus-cluster/core'
import { afterAll, describe, expect, it } from 'vitest'
import { nativeProofs } from '../src/index.js'
import { nativeTestsReady } from './native-ready.js'

const MINUTES = 60_000
/** What the round trip needs: the update circuit and WindowPoSt (the CC seal needs no SNARK). */
const PARTS = ['window-post', 'update'] as const
const SIZES = [
  { label: '2KiB', proofType: 5 },
  { label: '8MiB', proofType: 6 },
] as const

const reports: Record<string, unknown> = {}
afterAll(async () => {
  if (process.env.VENUS_NATIVE_SNAP_REPORT && Object.keys(reports).length > 0)
    await writeFile(process.env.VENUS_NATIVE_SNAP_REPORT, JSON.stringify(reports, null, 2))
})

for (const { label, proofType } of SIZES) {
  const facts = sealProofFacts(proofType)
  const { ready, why } = nativeTestsReady(facts.sectorSize, PARTS)
  // 8MiB runs only when asked for (its parameters are not made in CI by default).
  const wanted = label === '2KiB' || process.env.VENUS_NATIVE_SNAP_8MIB === '1'
  describe.skipIf(!ready || !wanted)(`native SnapDeals ${label}${ready ? '' : ` (skipped: ${why})`}`, () => {
    it(
      'seals a CC sector, snaps data in, proves, verifies, decodes and proves the new replica by WindowPoSt',
      async () => {
        const proofs = nativeProofs()
        const dir = await mkdtemp(join(tmpdir(), `venus-native-snap-${label}-`))
        const stages: Record<string, number> = {}
        const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
          const t0 = performance.now()
          const out = await fn()
          stages[name] = Math.round(performance.now() - t0)
          return out
        }
        try {
          const size = facts.sectorSize
          const unpadded = (size / 128) * 127
          const proverId = new Uint8Array(32)
          proverId[0] = 0xe8
          proverId[1] = 0x07
          const p = (f: string) => join(dir, f)
          const cc = await proofs.addPiece({
            proofType,
            source: new Uint8Array(0),
            unpaddedSize: unpadded,
            stagedPath: p('cc-staged'),
            existingPieceSizes: [],
          })
          const sector = { proofType, proverId, sectorNumber: 70, ticket: new Uint8Array(32).fill(4) }
          const p1 = await time('ccPc1', () =>
            proofs.sealPreCommitPhase1({
              ...sector,
              cacheDir: p('cache'),
              stagedPath: p('cc-staged'),
              sealedPath: p('sealed'),
              pieces: [cc.piece],
            }),
          )
          const { commR: commROld } = await time('ccPc2', () =>
            proofs.sealPreCommitPhase2({ phase1Output: p1, cacheDir: p('cache'), sealedPath: p('sealed') }),
          )
          const sealedBefore = await readFile(p('sealed'))
          // A random piece filling half the sector, then a zero piece.
          const data = new Uint8Array(randomBytes(unpadded / 2))
          const pieces: ProofsPieceInfo[] = []
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
          const updateProofType = facts.updateProof
          const files = {
            sectorKeyPath: p('sealed'),
            sectorKeyCacheDir: p('cache'),
            replicaPath: p('update'),
            replicaCacheDir: p('update-cache'),
          }
          const enc = await time('encode', () =>
            proofs.encodeInto({
              updateProofType,
              newReplicaPath: files.replicaPath,
              newCacheDir: files.replicaCacheDir,
              sectorKeyPath: files.sectorKeyPath,
              sectorKeyCacheDir: files.sectorKeyCacheDir,
              stagedPath: p('staged'),
              pieces,
            }),
          )
          expect(enc.commDNew).toEqual(await proofs.computeCommD({ proofType, pieces }))
          const c = { updateProofType, commROld, commRNew: enc.commRNew, commDNew: enc.commDNew }
          const vanillaProofs = await time('vanilla', () =>
            proofs.generateUpdatePartitionProofs({ ...c, ...files }),
          )
          expect(
            await time('verifyVanilla', () => proofs.verifyUpdatePartitionProofs({ ...c, vanillaProofs })),
          ).toBe(true)
          const proof = await time('snark', () =>
            proofs.generateUpdateProofWithVanilla({ ...c, vanillaProofs }),
          )
          expect(proof.length).toBe((await proofs.updateProofInfo(updateProofType)).proofLength)
          expect(await time('verify', () => proofs.verifyUpdateProof({ ...c, proof }))).toBe(true)
          expect(await proofs.verifyUpdateProof({ ...c, commRNew: commROld, proof })).toBe(false)
          await time('decode', () =>
            proofs.decodeFrom({
              updateProofType,
              outputPath: p('decoded'),
              replicaPath: files.replicaPath,
              sectorKeyPath: files.sectorKeyPath,
              sectorKeyCacheDir: files.sectorKeyCacheDir,
              commDNew: enc.commDNew,
            }),
          )
          const decoded = await readFile(p('decoded'))
          expect(decoded.equals(await readFile(p('staged')))).toBe(true)
          expect(Buffer.from(fr32Unpad(decoded.subarray(0, size / 2))).equals(data)).toBe(true)
          await time('decodeRange', () =>
            proofs.decodeRange({
              ...c,
              replicaPath: files.replicaPath,
              sectorKeyPath: files.sectorKeyPath,
              outputPath: p('range'),
              unpaddedOffset: 0,
              unpaddedLength: data.length,
            }),
          )
          expect((await readFile(p('range'))).equals(data)).toBe(true)
          // Once the sector key is dropped, an unseal seals the CC sector again with its ticket
          // (what the `unseal` plan does for a snapped sector): the same key, the same data back.
          const p1Again = await time('ccPc1Again', () =>
            proofs.sealPreCommitPhase1({
              ...sector,
              cacheDir: p('key-cache'),
              stagedPath: p('cc-staged'),
              sealedPath: p('key-sealed'),
              pieces: [cc.piece],
            }),
          )
          const again = await time('ccPc2Again', () =>
            proofs.sealPreCommitPhase2({
              phase1Output: p1Again,
              cacheDir: p('key-cache'),
              sealedPath: p('key-sealed'),
            }),
          )
          expect(again.commR).toEqual(commROld)
          await proofs.decodeRange({
            ...c,
            replicaPath: files.replicaPath,
            sectorKeyPath: p('key-sealed'),
            outputPath: p('range-again'),
            unpaddedOffset: 0,
            unpaddedLength: data.length,
          })
          expect((await readFile(p('range-again'))).equals(data)).toBe(true)
          const randomness = new Uint8Array(32).fill(9)
          randomness[31] = 9
          const replica = {
            postProofType: facts.windowPoStProof,
            sectorNumber: 70,
            commR: enc.commRNew,
            cacheDir: files.replicaCacheDir,
            sealedPath: files.replicaPath,
          }
          const post = await time('windowPoSt', () =>
            proofs.generateWindowPoSt({ randomness, proverId, replicas: [replica] }),
          )
          expect(post.faultySectors).toEqual([])
          const verifyPost = (commR: Uint8Array) =>
            proofs.verifyWindowPoSt({
              randomness,
              proverId,
              proofs: post.proofs,
              replicas: [{ sectorNumber: 70, commR }],
            })
          expect(await verifyPost(enc.commRNew)).toBe(true)
          expect(await verifyPost(commROld)).toBe(false)
          // The sector key comes back from the replica and the data with the CC sector's p_aux.
          await time('removeEncodedData', () =>
            proofs.removeEncodedData({
              updateProofType,
              sectorKeyPath: p('regenerated'),
              sectorKeyCacheDir: p('regenerated-cache'),
              replicaPath: files.replicaPath,
              replicaCacheDir: files.sectorKeyCacheDir,
              stagedPath: p('staged'),
              commDNew: enc.commDNew,
            }),
          )
          expect((await readFile(p('regenerated'))).equals(sealedBefore)).toBe(true)
          const report = { sectorSize: label, stagesMs: stages, proofBytes: proof.length }
          console.log(`[native-snap] ${JSON.stringify(report)}`)
          reports[label] = report
        } finally {
          await rm(dir, { recursive: true, force: true })
        }
      },
      60 * MINUTES,
    )
  })
}
