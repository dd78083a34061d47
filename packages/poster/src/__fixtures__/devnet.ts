import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type ChainClient,
  createChainClient,
  createMessagerClient,
  mockProofs,
  type ProofsBackend,
} from '@venus-cluster/core'
import {
  createDevnet,
  type Devnet,
  devnetParamsShortPeriod,
  devnetTransport,
  encodeParams,
} from '@venus-cluster/devnet'
import { sealTestSectors } from '@venus-cluster/devnet/testing'
import type { WindowPoStConfig } from '../config.js'
import { onAnyWindowPoStEvent, type WindowPoStEvent } from '../events.js'
import { dirLocator } from '../locator.js'
import { messagerPoSt } from '../messager-sender.js'
import type { PoStSender } from '../messages.js'
import type { DeadlineLeases } from '../window/leases.js'
import type { WindowPoStComputer } from '../window/prover.js'
import { WindowPoStScheduler } from '../window/scheduler.js'

/** Seals 2KiB CC sectors (AddPiece, PC1, PC2) with `proofs` into `<root>/sealed|cache`. */
export const sealSectors = sealTestSectors

export interface Harness {
  devnet: Devnet
  chain: ChainClient
  /** The backend that sealed the sectors and verifies proofs on the devnet. */
  proofs: ProofsBackend
  root: string
  miners: {
    miner: string
    minerId: number
    /** Owner and worker of the miner. */
    owner: string
    scheduler: WindowPoStScheduler
    events: WindowPoStEvent[]
  }[]
  /** Mines `n` epochs one by one, letting every scheduler handle each head. */
  step(n: number): Promise<void>
  close(): Promise<void>
}

/** A short-period devnet (window 6 epochs) with miners holding sealed sectors (mock by default). */
export async function provingHarness(opts: {
  seed: string
  miners: number
  sectors: number
  config?: Partial<WindowPoStConfig>
  challengeWindow?: number
  /** The backend that seals, proves and verifies (default: mockProofs()). */
  proofs?: ProofsBackend
  /** Wraps the backend the schedulers use (the devnet keeps the plain one). */
  wrapProofs?: (p: ProofsBackend) => ProofsBackend
  send?: (chain: ChainClient) => PoStSender
  /** Send and follow PoSt messages through the devnet's messager (`Message.*`), not the mpool. */
  viaMessager?: boolean
  leases?: DeadlineLeases
  compute?: WindowPoStComputer
  /**
   * Accounts funded with these balances become each miner's control addresses and its PoSt
   * senders (`config.senders`), in this order.
   */
  senderBalances?: readonly bigint[]
}): Promise<Harness> {
  const proofs = opts.proofs ?? mockProofs()
  const devnet = createDevnet({
    seed: opts.seed,
    proofs,
    params: devnetParamsShortPeriod(opts.challengeWindow ?? 6),
  })
  const root = await mkdtemp(join(tmpdir(), 'venus-poster-'))
  const chain = createChainClient(devnetTransport(devnet))
  const miners: Harness['miners'] = []
  for (let i = 0; i < opts.miners; i++) {
    const who = await devnet.createTestMiner({ windowPoStProofType: 10 })
    const numbers = Array.from({ length: opts.sectors }, (_, k) => k + 1)
    const sealed = await sealSectors(proofs, root, who.minerId, numbers)
    devnet.injectSectors(
      who.miner,
      sealed.map((s) => ({ sectorNumber: s.sectorNumber, sealedCid: s.sealedCid })),
    )
    // Available balance pays fault fees and declaration gas.
    await devnet.faucet(who.miner, 100n * 10n ** 18n)
    let senders: string[] | undefined
    if (opts.senderBalances !== undefined) {
      const accounts = opts.senderBalances.map(() => devnet.newAccount('bls'))
      for (const [k, a] of accounts.entries()) await devnet.faucet(a, opts.senderBalances[k] ?? 0n)
      await devnet.mine(1)
      senders = accounts.map((a) => devnet.idAddress(devnet.resolve(a) as number))
      await devnet.pushMessage({
        To: who.miner,
        From: who.owner,
        Method: 3,
        Params: Buffer.from(
          encodeParams.changeWorkerAddress({ newWorker: who.owner, newControlAddresses: senders }),
        ).toString('base64'),
      })
      await devnet.mine(1)
    }
    const events: WindowPoStEvent[] = []
    const scheduler = new WindowPoStScheduler({
      miner: who.miner,
      chain,
      proofs: opts.wrapProofs ? opts.wrapProofs(proofs) : proofs,
      locate: dirLocator(root),
      ...(opts.viaMessager ? messagerPoSt(createMessagerClient(devnetTransport(devnet))) : {}),
      ...(opts.send ? { send: opts.send(chain) } : {}),
      ...(opts.leases ? { leases: opts.leases } : {}),
      ...(opts.compute ? { compute: opts.compute } : {}),
      config: {
        challengeConfidence: 1,
        submitConfidence: 1,
        retryDelayMs: 0,
        ...opts.config,
        ...(senders === undefined ? {} : { senders }),
      },
    })
    onAnyWindowPoStEvent(scheduler.events, (e) => {
      if (e.type !== 'head') events.push(e)
    })
    miners.push({ miner: who.miner, minerId: who.minerId, owner: who.owner, scheduler, events })
  }
  await devnet.mine(1)
  for (const m of miners) await m.scheduler.start()
  const head = devnet.head().height
  await Promise.all(miners.map((m) => m.scheduler.settled(head)))
  return {
    devnet,
    chain,
    proofs,
    root,
    miners,
    async step(n) {
      for (let i = 0; i < n; i++) {
        const ts = await devnet.mine(1)
        await Promise.all(miners.map((m) => m.scheduler.settled(ts.height)))
      }
    },
    async close() {
      await Promise.all(miners.map((m) => m.scheduler.stop()))
      await devnet.stop()
      await rm(root, { recursive: true, force: true })
    },
  }
}

/** Mines until the head is at `height` (settling each epoch). */
export async function mineTo(hs: Harness, height: number): Promise<void> {
  const n = height - hs.devnet.head().height
  if (n > 0) await hs.step(n)
}

/** Open epoch of the next occurrence of deadline `index` whose challenge is still ahead. */
export async function nextOpenOf(hs: Harness, miner: string, index: number): Promise<number> {
  const di = await hs.chain.stateMinerProvingDeadline(miner)
  let open = di.PeriodStart + index * di.WPoStChallengeWindow
  while (open - di.WPoStChallengeLookback <= di.CurrentEpoch + 1) open += di.WPoStProvingPeriod
  return open
}
