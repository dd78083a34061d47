/**
 * Test sectors: sealed replicas on disk (`sealTestSectors`) and proven sectors put straight into a
 * miner's state (`injectSectors`), which together give a miner sectors to prove without sealing
 * through the chain.
 */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { commitmentToCid, type ProofsBackend, proverId, sectorName, VenusError } from '@venus-cluster/core'
import { assignSector } from '../actors/miner/sealing.js'
import { zeroCommDCid } from '../commitments.js'
import type { Devnet } from '../devnet.js'
import { maxProveCommitDuration } from '../params.js'
import {
  mutableMiner,
  resolveIn,
  writableAllocated,
  writableDeadline,
  writablePreCommits,
  writableSectors,
} from '../state.js'

/** One sealed test sector: its number, CommR, and the CID {@link injectSectors} takes. */
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
 * import { injectSectors, sealTestSectors } from '@venus-cluster/devnet/testing'
 * const sealed = await sealTestSectors(mockProofs(), '/tmp/store', who.minerId, [1, 2])
 * injectSectors(devnet, who.miner, sealed)
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

/** A sector for {@link injectSectors}: its number and sealed CID (CommR). */
export interface InjectedSector {
  sectorNumber: number
  sealedCid: string
  /** `RegisteredSealProof` (default 5: 2 KiB, V1_1). */
  sealProof?: number
}

/**
 * Activates sectors of a miner directly in the head state, already proven (no messages, no
 * proofs): a shortcut for PoSt tests that need many sectors. Sectors are assigned to deadlines
 * and partitions like prove-committed ones, with the pledge of their size.
 *
 * @example
 * ```ts
 * injectSectors(devnet, 't01000', [{ sectorNumber: 1, sealedCid: 'bagboea4b5abc…' }])
 * ```
 */
export function injectSectors(devnet: Devnet, minerAddr: string, sectors: readonly InjectedSector[]): void {
  const world = devnet.worldAt()
  const head = devnet.head().height
  const id = resolveIn(world, minerAddr)
  // The head's world may share this miner with older snapshots: clone before changing it.
  const m = id === undefined ? undefined : mutableMiner(world, id)
  if (m === undefined) throw new VenusError('ACTOR_NOT_FOUND', `miner ${minerAddr} not found`)
  const rt = devnet.runtimeForNext(world, m.owner, 0n)
  const params = devnet.params
  const allocated = writableAllocated(m)
  const all = writableSectors(m)
  const unsealedCid = zeroCommDCid(m.sectorSize)
  for (const s of sectors) {
    if (allocated.has(s.sectorNumber))
      throw new VenusError('ALREADY_EXISTS', `sector ${s.sectorNumber} already allocated`)
    const { deadline, partition } = assignSector(rt, m, s.sectorNumber)
    writableDeadline(m, deadline).partitions[partition]!.unproven.delete(s.sectorNumber)
    allocated.add(s.sectorNumber)
    const pledge = BigInt(m.sectorSize) * params.initialPledgePerByte
    all.set(s.sectorNumber, {
      sectorNumber: s.sectorNumber,
      sealProof: s.sealProof ?? 5,
      sealedCid: s.sealedCid,
      unsealedCid,
      activation: head,
      expiration: head + params.minSectorExpiration + maxProveCommitDuration(params),
      dealWeight: 0n,
      verifiedDealWeight: 0n,
      initialPledge: pledge,
      deadline,
      partition,
    })
    m.balance += pledge
    m.initialPledge += pledge
  }
}

/** A precommit for {@link injectPreCommits}: its number, sealed CID and ticket epoch. */
export interface InjectedPreCommit {
  sectorNumber: number
  sealedCid: string
  /** Epoch of the sealing ticket (default: the head − 10). */
  sealRandEpoch?: number
  /** `RegisteredSealProof` (default 5: 2 KiB, V1_1). */
  sealProof?: number
}

/**
 * Puts precommits of a miner straight into the head state, landed at the head's epoch with no
 * deposit: sectors sealed elsewhere and waiting for their seed, for tests that take them over.
 *
 * @example
 * ```ts
 * injectPreCommits(devnet, 't01000', [{ sectorNumber: 9, sealedCid: 'bagboea4b5abc…' }])
 * ```
 */
export function injectPreCommits(
  devnet: Devnet,
  minerAddr: string,
  preCommits: readonly InjectedPreCommit[],
): void {
  const world = devnet.worldAt()
  const head = devnet.head().height
  const id = resolveIn(world, minerAddr)
  const m = id === undefined ? undefined : mutableMiner(world, id)
  if (m === undefined) throw new VenusError('ACTOR_NOT_FOUND', `miner ${minerAddr} not found`)
  // The miner's parts may be shared with older snapshots: written only through their copies.
  const allocated = writableAllocated(m)
  const pending = writablePreCommits(m)
  for (const p of preCommits) {
    if (allocated.has(p.sectorNumber))
      throw new VenusError('ALREADY_EXISTS', `sector ${p.sectorNumber} already allocated`)
    allocated.add(p.sectorNumber)
    pending.set(p.sectorNumber, {
      sealProof: p.sealProof ?? 5,
      sectorNumber: p.sectorNumber,
      sealedCid: p.sealedCid,
      sealRandEpoch: p.sealRandEpoch ?? Math.max(0, head - 10),
      dealIds: [],
      expiration: head + devnet.params.minSectorExpiration + maxProveCommitDuration(devnet.params),
      unsealedCid: null,
      deposit: 0n,
      preCommitEpoch: head,
    })
  }
}
