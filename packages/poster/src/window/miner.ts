/** What the scheduler reads about its miner: who it is at start, its sectors, their checks. */
import {
  type ChainClient,
  cidToCommitment,
  type LotusSectorOnChainInfo,
  type LotusTipSet,
  numbersToRuns,
  type ProofsBackend,
  proverId,
  randomnessEntropy,
} from '@venus-cluster/core'
import { checkSectors } from '../check.js'
import type { WindowPoStConfig } from '../config.js'
import type { SectorLocator } from '../locator.js'
import { cidString } from '../util.js'
import type { MinerIdentity } from './types.js'

/** Reads the miner's id, proof type and worker; fails when the chain does not know the miner. */
export async function readMinerIdentity(
  chain: Pick<ChainClient, 'stateMinerInfo' | 'stateLookupID'>,
  miner: string,
  sender: string | undefined,
  senders: readonly string[] = [],
): Promise<MinerIdentity> {
  const info = await chain.stateMinerInfo(miner)
  const id = await chain.stateLookupID(miner)
  const minerId = Number(id.slice(2))
  return {
    miner,
    minerId,
    proverId: proverId(minerId),
    entropy: randomnessEntropy(id),
    postProofType: info.WindowPoStProofType,
    sender: senders[0] ?? sender ?? info.Worker,
    senders: senders.length > 0 ? [...senders] : [sender ?? info.Worker],
  }
}

/** Sector infos of the given sector numbers at `ts`. */
export async function sectorInfos(
  chain: Pick<ChainClient, 'stateMinerSectors'>,
  miner: string,
  ts: LotusTipSet,
  numbers: number[],
): Promise<Map<number, LotusSectorOnChainInfo>> {
  const out = new Map<number, LotusSectorOnChainInfo>()
  if (numbers.length === 0) return out
  for (const s of await chain.stateMinerSectors(miner, numbersToRuns(numbers), ts.Cids)) {
    out.set(s.SectorNumber, s)
  }
  return out
}

/** Whether a sector was updated with data (SnapDeals): PoSt then proves its new replica. */
export function isUpdated(info: Pick<LotusSectorOnChainInfo, 'SectorKeyCID'>): boolean {
  return info.SectorKeyCID !== null && info.SectorKeyCID !== undefined
}

/** CommR of a sector as the chain holds it (the new replica's after an update). */
export function commROf(info: LotusSectorOnChainInfo): Uint8Array {
  return cidToCommitment(cidString(info.SealedCID), 'commR').commitment
}

/** What {@link checkChainSectors} needs. */
export interface SectorCheckComponents {
  locate: SectorLocator
  proofs: ProofsBackend
  config: WindowPoStConfig
  identity(): MinerIdentity
}

/** Checks on-chain sectors with the scheduler's settings; returns the bad ones with the reason. */
export function checkChainSectors(
  c: SectorCheckComponents,
  infos: LotusSectorOnChainInfo[],
  randomness: Uint8Array,
  signal: AbortSignal,
): Promise<Map<number, string>> {
  const { minerId, proverId } = c.identity()
  return checkSectors(
    infos.map((s) => ({
      sectorNumber: s.SectorNumber,
      sealProof: s.SealProof,
      commR: commROf(s),
      updated: isUpdated(s),
    })),
    {
      minerId,
      locate: c.locate,
      proofs: c.proofs,
      randomness,
      proverId,
      strict: c.config.strictCheck,
      parallel: c.config.parallelCheckLimit,
      singleTimeoutMs: c.config.singleCheckTimeoutMs,
      totalTimeoutMs: c.config.partitionCheckTimeoutMs,
      signal,
    },
  )
}
