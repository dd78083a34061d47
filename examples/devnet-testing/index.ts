/**
 * User code tested against the devnet: two small functions a storage provider's tooling might
 * have — how a sector stands on chain, and topping up a miner's balance — written against
 * core's chain client only, so they run unchanged against Lotus. `devnet-testing.test.ts` tests
 * them on an in-process devnet with mock proofs, driving time with the devnet's test client.
 *
 * Run the tests: `npx vitest run examples/devnet-testing`; run the program:
 * `npm run build && npx tsx examples/devnet-testing/index.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  type ChainClient,
  createChainClient,
  type LotusPartition,
  mockProofs,
  runsToNumbers,
} from '@venus-cluster/core'
import { createDevnet, devnetParamsShortPeriod, devnetTransport } from '@venus-cluster/devnet'
import { createTestClient, injectSectors, sealTestSectors } from '@venus-cluster/devnet/testing'

/** Where a sector stands in its partition. */
export type SectorState = 'active' | 'faulty' | 'recovering' | 'unproven' | 'terminated'

/** What {@link sectorHealth} reports. */
export type SectorHealth =
  | { sector: number; state: SectorState; deadline: number; partition: number }
  | { sector: number; state: 'unknown' }

/** The state of `sector` in partition `p` (recovering before faulty: a recovering sector is faulty). */
function stateIn(p: LotusPartition, sector: number): SectorState {
  const has = (runs: LotusPartition['AllSectors']) => runsToNumbers(runs).includes(sector)
  if (has(p.RecoveringSectors)) return 'recovering'
  if (has(p.FaultySectors)) return 'faulty'
  if (has(p.ActiveSectors)) return 'active'
  if (has(p.LiveSectors)) return 'unproven'
  return 'terminated'
}

/**
 * How `sector` of `miner` stands on chain now: its deadline, partition and state, or `unknown`
 * when the chain has no such sector.
 */
export async function sectorHealth(
  chain: Pick<ChainClient, 'stateSectorGetInfo' | 'stateSectorPartition' | 'stateMinerPartitions'>,
  miner: string,
  sector: number,
): Promise<SectorHealth> {
  // StateSectorPartition fails for a sector the miner does not have ("not due at any deadline").
  if ((await chain.stateSectorGetInfo(miner, sector)) === null) return { sector, state: 'unknown' }
  const loc = await chain.stateSectorPartition(miner, sector)
  if (loc === null) return { sector, state: 'unknown' }
  const partitions = await chain.stateMinerPartitions(miner, loc.Deadline)
  const p = partitions[loc.Partition]
  if (p === undefined) return { sector, state: 'unknown' }
  return { sector, state: stateIn(p, sector), deadline: loc.Deadline, partition: loc.Partition }
}

/**
 * Sends `amount` attoFIL from `from` to `miner` (method 0, the node fills nonce and gas);
 * returns the message CID.
 */
export async function topUpMiner(
  chain: Pick<ChainClient, 'mpoolPushMessage'>,
  opts: { from: string; miner: string; amount: bigint },
): Promise<string> {
  if (opts.amount <= 0n) throw new RangeError(`topUpMiner: amount must be positive, got ${opts.amount}`)
  const signed = await chain.mpoolPushMessage(
    {
      Version: 0,
      To: opts.miner,
      From: opts.from,
      Nonce: 0,
      Value: opts.amount.toString(),
      GasLimit: 0,
      GasFeeCap: '0',
      GasPremium: '0',
      Method: 0,
      Params: null,
    },
    null,
  )
  const cid = signed.CID?.['/']
  if (cid === undefined) throw new Error('MpoolPushMessage returned no CID')
  return cid
}

/** The program: one miner with two sectors that nobody proves, watched until one turns faulty. */
async function main(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'venus-devnet-testing-'))
  const proofs = mockProofs()
  const devnet = createDevnet({ seed: 'devnet-testing-example', proofs, params: devnetParamsShortPeriod(6) })
  try {
    const chain = createChainClient(devnetTransport(devnet))
    const test = createTestClient(devnet)
    const { miner, minerId } = await test.createMiner()
    injectSectors(devnet, miner, await sealTestSectors(proofs, dir, minerId, [1, 2]))
    const before = await sectorHealth(chain, miner, 1)
    if (!('deadline' in before)) throw new Error('sector 1 is not on chain')
    await test.advanceToDeadline(miner, before.deadline, { at: 'close' })
    const after = await sectorHealth(chain, miner, 1)
    return `sector 1 of ${miner}: ${before.state}, then ${after.state} after its deadline passed without a proof`
  } finally {
    await devnet.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await main())
}
