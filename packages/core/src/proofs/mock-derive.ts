// How the mock derives replica ids, tree roots, CommR, proofs and vanilla proofs from its inputs.
import { createCipheriv } from 'node:crypto'
import { hashPieceNodePairs } from '../piece/index.js'
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
import {
  type PoStProofFacts,
  type SealProofFacts,
  SNARK_PROOF_BYTES,
  type UpdateProofFacts,
} from './registry.js'

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

/** The whole binary SHA-256 tree D over a sector's (Fr32-padded) data; its last 32 bytes are CommD. */
export function treeDOf(data: Uint8Array, sectorSize: number): Uint8Array {
  const tree = new Uint8Array((2 * (sectorSize / 32) - 1) * 32)
  tree.set(data.subarray(0, sectorSize), 0)
  let from = 0
  for (let n = sectorSize / 32; n > 1; n /= 2) {
    hashPieceNodePairs(tree, from * 32, tree, (from + n) * 32, n / 2)
    from += n
  }
  return tree
}

// ---- empty-sector update

/** First bytes of a mock vanilla update partition proof. */
export const SNAP_VANILLA_MAGIC = new TextEncoder().encode('VMSNAPV1')

/**
 * comm_r_last of the new replica. The library takes the root of the new tree R-last; the mock
 * binds the old CommR and the new CommD instead, so a replica cache tells which data it holds.
 */
export function updateCommRLast(commROld: Uint8Array, commDNew: Uint8Array): Uint8Array {
  return trimFr(taggedDigest('update_comm_r_last', commROld, commDNew))
}

/**
 * The per-node masks of an update, keyed by phi = H(comm_d_new, comm_r_old) as the library keys
 * its rho factors: AES-256-CTR output from node `firstNode`, with the top two bits of each node
 * cleared so that masked Fr32 nodes stay canonical field elements.
 */
export function updateMasks(commDNew: Uint8Array, commROld: Uint8Array, firstNode: number, bytes: number) {
  const phi = taggedDigest('update_phi', commDNew, commROld)
  const iv = new Uint8Array(16)
  // Two AES blocks per 32-byte node; the counter is the IV read big-endian.
  new DataView(iv.buffer).setBigUint64(8, BigInt(firstNode) * 2n, false)
  const cipher = createCipheriv('aes-256-ctr', phi, iv)
  const out = new Uint8Array(cipher.update(new Uint8Array(bytes)))
  for (let i = 31; i < out.length; i += 32) out[i] = (out[i] as number) & 0x3f
  return out
}

function zeroNode(b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 32; i++) if (b[off + i] !== 0) return false
  return true
}

/**
 * Mixes data into a replica node by node, as the library's `replica = key + data · rho`: a
 * zero data node leaves the key node as it is, any other becomes `key ^ data ^ mask`. The same
 * call removes the data again (`key = replica ^ data ^ mask`).
 */
export function mixNodes(base: Uint8Array, data: Uint8Array, masks: Uint8Array, out: Uint8Array): void {
  for (let off = 0; off < out.length; off += 32) {
    if (zeroNode(data, off)) {
      out.set(base.subarray(off, off + 32), off)
    } else {
      for (let i = off; i < off + 32; i++)
        out[i] = (base[i] as number) ^ (data[i] as number) ^ (masks[i] as number)
    }
  }
}

/** The inverse of {@link mixNodes} given the replica and the key: the data nodes. */
export function unmixNodes(replica: Uint8Array, key: Uint8Array, masks: Uint8Array, out: Uint8Array): void {
  for (let off = 0; off < out.length; off += 32) {
    let zero = true
    for (let i = off; i < off + 32; i++) {
      const d = (replica[i] as number) ^ (key[i] as number)
      out[i] = d
      if (d !== 0) zero = false
    }
    if (!zero) for (let i = off; i < off + 32; i++) out[i] = (out[i] as number) ^ (masks[i] as number)
  }
}

/** The mock update proof: a digest of the public inputs, 192 bytes per partition. */
export function updateProofBytes(
  facts: UpdateProofFacts,
  commROld: Uint8Array,
  commRNew: Uint8Array,
  commDNew: Uint8Array,
): Uint8Array {
  return expand(
    taggedDigest('update', facts.updateProofType, commROld, commRNew, commDNew),
    facts.proofLength,
  )
}

/** One mock vanilla partition proof: the public inputs of partition `k`, then their digest. */
export function updateVanillaBytes(
  facts: UpdateProofFacts,
  k: number,
  commROld: Uint8Array,
  commRNew: Uint8Array,
  commDNew: Uint8Array,
): Uint8Array {
  const body = new Uint8Array(SNAP_VANILLA_MAGIC.length + 16 + 96)
  body.set(SNAP_VANILLA_MAGIC, 0)
  let off = SNAP_VANILLA_MAGIC.length
  for (const part of [u64le(facts.updateProofType), u64le(k), commROld, commRNew, commDNew]) {
    body.set(part, off)
    off += part.length
  }
  const out = new Uint8Array(body.length + 32)
  out.set(body, 0)
  out.set(taggedDigest('update_vanilla', body), body.length)
  return out
}
