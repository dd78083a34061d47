/**
 * The devnet's block producer: builds and executes tipsets (one block each) from the message
 * pool on the chain store's head, runs the end-of-epoch cron (also through null rounds), prices
 * gas with Lotus' base-fee rule, mines replacement forks for reorgs, and dry-runs messages for
 * gas estimation and `StateCall`.
 */
import { drawRandomness, type LotusMessage, SingletonActor, VenusError } from '@venus-cluster/core'
import type { ActorRuntime, DevnetProofVerifier } from './actor-types.js'
import { blsAddress, FAUCET_ACTOR_ID } from './actors/account.js'
import type { CommDFromPieces } from './actors/miner/common.js'
import { minerCron } from './actors/miner/cron.js'
import type { ChainStore, DevnetHeadChange, DevnetReceipt, DevnetTipset, ReplayEntry } from './chain-store.js'
import { ticketRandomnessOn } from './chain-store.js'
import { applyMessage } from './execute.js'
import { nextBaseFee } from './gas.js'
import type { MessagePool } from './message-pool.js'
import { cidOfValue, type DevnetStoredMessage, seededBytes, storedFrom } from './messages.js'
import type { DevnetParams } from './params.js'
import { beaconEntry, ticketProof } from './randomness.js'
import { copyWorld, emptyWorld, resolveIn, type WorldState } from './state.js'

/** Gas limit estimates are the gas used times this. */
const GAS_OVERESTIMATION = 1.25
/** Premium of an estimate when the message names none, attoFIL per gas. */
const DEFAULT_PREMIUM = 100_000n

/**
 * The genesis tipset of a devnet: the faucet account funded with `faucetBalance`, nothing else.
 *
 * @example
 * ```ts
 * const genesis = genesisTipset('seed-1', devnetParams2k())
 * ```
 */
export function genesisTipset(seed: string, params: DevnetParams): DevnetTipset {
  const world = emptyWorld()
  const faucetKey = blsAddress(seededBytes(`${seed}/faucet`, 48), params.addressPrefix)
  world.accounts.set(FAUCET_ACTOR_ID, {
    id: FAUCET_ACTOR_ID,
    key: faucetKey,
    balance: params.faucetBalance,
    nonce: 0,
  })
  world.keyIndex.set(faucetKey.slice(1), FAUCET_ACTOR_ID)
  const stateRoot = cidOfValue(['state', seed, 0]).toString()
  const empty = cidOfValue([[], []]).toString()
  return {
    height: 0,
    cid: cidOfValue(['genesis', seed, params.networkName]).toString(),
    parents: [],
    parentWeight: 0n,
    ticket: ticketProof(seed, 0, 0),
    beacon: beaconEntry(seed, 0),
    timestamp: params.genesisTimestamp,
    parentBaseFee: params.initialBaseFee,
    parentStateRoot: stateRoot,
    parentMessageReceipts: empty,
    messagesRoot: empty,
    stateRoot,
    messages: [],
    receipts: [],
    gasLimitUsed: 0,
    branch: 0,
    world,
  }
}

/** What the block producer works with. */
export interface BlockProducerComponents {
  seed: string
  params: DevnetParams
  /** Checks the proofs actors verify. */
  verifier: DevnetProofVerifier
  commD: CommDFromPieces
  chain: ChainStore
  mpool: MessagePool
}

/** Mines the devnet's tipsets (see the module comment). Callers serialize its calls. */
export class BlockProducer {
  readonly #c: BlockProducerComponents
  /** Fork counter: every reorg mines on a new branch (new tickets, so new CIDs and randomness). */
  #branch = 0

  constructor(components: BlockProducerComponents) {
    this.#c = components
  }

  /** Mines one tipset `skip` null rounds above the head, with pending messages; reports it. */
  async mineNext(skip: number): Promise<DevnetTipset> {
    const ts = await this.#mineOne(this.#c.chain.head().height + 1 + skip, this.#branch)
    this.#c.chain.emit([{ type: 'apply', tipset: ts }])
    return ts
  }

  /**
   * Reverts the top `depth` tipsets and mines `depth` replacements on a new fork, the last one
   * after `nullRounds` null rounds. Messages of the reverted tipsets go back to the pool and are
   * included again. Subscribers get one batch of `revert` then `apply` changes.
   */
  async reorg(depth: number, nullRounds: number): Promise<void> {
    const reverted = this.#c.chain.revertTop(depth)
    const target = reverted[reverted.length - 1]!.height + nullRounds
    for (const ts of reverted) for (const m of ts.messages) this.#c.mpool.restore(m)
    this.#branch++
    const applied: DevnetTipset[] = []
    const startHeight = reverted[0]!.height
    for (let i = 0; i < depth; i++) {
      const h = i === depth - 1 ? Math.max(target, startHeight + i) : startHeight + i
      applied.push(await this.#mineOne(h, this.#branch))
    }
    const changes: DevnetHeadChange[] = [
      ...reverted.reverse().map((tipset) => ({ type: 'revert' as const, tipset })),
      ...applied.map((tipset) => ({ type: 'apply' as const, tipset })),
    ]
    this.#c.chain.emit(changes)
  }

  /** Mines a persisted tipset again: exactly its messages, in its order, on its fork. */
  async replay(entry: ReplayEntry): Promise<void> {
    this.#branch = entry.branch
    await this.#mineOne(
      entry.height,
      entry.branch,
      entry.messages.map((m) => storedFrom(m.message, m.signature)),
    )
  }

  /** Fills GasLimit (used × 1.25), GasPremium and GasFeeCap; throws the actor's abort as CHAIN_ERROR. */
  async estimateGas(msg: LotusMessage): Promise<LotusMessage> {
    const { chain, params } = this.#c
    const head = chain.head()
    const { receipt } = await this.dryRun({ ...msg, GasLimit: params.blockGasLimit }, head)
    if (receipt.exitCode !== 0) {
      throw new VenusError(
        'CHAIN_ERROR',
        `estimating gas used: message execution failed: exit ${receipt.exitCode}: ${receipt.error}`,
        { details: { exitCode: receipt.exitCode } },
      )
    }
    const premium = BigInt(msg.GasPremium) > 0n ? BigInt(msg.GasPremium) : DEFAULT_PREMIUM
    const baseFee = this.#baseFeeAfter(head)
    const feeCap = BigInt(msg.GasFeeCap) > 0n ? BigInt(msg.GasFeeCap) : baseFee * 2n + premium
    return {
      ...msg,
      GasLimit: Math.ceil(receipt.gasUsed * GAS_OVERESTIMATION),
      GasPremium: premium.toString(),
      GasFeeCap: feeCap.toString(),
    }
  }

  /**
   * Executes a message on a copy of `ts`'s state at epoch `ts.height + 1` (nothing persists), as
   * `StateCall` does for "what if this landed next".
   */
  async dryRun(msg: LotusMessage, ts: DevnetTipset): Promise<{ receipt: DevnetReceipt }> {
    const world = copyWorld(this.#c.chain.worldAt(ts))
    const acct = resolveIn(world, msg.From)
    const nonce = acct !== undefined ? (world.accounts.get(acct)?.nonce ?? 0) : 0
    const gasLimit = msg.GasLimit > 0 ? msg.GasLimit : this.#c.params.blockGasLimit
    const receipt = await this.#apply(
      world,
      { ...msg, Nonce: nonce, GasLimit: gasLimit },
      ts.height + 1,
      0n,
      this.#c.chain.chainTo(ts),
      true,
    )
    return { receipt }
  }

  /** An actor runtime on `world` at `epoch`, drawing randomness from `chain`. */
  runtime(
    world: WorldState,
    epoch: number,
    chain: readonly DevnetTipset[],
    caller: number,
    value: bigint,
  ): ActorRuntime {
    const { params, verifier } = this.#c
    return {
      epoch,
      params,
      world,
      proofs: verifier,
      caller,
      value,
      ticketRandomness: (dst, e, entropy) => ticketRandomnessOn(chain, dst, e, entropy),
      beaconRandomness: (dst, e, entropy) => drawRandomness(dst, this.#c.chain.beaconDigest(e), e, entropy),
      idAddress: (id) => `${params.addressPrefix}0${id}`,
      resolve: (addr) => resolveIn(world, addr),
    }
  }

  #baseFeeAfter(parent: DevnetTipset): bigint {
    const { blockGasLimit, minimumBaseFee } = this.#c.params
    return nextBaseFee(parent.parentBaseFee, parent.gasLimitUsed, blockGasLimit, minimumBaseFee)
  }

  /** Builds, executes and appends one tipset at `height`. */
  async #mineOne(height: number, branch: number, replay?: DevnetStoredMessage[]): Promise<DevnetTipset> {
    const { chain: store, mpool, seed, params } = this.#c
    const parent = store.head()
    const world = copyWorld(store.worldAt(parent))
    const baseFee = this.#baseFeeAfter(parent)
    const selected = replay ?? mpool.select(world, baseFee)
    const messagesRoot = cidOfValue(selected.map((m) => m.cid)).toString()
    const ts: DevnetTipset = {
      height,
      cid: cidOfValue([seed, height, branch, parent.cid, messagesRoot]).toString(),
      parents: [parent.cid],
      parentWeight: parent.parentWeight + 1n,
      ticket: ticketProof(seed, height, branch),
      beacon: beaconEntry(seed, height),
      timestamp: params.genesisTimestamp + height * params.blockDelaySecs,
      parentBaseFee: baseFee,
      parentStateRoot: parent.stateRoot,
      parentMessageReceipts: cidOfValue(parent.receipts.map((r) => [r.exitCode, r.gasUsed])).toString(),
      messagesRoot,
      stateRoot: '',
      messages: selected,
      receipts: [],
      gasLimitUsed: selected.reduce((a, m) => a + m.message.GasLimit, 0),
      branch,
      world,
    }
    const chain = [...store.chainTo(parent), ts]
    for (let e = parent.height + 1; e < height; e++) this.#cron(world, e, chain)
    for (const m of selected) {
      ts.receipts.push(await this.#apply(world, m.message, height, baseFee, chain))
      mpool.remove(m.cid)
    }
    this.#cron(world, height, chain)
    ts.stateRoot = cidOfValue([
      parent.stateRoot,
      height,
      branch,
      ts.receipts.map((r) => [r.exitCode, r.gasUsed]),
    ]).toString()
    store.append(ts)
    return ts
  }

  #cron(world: WorldState, epoch: number, chain: readonly DevnetTipset[]): void {
    for (const m of world.miners.values())
      minerCron(this.runtime(world, epoch, chain, SingletonActor.Cron, 0n), m)
  }

  /** Applies one message to `world` at `epoch` (see {@link applyMessage}). */
  #apply(
    world: WorldState,
    msg: LotusMessage,
    epoch: number,
    baseFee: bigint,
    chain: readonly DevnetTipset[],
    dryRun = false,
  ): Promise<DevnetReceipt> {
    return applyMessage(
      { runtime: (w, caller, value) => this.runtime(w, epoch, chain, caller, value), commD: this.#c.commD },
      world,
      msg,
      baseFee,
      dryRun,
    )
  }
}
