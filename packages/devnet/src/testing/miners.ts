/** Test miners: a funded owner/worker and a miner actor, created through real messages. */
import { decodeCreateMinerReturn, SingletonActor, VenusError } from '@venus-cluster/core'
import type { Devnet } from '../devnet.js'
import { encodeParams } from '../params-codec.js'

/** Options of {@link createTestMiner}. */
export interface TestMinerOptions {
  /** `RegisteredPoStProof` of the miner (default 10: 2 KiB, V1_1). */
  windowPoStProofType?: number
  /** attoFIL the owner gets from the faucet (default 1000 FIL). */
  funds?: bigint
  /** An existing key address as owner and worker (default: a new BLS account). */
  owner?: string
}

/** A miner created by {@link createTestMiner}. */
export interface TestMiner {
  /** Owner and worker (the same BLS key). */
  owner: string
  /** ID address (`t01000`). */
  miner: string
  minerId: number
  robustAddress: string
}

/**
 * Funds a new BLS owner/worker account and creates a miner through real messages
 * (faucet → CreateMiner), mining the tipsets needed.
 *
 * @example
 * ```ts
 * import { createTestMiner } from '@venus-cluster/devnet/testing'
 * const { miner, owner } = await createTestMiner(devnet, { windowPoStProofType: 10 })
 * ```
 */
export async function createTestMiner(devnet: Devnet, opts: TestMinerOptions = {}): Promise<TestMiner> {
  const owner = opts.owner ?? devnet.newAccount('bls')
  await devnet.faucet(owner, opts.funds ?? 1000n * 10n ** 18n)
  await devnet.mine(1)
  const params = encodeParams.createMiner({
    owner,
    worker: owner,
    windowPoStProofType: opts.windowPoStProofType ?? 10,
    peer: new Uint8Array(),
    multiaddrs: [],
  })
  const msg = await devnet.pushMessage({
    To: devnet.idAddress(SingletonActor.Power),
    From: owner,
    Value: devnet.params.minerCreationDeposit.toString(),
    Method: 2,
    Params: Buffer.from(params).toString('base64'),
  })
  await devnet.mine(2)
  const found = devnet.searchMessage(msg.cid)
  const ret = found?.receipt.exitCode === 0 ? found.receipt.return : null
  if (ret === null) {
    throw new VenusError('MESSAGE_FAILED', `CreateMiner failed: ${found?.receipt.error ?? 'not executed'}`)
  }
  const { idAddress, robustAddress } = decodeCreateMinerReturn(ret, devnet.params.addressPrefix)
  return { owner, miner: idAddress, minerId: Number(idAddress.slice(2)), robustAddress }
}
