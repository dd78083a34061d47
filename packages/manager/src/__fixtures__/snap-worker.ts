/**
 * A snap-up worker in a test: what `plan = "snapup"` does with an allocation, on the mock proofs
 * backend and a persist store the test owns.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { commitmentToCid, type ProofsBackend, sealProofFacts } from '@venus-cluster/core'
import type { Call } from './worker-driver.js'

export interface WirePiece {
  ID: number
  Piece: { Cid: { '/': string }; Size: number }
}

/**
 * What a snap-up worker does with an allocation: stage the pieces (deal bytes, zero fillers),
 * encode them into the CC replica found in the persist store, prove the update, write the new
 * replica to `update/` and `update-cache/`, then `SubmitSnapUpProof`.
 */
export async function workerSnap(
  dir: string,
  call: Call,
  proofs: ProofsBackend,
  persist: string,
  alloc: {
    Sector: { ID: { Miner: number; Number: number } }
    Pieces: WirePiece[]
    Public: { CommR: number[] }
  },
  dataOf: (cid: string) => Uint8Array | undefined,
) {
  const { Miner, Number: n } = alloc.Sector.ID
  const name = `s-t0${Miner}-${n}`
  const staged = join(dir, `snap-staged-${name}`)
  const pieces = []
  const sizes: number[] = []
  for (const p of alloc.Pieces) {
    const unpadded = (p.Piece.Size / 128) * 127
    const added = await proofs.addPiece({
      proofType: 5,
      source: dataOf(p.Piece.Cid['/']) ?? new Uint8Array(0),
      unpaddedSize: unpadded,
      stagedPath: staged,
      existingPieceSizes: sizes,
    })
    sizes.push(unpadded)
    pieces.push(added.piece)
    if (commitmentToCid(added.piece.commP, 'commP').toString() !== p.Piece.Cid['/'])
      throw new Error(`staged piece ${p.Piece.Cid['/']} has another CommP`)
  }
  for (const d of ['update', 'update-cache']) mkdirSync(join(persist, d), { recursive: true })
  const files = {
    sectorKeyPath: join(persist, 'sealed', name),
    sectorKeyCacheDir: join(persist, 'cache', name),
    replicaPath: join(persist, 'update', name),
    replicaCacheDir: join(persist, 'update-cache', name),
  }
  const updateProofType = sealProofFacts(5).updateProof
  const enc = await proofs.encodeInto({
    updateProofType,
    newReplicaPath: files.replicaPath,
    newCacheDir: files.replicaCacheDir,
    sectorKeyPath: files.sectorKeyPath,
    sectorKeyCacheDir: files.sectorKeyCacheDir,
    stagedPath: staged,
    pieces,
  })
  const proof = await proofs.generateUpdateProof({
    updateProofType,
    commROld: Uint8Array.from(alloc.Public.CommR),
    commRNew: enc.commRNew,
    commDNew: enc.commDNew,
    ...files,
  })
  // v0.1.2's worker shape: [32]byte commitments as arrays, pieces as CID links.
  return call('Venus.SubmitSnapUpProof', [
    alloc.Sector.ID,
    {
      CommR: [...enc.commRNew],
      CommD: [...enc.commDNew],
      Pieces: alloc.Pieces.map((p) => p.Piece.Cid),
      Proof: Buffer.from(proof).toString('base64'),
      AccessInstance: 'ps1',
    },
  ])
}
