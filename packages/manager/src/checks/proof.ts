/**
 * What a proof must satisfy before the manager sends its prove-commit: a precommit on chain, the
 * seed of that precommit (checked again against the chain), and — with a proofs backend — a
 * proof that verifies. A sector already proven on chain is taken as it is.
 */
import { cidToCommitment, type ProofsBackend, proverId, SubmitResult } from '@venus-cluster/core'
import type { ServiceContext } from '../context.js'
import type { SealRandomness } from '../randomness/index.js'
import {
  ACCEPTED,
  equalBytes,
  type ManagedSector,
  rejected,
  type SubmitResponse,
  sectorKey,
} from '../sector.js'
import { requireSender } from './precommit.js'

/** The outcome of a proof check (see `PreCommitCheck`). */
export type ProofCheck = { done: SubmitResponse } | { onChain: Uint8Array } | { queue: Uint8Array }

/** The proofs call a proof check makes. */
export type SealVerifier = Pick<ProofsBackend, 'verifySeal'>

/**
 * Checks a submitted proof against the sector's record and the chain. Without `proofs` the proof
 * itself is not verified (the chain will).
 *
 * @example
 * ```ts
 * const c = await checkProof(ctx, randomness, record, proof, false, proofs)
 * if ('done' in c) return c.done
 * ```
 */
export async function checkProof(
  ctx: ServiceContext,
  randomness: SealRandomness,
  s: ManagedSector,
  proof: Uint8Array,
  reset: boolean,
  proofs?: SealVerifier | undefined,
): Promise<ProofCheck> {
  const id = s.id
  requireSender(ctx, id, 'prove')
  if (!s.preCommit) return { done: rejected('precommit info not found') }
  if (s.proof && !reset) {
    return {
      done: equalBytes(s.proof, proof)
        ? ACCEPTED
        : {
            result: SubmitResult.MismatchedSubmission,
            description: 'proof differs from the earlier submission',
          },
    }
  }
  if (!s.seed) return { done: rejected('seed not assigned') }
  const [p, pci] = await Promise.all([ctx.networkParams(), ctx.chain.preCommitInfo(id.miner, id.number)])
  const onChain = pci === null ? await ctx.chain.sectorInfo(id.miner, id.number) : null
  if (onChain !== null) return { onChain: proof }
  if (pci === null) return { done: rejected('no precommit on chain') }
  if (s.seed.epoch !== pci.preCommitEpoch + p.preCommitChallengeDelay) {
    return { done: rejected(`seed epoch ${s.seed.epoch} is not precommit epoch + challenge delay`) }
  }
  const seed = await randomness.drawSeed(id.miner, s.seed.epoch)
  if (!equalBytes(seed, s.seed.value)) return { done: rejected('stored seed differs from the chain') }
  if (proofs) {
    const ok = await proofs
      .verifySeal({
        proofType: s.proofType,
        proverId: proverId(id.miner),
        sectorNumber: id.number,
        commR: cidToCommitment(s.preCommit.commR).commitment,
        commD: cidToCommitment(s.preCommit.commD).commitment,
        ticket: s.preCommit.ticket.value,
        seed,
        proof,
      })
      .catch((err) => {
        ctx.log.warn({ err, sector: sectorKey(id) }, 'verifySeal failed')
        return false
      })
    if (!ok) return { done: rejected('invalid proof') }
  }
  return { queue: proof }
}
