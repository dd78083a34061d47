/**
 * A fake lotus-miner for import tests: the lotus-miner API calls an importer makes
 * (`ActorAddress`, `ActorSectorSize`, `SectorsList`, `SectorsStatus`, `StorageList`,
 * `StorageLocal`, `StorageInfo`), served over JSON-RPC on loopback with lotus's permissions
 * (read for sectors, admin for storage), from sector and storage tables the test gives.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  LOTUS_STORAGE_META_FILE,
  type LotusLocalStorageMeta,
  type LotusMinerSectorInfo,
  type LotusStorageInfo,
  type RpcPermission,
  VenusError,
} from '@venus-cluster/core'
import { createRpcServer } from '@venus-cluster/core/rpc'

/** A storage path of the fake miner: its id, where it is mounted (absent: on another node), its files. */
export interface FakeLotusStorage {
  id: string
  /** Local path (what `StorageLocal` reports); absent for a path of another node. */
  path?: string | undefined
  urls?: string[] | undefined
  canSeal?: boolean | undefined
  canStore?: boolean | undefined
  /** The sector files it holds: number and `SectorFileType` bits. */
  sectors: { number: number; types: number }[]
}

/** Options of {@link serveFakeLotusMiner}. */
export interface FakeLotusMinerOptions {
  /** Miner actor id. */
  minerId: number
  /** `t` (default) or `f`. */
  prefix?: 't' | 'f' | undefined
  sectorSize: number
  sectors: readonly LotusMinerSectorInfo[]
  storage: readonly FakeLotusStorage[]
  /** Token with admin permission (default `admin-token`). */
  adminToken?: string | undefined
  /** Token with read permission only (default `read-token`). */
  readToken?: string | undefined
}

/** A running fake lotus-miner. */
export interface FakeLotusMiner {
  /** `http://127.0.0.1:<port>/rpc/v0`. */
  url: string
  /** `/ip4/127.0.0.1/tcp/<port>/http`. */
  multiaddr: string
  adminToken: string
  readToken: string
  /** Methods called, in order. */
  calls: string[]
  close(): Promise<void>
}

const ADMIN_METHODS = new Set(['Filecoin.StorageList', 'Filecoin.StorageLocal', 'Filecoin.StorageInfo'])

/**
 * Serves a fake lotus-miner on 127.0.0.1 (a free port).
 *
 * @example
 * ```ts
 * const lotus = await serveFakeLotusMiner({ minerId: 1000, sectorSize: 2048, sectors, storage })
 * // … import from lotus.url with lotus.adminToken …
 * await lotus.close()
 * ```
 */
export async function serveFakeLotusMiner(opts: FakeLotusMinerOptions): Promise<FakeLotusMiner> {
  const adminToken = opts.adminToken ?? 'admin-token'
  const readToken = opts.readToken ?? 'read-token'
  const maddr = `${opts.prefix ?? 't'}0${opts.minerId}`
  const byNumber = new Map(opts.sectors.map((s) => [s.SectorID, s]))
  const calls: string[] = []
  const notFound = (what: string) => new VenusError('NOT_FOUND', what)
  const info = (s: FakeLotusStorage): LotusStorageInfo => ({
    ID: s.id,
    URLs: s.urls ?? [],
    Weight: 10,
    MaxStorage: 0,
    CanSeal: s.canSeal ?? false,
    CanStore: s.canStore ?? true,
    Groups: [],
    AllowTo: [],
    AllowTypes: [],
    DenyTypes: [],
    AllowMiners: [],
    DenyMiners: [],
  })
  const methods = {
    'Filecoin.ActorAddress': () => maddr,
    'Filecoin.ActorSectorSize': (p: unknown[]) => {
      if (p[0] !== maddr) throw notFound(`actor ${String(p[0])} not found`)
      return opts.sectorSize
    },
    'Filecoin.SectorsList': () => [...byNumber.keys()],
    'Filecoin.SectorsStatus': (p: unknown[]) => {
      const s = byNumber.get(Number(p[0]))
      if (s === undefined) throw notFound(`getting sector info: sector ${String(p[0])} not found`)
      if (p[1] === true) return s
      // Without on-chain info lotus leaves those fields zero.
      return { ...s, Activation: 0, Expiration: 0, OnTime: 0, Early: 0, InitialPledge: '0' }
    },
    'Filecoin.StorageList': () =>
      Object.fromEntries(
        opts.storage.map((s) => [
          s.id,
          s.sectors.map((x) => ({ Miner: opts.minerId, Number: x.number, SectorFileType: x.types })),
        ]),
      ),
    'Filecoin.StorageLocal': () =>
      Object.fromEntries(opts.storage.filter((s) => s.path !== undefined).map((s) => [s.id, s.path])),
    'Filecoin.StorageInfo': (p: unknown[]) => {
      const s = opts.storage.find((x) => x.id === p[0])
      if (s === undefined) throw notFound(`storage ${String(p[0])} not found`)
      return info(s)
    },
  }
  const traced = Object.fromEntries(
    Object.entries(methods).map(([name, fn]) => [
      name,
      (params: unknown[]) => {
        calls.push(name)
        return fn(params)
      },
    ]),
  )
  const server = createRpcServer({
    methods: traced,
    authorize: (token) => {
      if (token === adminToken) return ['read', 'write', 'sign', 'admin'] as RpcPermission[]
      if (token === readToken) return ['read'] as RpcPermission[]
      throw new VenusError('UNAUTHENTICATED', 'unknown token')
    },
    permissions: (m) => (ADMIN_METHODS.has(m) ? 'admin' : 'read'),
  })
  const { url, port } = await server.listen({ host: '127.0.0.1', port: 0 })
  return {
    url,
    multiaddr: `/ip4/127.0.0.1/tcp/${port}/http`,
    adminToken,
    readToken,
    calls,
    close: () => server.close(),
  }
}

/**
 * Writes a lotus storage path's `sectorstore.json` (and its `sealed/`, `cache/` directories).
 *
 * @example
 * ```ts
 * await writeLotusStorageMeta('/tmp/lotus-store', { ID: 'f1a0…', Weight: 10, CanSeal: false, CanStore: true })
 * ```
 */
export async function writeLotusStorageMeta(path: string, meta: LotusLocalStorageMeta): Promise<void> {
  for (const d of ['sealed', 'cache']) await mkdir(join(path, d), { recursive: true })
  await writeFile(join(path, LOTUS_STORAGE_META_FILE), `${JSON.stringify(meta, null, 2)}\n`)
}

/**
 * A `SectorsStatus` answer as lotus gives it for a CC sector, filled from a few facts.
 *
 * @example
 * ```ts
 * lotusSectorInfo({ number: 7, state: 'Proving', commR: 'bagboea4b5abc…', expiration: 600000 })
 * ```
 */
export function lotusSectorInfo(s: {
  number: number
  state: string
  commR?: string | undefined
  commD?: string | undefined
  sealProof?: number | undefined
  ticketEpoch?: number | undefined
  seedEpoch?: number | undefined
  /** Proof bytes (default 192 bytes of the number). */
  proof?: Uint8Array | null | undefined
  activation?: number | undefined
  expiration?: number | undefined
}): LotusMinerSectorInfo {
  const b64 = (fill: number, n = 32) => Buffer.alloc(n, fill).toString('base64')
  const proof = s.proof === undefined ? new Uint8Array(192).fill(s.number % 256) : s.proof
  return {
    SectorID: s.number,
    State: s.state,
    CommD: s.commD === undefined ? null : { '/': s.commD },
    CommR: s.commR === undefined ? null : { '/': s.commR },
    Proof: proof === null ? null : Buffer.from(proof).toString('base64'),
    Deals: [],
    Pieces: [],
    Ticket: { Value: s.ticketEpoch === undefined ? null : b64(1), Epoch: s.ticketEpoch ?? 0 },
    Seed: { Value: s.seedEpoch === undefined ? null : b64(2), Epoch: s.seedEpoch ?? 0 },
    PreCommitMsg: null,
    CommitMsg: null,
    Retries: 0,
    ToUpgrade: false,
    ReplicaUpdateMessage: null,
    LastErr: '',
    Log: [],
    SealProof: s.sealProof ?? 5,
    Activation: s.activation ?? 0,
    Expiration: s.expiration ?? 0,
    DealWeight: '0',
    VerifiedDealWeight: '0',
    InitialPledge: '0',
    OnTime: s.expiration ?? 0,
    Early: 0,
  }
}
