/**
 * The randomness a sector is sealed with: its ticket (drawn from the chain's tickets a finality
 * before the head) and its interactive seed (from the beacon, once the precommit is buried deep
 * enough). Both are stored with the sector, so a worker that asks again gets the same answer.
 */
import {
  DomainSeparationTag,
  type EpochRandomness,
  idAddress,
  randomnessEntropy,
  type SectorId,
  VenusError,
} from '@venus-cluster/core'
import type { ServiceContext } from '../context.js'
import { type SeedWait, sectorKey } from '../sector.js'

/** The randomness entropy of a miner: the CBOR of its ID address. */
const minerEntropy = (miner: number) => randomnessEntropy(idAddress(miner))

/**
 * Tickets and seeds of sectors.
 *
 * @example
 * ```ts
 * const randomness = new SealRandomness(ctx)
 * const ticket = await randomness.assignTicket({ miner: 1000, number: 1 })
 * ```
 */
export class SealRandomness {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  /** Draws a ticket at head − SealRandomnessLookback and stores it. */
  assignTicket(id: SectorId): Promise<EpochRandomness> {
    const ctx = this.#ctx
    return ctx.locks.run(sectorKey(id), async () => {
      await ctx.online(id)
      const [head, p] = await Promise.all([ctx.chain.head(), ctx.networkParams()])
      const epoch = Math.max(0, head.height - p.sealRandomnessLookback)
      const value = await ctx.chain.randomnessFromTickets({
        dst: DomainSeparationTag.SealRandomness,
        epoch,
        entropy: minerEntropy(id.miner),
      })
      const ticket = { value, epoch }
      await ctx.store.updateSector(id, (s) => ({ ...s, ticket }))
      return ticket
    })
  }

  /** The interactive seed once the precommit is buried deep enough, else how long to wait. */
  waitSeed(id: SectorId): Promise<SeedWait> {
    const ctx = this.#ctx
    return ctx.locks.run(sectorKey(id), async () => {
      const state = await ctx.online(id)
      const [head, p, pci] = await Promise.all([
        ctx.chain.head(),
        ctx.networkParams(),
        ctx.chain.preCommitInfo(id.miner, id.number),
      ])
      if (pci === null) {
        throw new VenusError(
          'SECTOR_STATE_INVALID',
          `precommit info of ${sectorKey(id)} not found on chain`,
          {
            details: { miner: id.miner, number: id.number },
          },
        )
      }
      const seedEpoch = pci.preCommitEpoch + p.preCommitChallengeDelay
      if (state.seed && state.seed.epoch === seedEpoch)
        return { shouldWait: false, delaySeconds: 0, seed: state.seed }
      const ready = seedEpoch + p.interactivePoRepConfidence
      if (head.height < ready) {
        return {
          shouldWait: true,
          delaySeconds: Math.max(1, (ready - head.height) * p.blockDelaySecs),
          seed: null,
        }
      }
      const value = await ctx.chain.randomnessFromBeacon({
        dst: DomainSeparationTag.InteractiveSealChallengeSeed,
        epoch: seedEpoch,
        entropy: minerEntropy(id.miner),
      })
      const seed = { value, epoch: seedEpoch }
      await ctx.store.updateSector(id, (s) => ({ ...s, seed }))
      return { shouldWait: false, delaySeconds: 0, seed }
    })
  }

  /** The seed the chain gives for a sector's seed epoch (to check a stored one). */
  drawSeed(miner: number, epoch: number): Promise<Uint8Array> {
    return this.#ctx.chain.randomnessFromBeacon({
      dst: DomainSeparationTag.InteractiveSealChallengeSeed,
      epoch,
      entropy: minerEntropy(miner),
    })
  }
}
