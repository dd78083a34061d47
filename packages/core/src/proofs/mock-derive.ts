// How the mock derives replica ids, tree roots, CommR, proofs and vanilla proofs from its inputs.
import type { PublicReplicaInfo, SealProofType } from './backend.js'
import {
  bytesEqual,
  expand,
  type HashField,
  readU64le,
  sha256,
  taggedDigest,
  trimFr,
  u64be,
  u64le,
} from './mock-hash.js'
import { failed, invalid } from './mock-input.js'
import { type PoStProofFacts, type SealProofFacts, SNARK_PROOF_BYTES } from './registry.js'

/** First bytes of a mock vanilla PoSt proof. */
export const VANILLA_MAGIC = new TextEncoder().encode('VMVANIL1')

export function porepId(proofType: SealProofType): Uint8Array {
  const id = new Uint8Array(32)
  id.set(u64le(proofType), 0)
  return id
}

/** replica_id = trimFr(SHA-256(prover_id ‖ sector_id u64 BE ‖ ticket ‖ comm_d ‖ porep_id)), as the library. */
export function replicaIdOf(
  proofType: number,
  proverId: Uint8Array,
  sectorNumber: number,
  ticket: Uint8Array,
  commD: Uint8Array,
) {
  return trimFr(sha256(proverId, u64be(sectorNumber), ticket, commD, porepId(proofType)))
}

/** Mock tree roots; CommR = H(comm_c, comm_r_last) mirrors the library's composition. */
export function mockRoots(replicaId: Uint8Array) {
  const commC = trimFr(taggedDigest('comm_c', replicaId))
  const commRLast = trimFr(taggedDigest('comm_r_last', replicaId))
  return { commC, commRLast, commR: commRFromRoots(commC, commRLast) }
}

export function commRFromRoots(commC: Uint8Array, commRLast: Uint8Array): Uint8Array {
  return trimFr(taggedDigest('comm_r', commC, commRLast))
}

export function sealProofBytes(
  facts: SealProofFacts,
  proverId: Uint8Array,
  sectorNumber: number,
  ticket: Uint8Array,
  seed: Uint8Array,
  commR: Uint8Array,
  commD: Uint8Array,
): Uint8Array {
  const digest = taggedDigest('seal', facts.proofType, proverId, sectorNumber, ticket, seed, commR, commD)
  return expand(digest, facts.proofLength)
}

/**
 * SnarkPack proof size for `n` proofs: a fixed part plus one GIPA round per halving of the
 * power-of-two target (≥ 2), with target-group elements of 576 bytes as bellperson serialises them.
 * An estimate of the real layout; nothing depends on the exact figure.
 *
 * @example
 * ```ts
 * mockAggregateLength(4) // 15444: 2 GIPA rounds
 * ```
 */
export function mockAggregateLength(n: number): number {
  const target = Math.max(2, 2 ** Math.ceil(Math.log2(Math.max(1, n))))
  return 3732 + 5856 * Math.log2(target)
}

export function partitionProofBytes(
  facts: PoStProofFacts,
  randomness: Uint8Array,
  proverId: Uint8Array,
  partitionIndex: number,
  sectors: readonly PublicReplicaInfo[],
): Uint8Array {
  // The real WindowPoSt circuit has no prover-id input (challenges come from the randomness and
  // sector numbers), so a window proof does not bind it; WinningPoSt does, through the sector
  // selection.
  const fields: HashField[] =
    facts.kind === 'winning'
      ? [facts.postProofType, randomness, proverId, partitionIndex, sectors.length]
      : [facts.postProofType, randomness, partitionIndex, sectors.length]
  for (const s of sectors) fields.push(s.sectorNumber, s.commR)
  return expand(taggedDigest(facts.kind, ...fields), SNARK_PROOF_BYTES)
}

/** Leaf challenges of one sector: u64 LE of SHA-256(randomness ‖ sector u64 LE ‖ n u64 LE) mod leaves. */
export function leafChallenges(
  facts: PoStProofFacts,
  randomness: Uint8Array,
  sectorNumber: number,
): number[] {
  const leaves = BigInt(facts.sectorSize / 32)
  const out: number[] = []
  for (let n = 0; n < facts.challengesPerSector; n++) {
    out.push(Number(readU64le(sha256(randomness, u64le(sectorNumber), u64le(n))) % leaves))
  }
  return out
}

export function parseVanilla(v: unknown, index: number) {
  const head = VANILLA_MAGIC.length + 8 + 8 + 32 + 32 + 8
  if (!(v instanceof Uint8Array) || v.length < head + 32)
    throw invalid('vanilla proof is malformed', { index })
  const body = v.subarray(0, v.length - 32)
  if (!bytesEqual(taggedDigest('vanilla', body), v.subarray(v.length - 32))) {
    throw failed('vanilla proof does not verify', { index })
  }
  const m = VANILLA_MAGIC.length
  const postProofType = Number(readU64le(v, m))
  const sectorNumber = Number(readU64le(v, m + 8))
  const commC = v.slice(m + 16, m + 48)
  const commRLast = v.slice(m + 48, m + 80)
  const count = Number(readU64le(v, m + 80))
  const off = m + 88
  if (body.length !== off + count * 8) throw invalid('vanilla proof is malformed', { index })
  const challenges: number[] = []
  for (let i = 0; i < count; i++) challenges.push(Number(readU64le(v, off + i * 8)))
  return { postProofType, sectorNumber, commC, commRLast, challenges }
}
