import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockProofs } from '@venus-cluster/core'
import {
  createDevnet,
  type Devnet,
  type DevnetParams,
  type ServedDevnet,
  serveDevnet,
} from '@venus-cluster/devnet'

/** A served devnet mining on its own, one miner, and a manager home whose config points at it. */
export interface ServedMiner {
  devnet: Devnet
  served: ServedDevnet
  home: string
  miner: string
  minerId: number
  owner: string
  close(): Promise<void>
}

/**
 * Starts a devnet (block time 40 ms, JWT auth, its own messager) with a funded miner and writes
 * `sector-manager.cfg` for it into a temporary home.
 */
export async function servedMiner(seed: string, params: Partial<DevnetParams> = {}): Promise<ServedMiner> {
  const devnet = createDevnet({ seed, proofs: mockProofs(), blockTimeMs: 40, params })
  await devnet.start()
  const served = await serveDevnet(devnet)
  const who = await devnet.createTestMiner({ windowPoStProofType: 10, funds: 100n * 10n ** 18n })
  const home = mkdtempSync(join(tmpdir(), `vsm-${seed}-`))
  writeFileSync(
    join(home, 'sector-manager.cfg'),
    [
      '[SectorManager]',
      '[[SectorManager.Miners]]',
      `ID = ${who.minerId}`,
      '[Chain]',
      `Api = "${served.multiaddr}"`,
      `Token = "${served.adminToken}"`,
      '[Messager]',
      `Api = "${served.multiaddr}"`,
      `Token = "${served.adminToken}"`,
      '',
    ].join('\n'),
  )
  return {
    devnet,
    served,
    home,
    miner: who.miner,
    minerId: who.minerId,
    owner: who.owner,
    async close() {
      await served.close()
      await devnet.stop()
      rmSync(home, { recursive: true, force: true })
    },
  }
}
