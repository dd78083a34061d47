import {
  cidToCommitment,
  type PoStProofBytes,
  type ProofsBackend,
  postRandomness,
  proverId,
  sealProofInfo,
  VenusError,
} from '@venus-cluster/core'
import type { SectorLocator } from './locator.js'

/** A sector as the block producer hands it over (Lotus `ExtendedSectorInfo`). */
export interface WinningSectorInfo {
  SealProof: number
  SectorNumber: number
  /** CommR CID (`{ '/': 'bagboea…' }` or the string). */
  SealedCID: { '/': string } | string
  /** The CC sealed CID of a sector updated with data (SnapDeals); absent or null otherwise. */
  SectorKey?: { '/': string } | string | null | undefined
}

/** Input of {@link generateWinningPoStProof}. */
export interface WinningPoStInput {
  minerId: number
  /** The challenged sectors (from `generateWinningPoStSectorChallenge`). */
  sectors: readonly WinningSectorInfo[]
  /** Unmasked chain randomness (the top bits are cleared here). */
  randomness: Uint8Array
  proofs: ProofsBackend
  locate: SectorLocator
  signal?: AbortSignal
}

/**
 * Generates a WinningPoSt over the challenged sectors, locating their files through `locate`.
 * Returns the proofs in the chain's `[PoStProof]` shape.
 *
 * @example
 * ```ts
 * const proofs = await generateWinningPoStProof({
 *   minerId: 1000, sectors, randomness, proofs: mockProofs(), locate: dirLocator('/store'),
 * })
 * ```
 */
export async function generateWinningPoStProof(input: WinningPoStInput): Promise<PoStProofBytes[]> {
  if (input.sectors.length === 0)
    throw new VenusError('INVALID_ARGUMENT', 'winning PoSt needs at least one sector')
  const replicas = []
  for (const s of input.sectors) {
    const files = await input.locate(input.minerId, s.SectorNumber, {
      updated: s.SectorKey !== null && s.SectorKey !== undefined,
    })
    if (!files) {
      throw new VenusError('POST_FAILED', `sector ${s.SectorNumber} of miner ${input.minerId} not found`, {
        details: { sector: s.SectorNumber },
      })
    }
    const cid = typeof s.SealedCID === 'string' ? s.SealedCID : s.SealedCID['/']
    replicas.push({
      postProofType: sealProofInfo(s.SealProof).winningPoStProof,
      sectorNumber: s.SectorNumber,
      commR: cidToCommitment(cid, 'commR').commitment,
      ...files,
    })
  }
  return input.proofs.generateWinningPoSt(
    { randomness: postRandomness(input.randomness), proverId: proverId(input.minerId), replicas },
    input.signal ? { signal: input.signal } : undefined,
  )
}

/** One RPC method of {@link winningPoStMethods}: positional params in, the result out. */
export type WinningPoStMethod = (params: unknown[], ctx: { signal?: AbortSignal }) => Promise<unknown>

/**
 * The manager's WinningPoSt RPC method `Venus.ComputeWinningPoSt(miner, sectorInfos, randBase64)`
 * → `[{ PoStProof, ProofBytes }]` (ProofBytes base64). Mount it next to the manager's table.
 *
 * @example
 * ```ts
 * createRpcServer({ methods: { ...managerMethods, ...winningPoStMethods({ proofs, locate }) } })
 * // client: Venus.ComputeWinningPoSt(['t01000', [{ SealProof: 5, SectorNumber: 1, SealedCID }], rand])
 * ```
 */
export function winningPoStMethods(deps: {
  proofs: ProofsBackend
  locate: SectorLocator
}): Record<string, WinningPoStMethod> {
  return {
    'Venus.ComputeWinningPoSt': async (params, ctx) => {
      const [miner, sectors, rand] = params as [unknown, unknown, unknown]
      const m = typeof miner === 'number' ? miner : /^[ft]0(\d+)$/.exec(String(miner))?.[1]
      if (m === undefined)
        throw new VenusError('INVALID_ARGUMENT', `miner ${JSON.stringify(miner)} is not an ID address`)
      if (!Array.isArray(sectors)) throw new VenusError('INVALID_ARGUMENT', 'sector infos must be an array')
      if (typeof rand !== 'string') throw new VenusError('INVALID_ARGUMENT', 'randomness must be base64')
      const randomness = new Uint8Array(Buffer.from(rand, 'base64'))
      if (randomness.length !== 32) throw new VenusError('INVALID_ARGUMENT', 'randomness must be 32 bytes')
      const out = await generateWinningPoStProof({
        minerId: Number(m),
        sectors: sectors as WinningSectorInfo[],
        randomness,
        ...deps,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      })
      return out.map((p) => ({
        PoStProof: p.postProof,
        ProofBytes: Buffer.from(p.proofBytes).toString('base64'),
      }))
    },
  }
}
