/**
 * A 2KiB data sector sealed straight into a persist store (no worker, no chain), and its record
 * in a manager store, finalized and indexed: what an unseal or a rebuild works from. Two deal
 * pieces of 1016 unpadded bytes each; the second carries 900 bytes of payload.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { commitmentToCid, type ProofsBackend, type ProofsPieceInfo, proverId } from '@venus-cluster/core'
import { type ManagerStore, newSector } from '@venus-cluster/manager'

export interface DataSector {
  id: { miner: number; number: number }
  /** Piece CIDs, in sector order. */
  cids: string[]
  /** The payload of each piece. */
  payloads: Buffer[]
  commR: Uint8Array
  commD: Uint8Array
  ticket: Uint8Array
}

/** Two deal pieces of 1016 unpadded bytes (the second with 900 bytes of payload) in `staged`. */
export async function stageTwoDealPieces(
  proofs: ProofsBackend,
  staged: string,
): Promise<{ payloads: Buffer[]; pieces: ProofsPieceInfo[] }> {
  const payloads = [randomBytes(1016), randomBytes(900)]
  const pieces: ProofsPieceInfo[] = []
  const existing: number[] = []
  for (const payload of payloads) {
    const r = await proofs.addPiece({
      proofType: 5,
      source: new Uint8Array(payload),
      unpaddedSize: 1016,
      stagedPath: staged,
      existingPieceSizes: existing,
    })
    existing.push(1016)
    pieces.push(r.piece)
  }
  return { payloads, pieces }
}

export async function sealDataSector(opts: {
  proofs: ProofsBackend
  store: ManagerStore
  /** Persist store root, indexed as `instance`. */
  persist: string
  instance?: string
  scratch: string
  miner: number
  number: number
}): Promise<DataSector> {
  const { proofs, miner, number } = opts
  mkdirSync(opts.scratch, { recursive: true })
  const staged = join(opts.scratch, `staged-${number}`)
  const { payloads, pieces } = await stageTwoDealPieces(proofs, staged)
  const ticket = new Uint8Array(randomBytes(32))
  const name = `s-t0${miner}-${number}`
  const cacheDir = join(opts.persist, 'cache', name)
  const sealedPath = join(opts.persist, 'sealed', name)
  mkdirSync(cacheDir, { recursive: true })
  mkdirSync(join(opts.persist, 'sealed'), { recursive: true })
  const p1 = await proofs.sealPreCommitPhase1({
    proofType: 5,
    cacheDir,
    stagedPath: staged,
    sealedPath,
    proverId: proverId(miner),
    sectorNumber: number,
    ticket,
    pieces,
  })
  const { commR, commD } = await proofs.sealPreCommitPhase2({ phase1Output: p1, cacheDir, sealedPath })
  await proofs.clearCache({ sectorSize: 2048, cacheDir })
  const cids = pieces.map((p) => commitmentToCid(p.commP, 'commP').toString())
  const id = { miner, number }
  await opts.store.createSector({
    ...newSector(id, 5),
    ticket: { value: ticket, epoch: 1 },
    pieces: payloads.map((p, i) => ({
      dealId: i + 1,
      payloadSize: p.length,
      piece: { size: 1024, cid: cids[i] as string },
      proposal: null,
    })),
    preCommit: {
      commR: commitmentToCid(commR, 'commR').toString(),
      commD: commitmentToCid(commD, 'commD').toString(),
      ticket: { value: ticket, epoch: 1 },
      dealIds: [1, 2],
    },
  })
  await opts.store.finalizeSector(id, (s) => ({ ...s, finalized: true }))
  const instance = opts.instance ?? 'ps1'
  await opts.store.setLocation(id, 'normal', { sealed: instance, cache: instance })
  return { id, cids, payloads, commR, commD, ticket }
}
