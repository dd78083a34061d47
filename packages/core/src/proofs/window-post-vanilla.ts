/**
 * WindowPoSt in two halves, for proving split across machines: the vanilla proofs (reading the
 * challenged leaves of each sector file) are made where the sector files are, and the SNARK
 * (the GPU-heavy half) is computed from them wherever there is a prover.
 */
import { isVenusError } from '../errors/index.js'
import type {
  PoStProofType,
  PrivateReplicaInfo,
  ProofsBackend,
  ProofsCallOptions,
  WindowPoStResult,
} from './backend.js'

/** What {@link generateWindowPoStVanillaProofs} returns. */
export interface WindowPoStVanillaProofs {
  postProofType: PoStProofType
  /** Vanilla proofs of the sectors that could be read, in ascending sector order. */
  sectors: { sectorNumber: number; vanillaProof: Uint8Array }[]
  /** Sectors whose files could not be read or proven, with the reason. */
  faultySectors: { sectorNumber: number; reason: string }[]
}

/**
 * Makes the vanilla proof of every replica for `randomness`. A sector whose files fail is
 * reported in `faultySectors` rather than failing the whole call; an abort still rejects.
 *
 * @example
 * ```ts
 * const v = await generateWindowPoStVanillaProofs(proofs, { randomness, proverId, replicas })
 * const proof = await proofs.generateWindowPoStWithVanilla({
 *   postProofType: v.postProofType, randomness, proverId,
 *   vanillaProofs: v.sectors.map((s) => s.vanillaProof),
 * })
 * ```
 */
export async function generateWindowPoStVanillaProofs(
  proofs: Pick<ProofsBackend, 'generateFallbackSectorChallenges' | 'generateSingleVanillaProof'>,
  req: { randomness: Uint8Array; proverId: Uint8Array; replicas: readonly PrivateReplicaInfo[] },
  options: ProofsCallOptions = {},
): Promise<WindowPoStVanillaProofs> {
  const replicas = [...req.replicas].sort((a, b) => a.sectorNumber - b.sectorNumber)
  const postProofType = replicas[0]?.postProofType ?? 0
  const out: WindowPoStVanillaProofs = { postProofType, sectors: [], faultySectors: [] }
  if (replicas.length === 0) return out
  const challenges = await proofs.generateFallbackSectorChallenges({
    postProofType,
    randomness: req.randomness,
    proverId: req.proverId,
    sectorNumbers: replicas.map((r) => r.sectorNumber),
  })
  const bySector = new Map(challenges.map((c) => [c.sectorNumber, c.challenges]))
  for (const replica of replicas) {
    try {
      const vanillaProof = await proofs.generateSingleVanillaProof(
        { replica, challenges: bySector.get(replica.sectorNumber) ?? [] },
        options,
      )
      out.sectors.push({ sectorNumber: replica.sectorNumber, vanillaProof })
    } catch (err) {
      if (isVenusError(err, 'ABORTED') || options.signal?.aborted) throw err
      out.faultySectors.push({
        sectorNumber: replica.sectorNumber,
        reason: err instanceof Error ? err.message : String(err),
      })
    }
  }
  return out
}

/**
 * WindowPoSt through the vanilla path: vanilla proofs, then the SNARK from them. Faulty sectors
 * give no proof (as `generateWindowPoSt` does), so the caller skips them and asks again.
 *
 * @example
 * ```ts
 * const res = await windowPoStViaVanilla(proofs, { randomness, proverId, replicas })
 * if (res.faultySectors.length > 0) console.log('skip', res.faultySectors)
 * ```
 */
export async function windowPoStViaVanilla(
  proofs: Pick<
    ProofsBackend,
    'generateFallbackSectorChallenges' | 'generateSingleVanillaProof' | 'generateWindowPoStWithVanilla'
  >,
  req: { randomness: Uint8Array; proverId: Uint8Array; replicas: readonly PrivateReplicaInfo[] },
  options: ProofsCallOptions = {},
): Promise<WindowPoStResult> {
  const v = await generateWindowPoStVanillaProofs(proofs, req, options)
  if (v.faultySectors.length > 0)
    return { proofs: [], faultySectors: v.faultySectors.map((f) => f.sectorNumber) }
  if (v.sectors.length === 0) return { proofs: [], faultySectors: [] }
  const out = await proofs.generateWindowPoStWithVanilla(
    {
      postProofType: v.postProofType,
      randomness: req.randomness,
      proverId: req.proverId,
      vanillaProofs: v.sectors.map((s) => s.vanillaProof),
    },
    options,
  )
  return { proofs: out, faultySectors: [] }
}
