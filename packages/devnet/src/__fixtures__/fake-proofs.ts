/**
 * A hash-based DevnetProofVerifier for the devnet's own tests: a proof is the blake2b of every
 * public input, so any changed input fails verification.
 */
import { blake2bHash } from '@venus-cluster/core'
import type { DevnetProofVerifier, DevnetSealToVerify } from '../actor-types.js'

function h(parts: (Uint8Array | number | string)[], len: number): Uint8Array {
  const chunks = parts.map((p) => (p instanceof Uint8Array ? p : new TextEncoder().encode(`${p}|`)))
  const total = chunks.reduce((a, c) => a + c.length, 0)
  const buf = new Uint8Array(total)
  let o = 0
  for (const c of chunks) {
    buf.set(c, o)
    o += c.length
  }
  const out = new Uint8Array(len)
  const d = blake2bHash(buf, 64)
  for (let i = 0; i < len; i++) out[i] = d[i % 64]!
  return out
}

const sealParts = (s: DevnetSealToVerify) => [
  'seal',
  s.registeredProof,
  s.sectorNumber,
  s.proverId,
  s.commR,
  s.commD,
  s.ticket,
  s.seed,
]
const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i])

/** Proof generators matching {@link fakeVerifier}. */
export const fakeProver = {
  seal: (s: DevnetSealToVerify) => h(sealParts(s), 192),
  aggregate: (seals: DevnetSealToVerify[]) => h(['agg', ...seals.flatMap(sealParts)], 1024),
  windowPoSt: (w: {
    registeredPoStProof: number
    proverId: Uint8Array
    randomness: Uint8Array
    sectors: number[]
  }) =>
    h(
      [
        'post',
        w.registeredPoStProof,
        w.proverId,
        w.randomness,
        ...[...new Set(w.sectors)].sort((a, b) => a - b),
      ],
      192,
    ),
}

/** Verifier accepting exactly what {@link fakeProver} makes. */
export function fakeVerifier(): DevnetProofVerifier & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    async verifySeal(s) {
      calls.push('seal')
      return eq(s.proof, fakeProver.seal(s))
    },
    async verifyAggregate(a) {
      calls.push('aggregate')
      return eq(a.proof, fakeProver.aggregate(a.seals))
    },
    async verifyWindowPoSt(w) {
      calls.push('post')
      return eq(w.proof, fakeProver.windowPoSt({ ...w, sectors: w.sectors.map((s) => s.sectorNumber) }))
    },
  }
}
