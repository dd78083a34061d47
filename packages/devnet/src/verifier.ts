import type { ProofsBackend } from '@venus-cluster/core'
import type { DevnetProofVerifier } from './actor-types.js'

/**
 * Adapts a core `ProofsBackend` to the checks the devnet's actors make. WindowPoSt sector lists
 * are deduplicated (Lotus' stand-in copies collapse).
 *
 * @example
 * ```ts
 * const verifier = proofsVerifier(mockProofs())
 * ```
 */
export function proofsVerifier(backend: ProofsBackend): DevnetProofVerifier {
  return {
    verifySeal: (s) =>
      backend.verifySeal({
        proofType: s.registeredProof,
        proverId: s.proverId,
        sectorNumber: s.sectorNumber,
        commR: s.commR,
        commD: s.commD,
        ticket: s.ticket,
        seed: s.seed,
        proof: s.proof,
      }),
    verifyAggregate: (a) =>
      backend.verifyAggregateSealProofs({
        proofType: a.registeredProof,
        aggregateType: a.aggregateProofType,
        proverId: a.seals[0]?.proverId ?? new Uint8Array(32),
        aggregate: a.proof,
        infos: a.seals.map((s) => ({
          sectorNumber: s.sectorNumber,
          commR: s.commR,
          commD: s.commD,
          ticket: s.ticket,
          seed: s.seed,
        })),
      }),
    verifyReplicaUpdate: (u) =>
      backend.verifyUpdateProof({
        updateProofType: u.updateProofType,
        commROld: u.commROld,
        commRNew: u.commRNew,
        commDNew: u.commDNew,
        proof: u.proof,
      }),
    verifyWindowPoSt: (w) => {
      const seen = new Set<number>()
      const replicas = []
      for (const s of w.sectors) {
        if (seen.has(s.sectorNumber)) continue
        seen.add(s.sectorNumber)
        replicas.push({ sectorNumber: s.sectorNumber, commR: s.commR })
      }
      return backend.verifyWindowPoSt({
        randomness: w.randomness,
        proverId: w.proverId,
        proofs: [{ postProof: w.registeredPoStProof, proofBytes: w.proof }],
        replicas,
      })
    },
  }
}

/** Whether `x` is a full ProofsBackend (rather than a bare verifier). */
export function isProofsBackend(x: ProofsBackend | DevnetProofVerifier): x is ProofsBackend {
  return typeof (x as ProofsBackend).verifyAggregateSealProofs === 'function'
}
