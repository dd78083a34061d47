/**
 * A 2KiB CC sector sealed into a persist store and snapped up with two deal pieces (the update
 * replica in `update/`, its cache in `update-cache/`), with its record in a manager store as the
 * snap-up service leaves it once the update is final: `upgrade.state = 'done'`, finalized, indexed
 * as `upgrade`; the sector key (the CC sealed file and cache) dropped unless `keepKey`.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import {
  commitmentToCid,
  type ProofsBackend,
  proverId,
  sealProofFacts,
  zeroCommitment,
} from '@venus-cluster/core'
import { type ManagerStore, newSector } from '@venus-cluster/manager'
import { type DataSector, stageTwoDealPieces } from './data-sector.js'

export async function snapDataSector(opts: {
  proofs: ProofsBackend
  store: ManagerStore
  persist: string
  scratch: string
  miner: number
  number: number
  /** Keep the sector key (sealed file, cache) and its `normal` index entry. */
  keepKey?: boolean
}): Promise<DataSector & { commROld: Uint8Array; commDNew: Uint8Array }> {
  const { proofs, miner, number, persist } = opts
  const name = `s-t0${miner}-${number}`
  mkdirSync(opts.scratch, { recursive: true })
  for (const d of ['sealed', 'cache', 'update', 'update-cache'])
    mkdirSync(join(persist, d), { recursive: true })
  // The CC sector: zeros sealed with a ticket.
  const ccStaged = join(opts.scratch, `cc-${number}`)
  await proofs.addPiece({
    proofType: 5,
    source: new Uint8Array(0),
    unpaddedSize: 2032,
    stagedPath: ccStaged,
    existingPieceSizes: [],
  })
  const ticket = new Uint8Array(randomBytes(32))
  const cacheDir = join(persist, 'cache', name)
  const sealedPath = join(persist, 'sealed', name)
  mkdirSync(cacheDir, { recursive: true })
  const p1 = await proofs.sealPreCommitPhase1({
    proofType: 5,
    cacheDir,
    stagedPath: ccStaged,
    sealedPath,
    proverId: proverId(miner),
    sectorNumber: number,
    ticket,
    pieces: [{ commP: zeroCommitment(2048), paddedSize: 2048 }],
  })
  const cc = await proofs.sealPreCommitPhase2({ phase1Output: p1, cacheDir, sealedPath })
  // The update: two deal pieces encoded into the CC replica.
  const staged = join(opts.scratch, `staged-${number}`)
  const { payloads, pieces } = await stageTwoDealPieces(proofs, staged)
  const enc = await proofs.encodeInto({
    updateProofType: sealProofFacts(5).updateProof,
    newReplicaPath: join(persist, 'update', name),
    newCacheDir: join(persist, 'update-cache', name),
    sectorKeyPath: sealedPath,
    sectorKeyCacheDir: cacheDir,
    stagedPath: staged,
    pieces,
  })
  const cids = pieces.map((p) => commitmentToCid(p.commP, 'commP').toString())
  const id = { miner, number }
  const commROldCid = commitmentToCid(cc.commR, 'commR').toString()
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
      commR: commROldCid,
      commD: commitmentToCid(cc.commD, 'commD').toString(),
      ticket: { value: ticket, epoch: 1 },
      dealIds: [],
    },
    upgrade: {
      state: 'done',
      public: { sealedCid: commROldCid, activation: 1, expiration: 10_000, deadline: 0, partition: 0 },
      proven: {
        newSealedCid: commitmentToCid(enc.commRNew, 'commR').toString(),
        unsealedCid: commitmentToCid(enc.commDNew, 'commD').toString(),
        proof: new Uint8Array(192),
        accessInstance: 'ps1',
      },
      messageUid: 'uid-1',
      landedEpoch: 5,
      failure: '',
    },
  })
  await opts.store.finalizeSector(id, (s) => ({ ...s, finalized: true }))
  await opts.store.setLocation(id, 'upgrade', { sealed: 'ps1', cache: 'ps1' })
  if (opts.keepKey === true) {
    await opts.store.setLocation(id, 'normal', { sealed: 'ps1', cache: 'ps1' })
  } else {
    rmSync(sealedPath)
    rmSync(cacheDir, { recursive: true })
  }
  return {
    id,
    cids,
    payloads,
    commR: enc.commRNew,
    commD: enc.commDNew,
    ticket,
    commROld: cc.commR,
    commDNew: enc.commDNew,
  }
}
