import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { commitmentToCid, type ProofsBackend, proverId, sectorName } from '@venus-cluster/core'

/** One sealed test sector: its number, CommR, and the CID `Devnet.injectSectors` takes. */
export interface SealedTestSector {
  sectorNumber: number
  commR: Uint8Array
  sealedCid: string
}

/**
 * Seals 2KiB CC sectors of `minerId` (AddPiece, PC1, PC2, no C2) with `proofs` into the layout of
 * a persist store: `<root>/sealed/<s-t0…>` and `<root>/cache/<s-t0…>`. With
 * `Devnet.injectSectors` they give a miner proving sectors without sealing through the chain,
 * which is what WindowPoSt tests need; real replicas when `proofs` is the native backend.
 *
 * @example
 * ```ts
 * const sealed = await sealTestSectors(mockProofs(), '/tmp/store', who.minerId, [1, 2])
 * devnet.injectSectors(who.miner, sealed)
 * ```
 */
export async function sealTestSectors(
  proofs: ProofsBackend,
  root: string,
  minerId: number,
  numbers: readonly number[],
): Promise<SealedTestSector[]> {
  for (const dir of ['sealed', 'cache', 'staged']) await mkdir(join(root, dir), { recursive: true })
  const out: SealedTestSector[] = []
  for (const n of numbers) {
    const name = sectorName({ miner: minerId, number: n })
    const stagedPath = join(root, 'staged', name)
    const sealedPath = join(root, 'sealed', name)
    const cacheDir = join(root, 'cache', name)
    const { piece } = await proofs.addPiece({
      proofType: 5,
      source: new Uint8Array(0),
      unpaddedSize: 2032,
      stagedPath,
      existingPieceSizes: [],
    })
    const p1 = await proofs.sealPreCommitPhase1({
      proofType: 5,
      proverId: proverId(minerId),
      sectorNumber: n,
      ticket: new Uint8Array(32).fill(n % 256),
      pieces: [piece],
      cacheDir,
      stagedPath,
      sealedPath,
    })
    const { commR } = await proofs.sealPreCommitPhase2({ phase1Output: p1, cacheDir, sealedPath })
    await rm(stagedPath, { force: true })
    out.push({ sectorNumber: n, commR, sealedCid: commitmentToCid(commR, 'commR').toString() })
  }
  return out
}
