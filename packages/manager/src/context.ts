/**
 * What the manager's services share: the store, the chain and messager views, the live config,
 * one logger, one clock, the per-sector lock and the chain facts read once (network parameters,
 * miners' sector sizes). `SectorManager` builds one and hands it to every service; a program that
 * uses one service alone builds one with {@link createServiceContext}.
 *
 * @packageDocumentation
 */
import {
  type Logger,
  type ManagerConfig,
  type ManagerConfigInit,
  type ManagerMinerConfig,
  type ManagerStoreConfig,
  managerConfig,
  type SectorId,
  sealProofFacts,
  silentLogger,
  VenusError,
} from '@venus-cluster/core'
import type { ManagerChain, ManagerMessager, ManagerNetworkParams } from './chain.js'
import { KeyedMutex } from './mutex.js'
import { type ManagedSector, sectorKey } from './sector.js'
import type { ManagerStore } from './store/types.js'

/** The sector size of a V1_1 seal proof id (5–9), else undefined (then the miner's is read). */
const sectorSizeOfProof = (proof: number): number | undefined =>
  proof >= 5 && proof <= 9 ? sealProofFacts(proof).sectorSize : undefined

/** Options of {@link createServiceContext}. */
export interface ServiceContextOptions {
  store: ManagerStore
  chain: ManagerChain
  messager: ManagerMessager
  /**
   * The configuration: a full one, the parts that differ from the defaults (see `managerConfig`),
   * or a function read at every use (a live config that a reload swaps).
   */
  config: ManagerConfig | ManagerConfigInit | (() => ManagerConfig)
  logger?: Logger | undefined
  /** Milliseconds clock (tests). */
  now?: (() => number) | undefined
  /**
   * Every persist store (default: the config's); the manager adds those attached through the
   * API (see `PersistStores`).
   */
  persistStores?: (() => readonly ManagerStoreConfig[]) | undefined
}

/** What every manager service is built over (see the module comment). */
export interface ServiceContext {
  readonly store: ManagerStore
  readonly chain: ManagerChain
  readonly messager: ManagerMessager
  readonly log: Logger
  /** The live configuration. */
  config(): ManagerConfig
  /** One miner's configuration, undefined when the config does not name it. */
  miner(actor: number): ManagerMinerConfig | undefined
  now(): number
  /** Serializes work on one sector: every read-modify-write of a record runs under its key. */
  readonly locks: KeyedMutex
  /** Network parameters, read once (a failed read is tried again next time). */
  networkParams(): Promise<ManagerNetworkParams>
  /** The sector size of a proof type, else the miner's (read once from the chain). */
  sectorSize(miner: number, proofType?: number): Promise<number>
  /** A sector's online record; `SECTOR_NOT_FOUND` when it has none (never allocated, or finished). */
  online(id: SectorId): Promise<ManagedSector>
  /** A persist store by instance name: the config's or one attached through the API. */
  persistStore(name: string): ManagerStoreConfig | undefined
}

/**
 * Builds the context a service runs in.
 *
 * @example
 * ```ts
 * const ctx = createServiceContext({ store, chain, messager, config: { miners: [{ actor: 1000 }] } })
 * const allocator = new SectorAllocator(ctx)
 * ```
 */
export function createServiceContext(opts: ServiceContextOptions): ServiceContext {
  const given = opts.config
  const config: () => ManagerConfig =
    typeof given === 'function'
      ? given
      : (() => {
          const c = managerConfig(given)
          return () => c
        })()
  let params: Promise<ManagerNetworkParams> | undefined
  const sizes = new Map<number, Promise<{ sectorSize: number }>>()
  const ctx: ServiceContext = {
    store: opts.store,
    chain: opts.chain,
    messager: opts.messager,
    log: opts.logger ?? silentLogger,
    config,
    miner: (actor) => config().miners.find((m) => m.actor === actor),
    now: opts.now ?? Date.now,
    locks: new KeyedMutex(),
    networkParams() {
      if (params === undefined) {
        params = opts.chain.networkParams()
        params.catch(() => {
          params = undefined
        })
      }
      return params
    },
    async sectorSize(miner, proofType) {
      const known = proofType === undefined ? undefined : sectorSizeOfProof(proofType)
      if (known !== undefined) return known
      let p = sizes.get(miner)
      if (p === undefined) {
        p = opts.chain.minerInfo(miner)
        sizes.set(miner, p)
        p.catch(() => sizes.delete(miner))
      }
      return (await p).sectorSize
    },
    persistStore(name) {
      const list = opts.persistStores?.() ?? config().persistStores
      return list.find((p) => p.name === name)
    },
    async online(id) {
      const got = await opts.store.getSector(id)
      if (got === undefined || !got.online) {
        throw new VenusError('SECTOR_NOT_FOUND', `sector state not found: ${sectorKey(id)}`, {
          details: { miner: id.miner, number: id.number, offline: got !== undefined },
        })
      }
      return got.state
    },
  }
  return ctx
}
