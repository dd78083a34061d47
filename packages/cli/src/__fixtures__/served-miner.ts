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

/**
 * `sector-manager.cfg` in the seed's layout for one miner: chain and messager at `api` (a
 * multiaddr, or an `http://…/rpc/v1` URL whose messager is the `/rpc/v0` path), optional persist
 * store, and `extra` lines appended as they are.
 */
export function seedManagerCfg(o: {
  minerId: number
  api: string
  token?: string
  store?: string
  /** Writes `[Commitment.Miners.<id>.Controls]` with this precommit and provecommit sender. */
  sender?: string
  extra?: string[]
}): string {
  const messager = o.api.startsWith('http') ? o.api.replace('/rpc/v1', '/rpc/v0') : o.api
  return [
    '[SectorManager]',
    '[[SectorManager.Miners]]',
    `ID = ${o.minerId}`,
    '[Chain]',
    `Api = "${o.api}"`,
    `Token = "${o.token ?? ''}"`,
    '[Messager]',
    `Api = "${messager}"`,
    `Token = "${o.token ?? ''}"`,
    ...(o.sender === undefined
      ? []
      : [
          `[Commitment.Miners.${o.minerId}.Controls]`,
          `PreCommit = "${o.sender}"`,
          `ProveCommit = "${o.sender}"`,
        ]),
    ...(o.store === undefined
      ? []
      : ['[PersistedStore]', '[[PersistedStore.Stores]]', 'Name = "ps1"', `Path = "${o.store}"`]),
    ...(o.extra ?? []),
    '',
  ].join('\n')
}

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
    seedManagerCfg({ minerId: who.minerId, api: served.multiaddr, token: served.adminToken }),
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
