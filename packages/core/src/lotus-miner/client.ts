import type { AddressString } from '../chain/types.js'
import { VenusError } from '../errors/index.js'
import { createRpcClient, type RpcClient, type RpcClientOptions } from '../rpc/client.js'
import type { RpcCallOptions, RpcTransport } from '../rpc/types.js'
import type { LotusMinerSectorInfo, LotusStorageDecl, LotusStorageInfo } from './types.js'

/**
 * Typed calls of the lotus-miner API (`Filecoin.*` at `/rpc/v0`) that reading a miner's sectors
 * and storage needs. Results are the wire JSON shapes of `types.ts`; the storage calls need an
 * admin token.
 */
export interface LotusMinerClient {
  /** The RPC client underneath (for calls not listed here). */
  readonly rpc: RpcClient
  close(): Promise<void>
  /** The miner actor's address (`f0…`/`t0…`). */
  actorAddress(opts?: RpcCallOptions): Promise<AddressString>
  actorSectorSize(miner: AddressString, opts?: RpcCallOptions): Promise<number>
  /** Every sector number the miner's pipeline knows. */
  sectorsList(opts?: RpcCallOptions): Promise<number[]>
  /** Sector numbers in the given state names. */
  sectorsListInStates(states: readonly string[], opts?: RpcCallOptions): Promise<number[]>
  /** One sector; `showOnChainInfo` fills `SealProof`, `Activation`, `Expiration`, …. */
  sectorsStatus(
    number: number,
    showOnChainInfo: boolean,
    opts?: RpcCallOptions,
  ): Promise<LotusMinerSectorInfo>
  /** The storage index: storage id → the sector files it holds. */
  storageList(opts?: RpcCallOptions): Promise<Record<string, LotusStorageDecl[]>>
  /** Storage paths local to the miner node: storage id → path. */
  storageLocal(opts?: RpcCallOptions): Promise<Record<string, string>>
  storageInfo(id: string, opts?: RpcCallOptions): Promise<LotusStorageInfo>
}

function shaped<T>(v: unknown, method: string, ok: (v: unknown) => boolean): T {
  if (!ok(v)) {
    throw new VenusError('RPC_TRANSPORT', `Filecoin.${method} answered a value of the wrong shape`, {
      details: { method },
    })
  }
  return v as T
}

const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v)
const isNumbers = (v: unknown) => Array.isArray(v) && v.every((n) => Number.isSafeInteger(n) && n >= 0)

/**
 * A client of a lotus-miner's API. Pass a transport (`httpTransport(url, { token })`,
 * `wsTransport`) or an `RpcClient`.
 *
 * @example
 * ```ts
 * const { httpUrl, token } = parseApiInfo(process.env.MINER_API_INFO!)
 * const miner = createLotusMinerClient(httpTransport(httpUrl, { token }))
 * const numbers = await miner.sectorsList()
 * const info = await miner.sectorsStatus(numbers[0]!, true)
 * console.log(info.State, info.CommR?.['/'])
 * ```
 */
export function createLotusMinerClient(
  transport: RpcTransport | RpcClient,
  options: RpcClientOptions = {},
): LotusMinerClient {
  const rpc =
    'subscribe' in transport && 'transport' in transport
      ? (transport as RpcClient)
      : createRpcClient(transport as RpcTransport, options)
  const call = (method: string, params: unknown[] | null, opts?: RpcCallOptions) =>
    rpc.call<unknown>(`Filecoin.${method}`, params ?? [], opts)
  return {
    rpc,
    close: () => rpc.close(),
    actorAddress: async (o) =>
      shaped<string>(await call('ActorAddress', [], o), 'ActorAddress', (v) => typeof v === 'string'),
    actorSectorSize: async (m, o) =>
      shaped<number>(await call('ActorSectorSize', [m], o), 'ActorSectorSize', (v) =>
        Number.isSafeInteger(v),
      ),
    sectorsList: async (o) =>
      shaped<number[]>((await call('SectorsList', [], o)) ?? [], 'SectorsList', isNumbers),
    sectorsListInStates: async (states, o) =>
      shaped<number[]>(
        (await call('SectorsListInStates', [states], o)) ?? [],
        'SectorsListInStates',
        isNumbers,
      ),
    sectorsStatus: async (n, show, o) =>
      shaped<LotusMinerSectorInfo>(
        await call('SectorsStatus', [n, show], o),
        'SectorsStatus',
        (v) => isObject(v) && typeof (v as { State?: unknown }).State === 'string',
      ),
    storageList: async (o) =>
      shaped<Record<string, LotusStorageDecl[]>>(
        (await call('StorageList', [], o)) ?? {},
        'StorageList',
        (v) => isObject(v) && Object.values(v as object).every((x) => x === null || Array.isArray(x)),
      ),
    storageLocal: async (o) =>
      shaped<Record<string, string>>(
        (await call('StorageLocal', [], o)) ?? {},
        'StorageLocal',
        (v) => isObject(v) && Object.values(v as object).every((x) => typeof x === 'string'),
      ),
    storageInfo: async (id, o) =>
      shaped<LotusStorageInfo>(await call('StorageInfo', [id], o), 'StorageInfo', isObject),
  }
}
