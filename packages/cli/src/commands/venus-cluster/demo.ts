/**
 * `venus-cluster demo`: runs what exists today end to end on a scratch home, and says plainly
 * that the full demo cluster (devnet + manager + worker sealing real sectors) is still to come.
 * Later work replaces the body of {@link runDemo}; the command stays.
 */
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  commitmentToCid,
  commP,
  defaultWorkerConfigText,
  loadManagerConfig,
  loadWorkerConfig,
  prepareFileStore,
  prepareSealingStore,
} from '@venus-cluster/core'
import type { Command } from 'commander'
import { expandHome } from '../../home.js'
import { report } from '../../output.js'
import { initSectorManagerHome } from '../venus-sector-manager/daemon.js'

/** A deterministic pseudo-random piece: SHA-256 in counter mode. */
function demoPiece(size: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let off = 0, i = 0; off < size; off += 32, i++) {
    out.set(
      createHash('sha256')
        .update(`venus-cluster demo piece ${i}`)
        .digest()
        .subarray(0, size - off),
      off,
    )
  }
  return out
}

/** What the demo did. */
export interface DemoResult {
  home: string
  managerConfig: string
  workerConfig: string
  sealingStores: string[]
  persistStore: string
  piece: { payloadSize: number; paddedSize: number; commP: string; pieceCid: string }
}

/**
 * Runs the demo in `home` (created if missing).
 *
 * @example
 * ```ts
 * const r = await runDemo('/tmp/vc-demo')
 * ```
 */
export async function runDemo(home: string): Promise<DemoResult> {
  const smgrHome = join(home, 'sector-manager')
  const init = await initSectorManagerHome(smgrHome, { force: true })
  await loadManagerConfig(init.config)
  const workerDir = join(home, 'worker')
  await mkdir(workerDir, { recursive: true })
  const workerConfig = join(workerDir, 'venus-worker.toml')
  await writeFile(workerConfig, defaultWorkerConfigText())
  await loadWorkerConfig(workerConfig)
  const sealingStores: string[] = []
  for (const name of ['store1', 'store2'])
    sealingStores.push((await prepareSealingStore(join(home, name))).location)
  const persistStore = (await prepareFileStore(join(home, 'persist'))).location
  // 2032 bytes: the unpadded size of a 2 KiB sector's single piece.
  const piece = await commP(demoPiece(2032))
  return {
    home,
    managerConfig: init.config,
    workerConfig,
    sealingStores,
    persistStore,
    piece: {
      payloadSize: piece.payloadSize,
      paddedSize: piece.paddedSize,
      commP: Buffer.from(piece.commP).toString('hex'),
      pieceCid: commitmentToCid(piece.commP, 'commP').toString(),
    },
  }
}

/** Adds `demo` to the `venus-cluster` program. */
export function registerDemoCommand(program: Command): Command {
  return program
    .command('demo')
    .description('run the parts of venus-cluster that exist today on a scratch home')
    .option('--home <dir>', 'scratch directory to use (default: a new temporary directory)')
    .action(async (opts: { home?: string }, cmd: Command) => {
      const home =
        opts.home !== undefined ? expandHome(opts.home) : await mkdtemp(join(tmpdir(), 'venus-cluster-demo-'))
      const r = await runDemo(home)
      report(cmd, { ...r, fullDemo: 'coming' }, [
        `scratch home:        ${r.home}`,
        `manager config:      ${r.managerConfig} (default, loads)`,
        `worker config:       ${r.workerConfig} (default, loads)`,
        `sealing stores:      ${r.sealingStores.join(', ')}`,
        `persist store:       ${r.persistStore}`,
        `piece CommP:         ${r.piece.commP} (${r.piece.payloadSize} bytes, padded ${r.piece.paddedSize})`,
        `piece CID:           ${r.piece.pieceCid}`,
        '',
        'This is what runs today. The full demo cluster (a devnet chain, the sector manager and a',
        'worker sealing and proving sectors end to end) is coming; this command will run it then.',
      ])
    })
}
