/**
 * The mock sector manager behind `venus-sector-manager mock` and `venus-worker mock`: the real
 * manager on a simulated chain whose epochs advance on a timer, state in memory, no auth, proofs
 * not checked. Tickets, seeds, precommits and proofs go through the same code as against a real
 * chain, only with delays of a few epochs.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseSectorSize, VenusError } from '@venus-cluster/core'
import { createFakeChain, defaultMinerConfig, startManagerNode } from '@venus-cluster/manager'
import { parseActorId } from './args.js'

/** Options of {@link startMockManager}. */
export interface MockManagerOptions {
  /** Miner actor id the workers seal for. */
  actor: number
  /** Its sector size in bytes. */
  sectorSize: number
  /** Listen address (`:1789`, `127.0.0.1:0`). */
  listen: string
  /** Persist stores the workers attach: SubmitPersisted checks their files. */
  persistStores: { name: string; path: string; readOnly: boolean }[]
  /** Milliseconds per simulated epoch. */
  blockMs: number
}

/** A running mock manager. */
export interface MockManager {
  /** `http://host:port/rpc/v0`. */
  url: string
  stop(): Promise<void>
}

/**
 * Starts a mock manager.
 *
 * @example
 * ```ts
 * const m = await startMockManager({ actor: 10000, sectorSize: 2048, listen: ':1789', persistStores: [], blockMs: 1000 })
 * await m.stop()
 * ```
 */
export async function startMockManager(opts: MockManagerOptions): Promise<MockManager> {
  // Short delays so a sector goes from ticket to proof in seconds, not hours.
  const chain = createFakeChain({
    miners: { [opts.actor]: opts.sectorSize },
    params: { name: 'mock', preCommitChallengeDelay: 2, interactivePoRepConfidence: 1 },
  })
  const miner = defaultMinerConfig(opts.actor, `t0${opts.actor}`)
  miner.commitment.confidence = 1
  const home = mkdtempSync(join(tmpdir(), 'vsm-mock-'))
  const d = await startManagerNode({
    home,
    db: ':memory:',
    listen: opts.listen,
    auth: 'off',
    config: { miners: [miner], persistStores: opts.persistStores },
    chain,
    messager: chain,
    tickMs: opts.blockMs,
  }).catch((err: unknown) => {
    rmSync(home, { recursive: true, force: true })
    throw err
  })
  const timer = setInterval(() => chain.advance(1), opts.blockMs)
  return {
    url: d.url,
    async stop() {
      clearInterval(timer)
      await d.stop()
      rmSync(home, { recursive: true, force: true })
    },
  }
}

/**
 * The `--miner` and `--sector-size` of a mock command, checked, with errors naming the flag.
 *
 * @example
 * ```ts
 * mockTarget('t010000', '2KiB') // { actor: 10000, sectorSize: 2048 }
 * ```
 */
export function mockTarget(miner: string, sectorSize: string): { actor: number; sectorSize: number } {
  const actor = parseActorId(miner)
  if (actor === undefined)
    throw new VenusError(
      'CLI_USAGE',
      `--miner must be a miner actor id like 10000, got ${JSON.stringify(miner)}`,
    )
  try {
    return { actor, sectorSize: parseSectorSize(sectorSize) }
  } catch (err) {
    throw new VenusError('CLI_USAGE', `--sector-size: ${(err as Error).message}`, { cause: err })
  }
}
