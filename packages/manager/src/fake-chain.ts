/**
 * An in-memory chain + messager for manager tests and benchmarks: epochs advance on demand,
 * pushed messages land in the next epoch and their commit params take effect (precommits
 * recorded, proven sectors activated), randomness is a hash of (DST, epoch, entropy).
 */
import { createHash } from 'node:crypto'
import {
  decodePreCommitSectorBatch2,
  decodeProveCommitSectors3,
  MinerMethod,
  NETWORK_PARAMS,
  VenusError,
} from '@venus-cluster/core'
import type {
  ManagerChain,
  ManagerMessage,
  ManagerMessager,
  ManagerMessageStatus,
  ManagerNetworkParams,
  ManagerSendSpec,
  OnChainPreCommit,
  OnChainSector,
  RandomnessRequest,
} from './chain.js'

/** Options of {@link createFakeChain}. */
export interface FakeChainOptions {
  /** Miner actor id → sector size. */
  miners: Record<number, number>
  height?: number
  params?: Partial<ManagerNetworkParams>
}

/** A message as the fake chain saw it. */
export interface FakeChainMessage {
  uid: string
  msg: ManagerMessage
  spec: ManagerSendSpec
  includedAt: number | null
  exitCode: number
  sectors: number[]
  aggregated: boolean
}

/** The fake chain: both interfaces plus test controls. */
export interface FakeChain extends ManagerChain, ManagerMessager {
  readonly messages: FakeChainMessage[]
  /** Advances `n` epochs, landing pending messages in the first one. */
  advance(n?: number): void
  /** Marks a number allocated (as if another party used it). */
  allocate(miner: number, number: number): void
  /** Makes the next chain calls fail (simulated node outage) until cleared. */
  failing: boolean
}

const DEFAULT_PARAMS: ManagerNetworkParams = { ...NETWORK_PARAMS['2k'], name: '2k' }

/**
 * Creates a fake chain at `height` (default 1000).
 *
 * @example
 * ```ts
 * const chain = createFakeChain({ miners: { 1000: 2048 } })
 * chain.advance(20)
 * ```
 */
export function createFakeChain(opts: FakeChainOptions): FakeChain {
  let height = opts.height ?? 1000
  const params = { ...DEFAULT_PARAMS, ...opts.params }
  const allocated = new Set<string>()
  const preCommits = new Map<string, OnChainPreCommit>()
  const sectors = new Map<string, OnChainSector>()
  const byUid = new Map<string, FakeChainMessage>()
  const messages: FakeChainMessage[] = []
  const key = (m: number, n: number) => `${m}/${n}`
  const minerOf = (to: string) => Number(to.slice(2))
  const DEPOSIT = 1000n
  const PLEDGE = 5000n

  // What an HTTP transport reports for a node that is down: a transient failure.
  const guard = () => {
    if (chain.failing)
      throw new VenusError('RPC_TRANSPORT', 'fake chain: node unavailable', { details: { fake: true } })
  }
  const rand = (req: RandomnessRequest) => {
    const h = createHash('sha256')
    h.update(Uint8Array.of(req.dst))
    h.update(String(req.epoch))
    h.update(req.entropy)
    return new Uint8Array(h.digest())
  }

  const apply = (fm: FakeChainMessage) => {
    const miner = minerOf(fm.msg.to)
    if (fm.msg.method === MinerMethod.PreCommitSectorBatch2) {
      const infos = decodePreCommitSectorBatch2(fm.msg.params).sectors
      fm.sectors = infos.map((i) => i.sectorNumber)
      if (infos.some((i) => allocated.has(key(miner, i.sectorNumber)))) {
        fm.exitCode = 16
        return
      }
      for (const i of infos) {
        allocated.add(key(miner, i.sectorNumber))
        preCommits.set(key(miner, i.sectorNumber), {
          preCommitEpoch: height,
          sealRandEpoch: i.sealRandEpoch,
          sealedCid: i.sealedCid.toString(),
          dealIds: i.dealIds,
          expiration: i.expiration,
          preCommitDeposit: DEPOSIT,
        })
      }
    } else if (fm.msg.method === MinerMethod.ProveCommitSectors3) {
      const p = decodeProveCommitSectors3(fm.msg.params)
      const numbers = p.activations.map((a) => a.sectorNumber)
      fm.sectors = numbers
      fm.aggregated = p.aggregateProof.length > 0
      for (const n of numbers) {
        const pc = preCommits.get(key(miner, n))
        if (!pc || height <= pc.preCommitEpoch + params.preCommitChallengeDelay) continue
        preCommits.delete(key(miner, n))
        sectors.set(key(miner, n), {
          sectorNumber: n,
          sealProof: 5,
          sealedCid: pc.sealedCid,
          activation: height,
          expiration: pc.expiration,
          initialPledge: PLEDGE,
        })
      }
    } else fm.exitCode = 22
  }

  const chain: FakeChain = {
    failing: false,
    messages,
    advance(n = 1) {
      for (let i = 0; i < n; i++) {
        height++
        for (const fm of messages) {
          if (fm.includedAt === null) {
            fm.includedAt = height
            apply(fm)
          }
        }
      }
    },
    allocate(miner, number) {
      allocated.add(key(miner, number))
    },
    async head() {
      guard()
      return { height }
    },
    async networkParams() {
      guard()
      return params
    },
    async minerInfo(miner) {
      guard()
      const size = opts.miners[miner]
      if (size === undefined) throw new Error(`actor ${miner} not found`)
      return { sectorSize: size, windowPoStPartitionSectors: 2349 }
    },
    async isSectorAllocated(miner, number) {
      guard()
      return allocated.has(key(miner, number))
    },
    async randomnessFromTickets(req) {
      guard()
      if (req.epoch > height) throw new Error('randomness from the future')
      return rand(req)
    },
    async randomnessFromBeacon(req) {
      guard()
      if (req.epoch > height) throw new Error('randomness from the future')
      return rand({ ...req, dst: req.dst + 100 })
    },
    async preCommitInfo(miner, number) {
      guard()
      return preCommits.get(key(miner, number)) ?? null
    },
    async sectorInfo(miner, number) {
      guard()
      return sectors.get(key(miner, number)) ?? null
    },
    async preCommitDeposit() {
      guard()
      return DEPOSIT
    },
    async initialPledge() {
      guard()
      return PLEDGE
    },
    async hasMessageByUid(uid) {
      guard()
      return byUid.has(uid)
    },
    async pushMessageWithId(uid, msg, spec) {
      guard()
      if (!byUid.has(uid)) {
        const fm: FakeChainMessage = {
          uid,
          msg,
          spec,
          includedAt: null,
          exitCode: 0,
          sectors: [],
          aggregated: false,
        }
        byUid.set(uid, fm)
        messages.push(fm)
      }
      return uid
    },
    async getMessageByUid(uid): Promise<ManagerMessageStatus> {
      guard()
      const fm = byUid.get(uid)
      if (!fm) return { state: 'unknown', confidence: 0 }
      if (fm.includedAt === null) return { state: 'pending', confidence: 0 }
      return {
        state: 'onchain',
        confidence: height - fm.includedAt,
        receipt: { exitCode: fm.exitCode, return: new Uint8Array(0), gasUsed: 1_000_000 },
      }
    },
  }
  return chain
}
