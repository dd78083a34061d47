/**
 * Fil+ fixtures: verified clients (a verifier added by the registry's root key grants DataCap)
 * and direct allocations (a DataCap transfer to the verified registry), all through real
 * messages so they persist and replay like any other chain state.
 */
import {
  type AllocationRequest,
  DatacapMethod,
  datacapTokens,
  decodeAllocationsResponse,
  decodeDatacapTransferReturn,
  encodeAllocationRequests,
  encodeDatacapTransfer,
  encodeVerifierParams,
  SingletonActor,
  VenusError,
  VerifregMethod,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import type { Devnet, DevnetMessageInput } from '../devnet.js'

/** Sends a message, mines until it executed and fails with its error when it did not succeed. */
async function run(devnet: Devnet, what: string, msg: DevnetMessageInput): Promise<Uint8Array | null> {
  const stored = await devnet.pushMessage(msg)
  await devnet.mine(2)
  const found = devnet.searchMessage(stored.cid)
  if (found === undefined || found.receipt.exitCode !== 0) {
    throw new VenusError('MESSAGE_FAILED', `${what} failed: ${found?.receipt.error ?? 'not executed'}`, {
      details: { exitCode: found?.receipt.exitCode },
    })
  }
  return found.receipt.return
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')

/** A verified client made by {@link createVerifiedClient}. */
export interface VerifiedClient {
  /** The client's key address (funded, holding the DataCap). */
  client: string
  /** Its id address. */
  clientId: number
  /** The verifier that granted it. */
  verifier: string
}

/**
 * Makes `client` (default: a new funded BLS account) a verified client with `datacap` bytes of
 * DataCap: the registry's root key (the genesis faucet) adds a verifier, which grants the
 * client. Mines the tipsets the messages need.
 *
 * @example
 * ```ts
 * import { createVerifiedClient } from '@venus-cluster/devnet/testing'
 * const { client } = await createVerifiedClient(devnet, { datacap: 1n << 30n })
 * ```
 */
export async function createVerifiedClient(
  devnet: Devnet,
  opts: { datacap: bigint | number; client?: string },
): Promise<VerifiedClient> {
  const fil = 10n ** 18n
  const verifier = devnet.newAccount('bls')
  const client = opts.client ?? devnet.newAccount('bls')
  await devnet.faucet(verifier, 10n * fil)
  if (opts.client === undefined) await devnet.faucet(client, 100n * fil)
  await devnet.mine(1)
  const f06 = devnet.idAddress(SingletonActor.VerifiedRegistry)
  const datacap = BigInt(opts.datacap)
  await run(devnet, 'AddVerifier', {
    To: f06,
    From: devnet.faucetAddress(),
    Method: VerifregMethod.AddVerifier,
    Params: b64(encodeVerifierParams({ address: verifier, allowance: datacap })),
  })
  await run(devnet, 'AddVerifiedClient', {
    To: f06,
    From: verifier,
    Method: VerifregMethod.AddVerifiedClient,
    Params: b64(encodeVerifierParams({ address: client, allowance: datacap })),
  })
  const clientId = devnet.resolve(client)
  if (clientId === undefined) throw new VenusError('ACTOR_NOT_FOUND', `client ${client} not on chain`)
  return { client, clientId, verifier }
}

/** One allocation to make with {@link allocateDatacap}; CIDs as strings. */
export type TestAllocationInput = Omit<AllocationRequest, 'data' | 'termMin' | 'termMax' | 'expiration'> & {
  data: string
  /** Default 180 days. */
  termMin?: number
  /** Default `termMin` + 90 days. */
  termMax?: number
  /** Default: head + 30 days. */
  expiration?: number
}

/**
 * Allocates DataCap of `client` to pieces at providers: one DataCap `Transfer` to the verified
 * registry with the requests as operator data. Returns the new allocation ids, in order.
 *
 * @example
 * ```ts
 * const [id] = await allocateDatacap(devnet, client, [{ provider: minerId, data: pieceCid, size: 2048 }])
 * ```
 */
export async function allocateDatacap(
  devnet: Devnet,
  client: string,
  allocations: readonly TestAllocationInput[],
): Promise<number[]> {
  const head = devnet.head().height
  const day = 2880
  const requests = allocations.map((a) => {
    const termMin = a.termMin ?? 180 * day
    return {
      provider: a.provider,
      data: CID.parse(a.data) as never,
      size: a.size,
      termMin,
      termMax: a.termMax ?? termMin + 90 * day,
      expiration: a.expiration ?? head + 30 * day,
    }
  })
  const amount = datacapTokens(requests.reduce((n, r) => n + r.size, 0))
  const ret = await run(devnet, 'DataCap transfer', {
    To: devnet.idAddress(SingletonActor.DataCap),
    From: client,
    Method: DatacapMethod.Transfer,
    Params: b64(
      encodeDatacapTransfer({
        to: devnet.idAddress(SingletonActor.VerifiedRegistry),
        amount,
        operatorData: encodeAllocationRequests({ allocations: requests, extensions: [] }),
      }),
    ),
  })
  if (ret === null) throw new VenusError('MESSAGE_FAILED', 'DataCap transfer returned nothing')
  return decodeAllocationsResponse(decodeDatacapTransferReturn(ret).recipientData).newAllocations
}
