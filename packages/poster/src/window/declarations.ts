/**
 * Fault and recovery declarations: when proving of a deadline starts, the deadline two after it
 * (index + 2, still before its fault cutoff) gets `DeclareFaultsRecovered` for faulty sectors
 * whose files check good again and, with `declareFaults`, `DeclareFaults` for healthy sectors
 * that fail their check. Sent declarations are followed until buried by `confidence` epochs; one
 * that failed or vanished frees its target so that a later head declares again.
 */
import {
  type ChainClient,
  encodeDeclareFaults,
  encodeDeclareFaultsRecovered,
  type LotusDeadlineInfo,
  type LotusTipSet,
  MinerMethod,
  type ProofsBackend,
  runsToNumbers,
} from '@venus-cluster/core'
import type { WindowPoStConfig } from '../config.js'
import type { SectorLocator } from '../locator.js'
import type { PoStLookup, PoStSender } from '../messages.js'
import { chunk, errMsg } from '../util.js'
import { declarationTarget } from './deadlines.js'
import { checkChainSectors, sectorInfos } from './miner.js'
import { RESUBMIT_AFTER_EPOCHS } from './submitter.js'
import type { Emit, MinerIdentity, Track } from './types.js'

interface PendingDeclaration {
  key: string
  kind: 'faults' | 'recoveries'
  deadline: number
  cid: string
  sentAt: number
}

type Entry = { deadline: number; partition: number; sectors: number[] }

/** What the declarations need. */
export interface DeclarationComponents {
  miner: string
  chain: Pick<ChainClient, 'stateMinerPartitions' | 'stateMinerSectors'>
  send: PoStSender
  lookup: PoStLookup
  locate: SectorLocator
  proofs: ProofsBackend
  config: WindowPoStConfig
  identity(): MinerIdentity
  /** The address the next message goes from (the richest of the configured senders). */
  sender(): Promise<string>
  emit: Emit
  track: Track
  /** Aborts sector checks when the scheduler stops. */
  signal(): AbortSignal
}

/** Declares faults and recoveries of one miner (see the module comment). */
export class Declarations {
  readonly #c: DeclarationComponents
  /** Declarations made (or under way), by target deadline, with the target's open epoch. */
  readonly #declaring = new Map<string, number>()
  /** Declarations sent and not yet buried by `confidence` epochs. */
  #pending: PendingDeclaration[] = []

  constructor(components: DeclarationComponents) {
    this.#c = components
  }

  /** Whether declarations are configured at all. */
  get enabled(): boolean {
    return this.#c.config.declareRecoveries || this.#c.config.declareFaults
  }

  /** Whether the declarations that proving `d` starts are made or under way. */
  covers(d: LotusDeadlineInfo): boolean {
    return this.#declaring.has(declarationTarget(d).key)
  }

  /** Forgets targets whose deadline opened before `height`. */
  prune(height: number): void {
    for (const [key, targetOpen] of this.#declaring) if (targetOpen < height) this.#declaring.delete(key)
  }

  /** Declares for the deadline two after `d`, in the background (errors free it for a retry). */
  start(d: LotusDeadlineInfo, ts: LotusTipSet): void {
    void this.#c.track(
      this.#declare(d, ts).catch((e) => {
        // A later head of this deadline tries again (see DeadlineScheduler.onHead).
        this.#declaring.delete(declarationTarget(d).key)
        this.#c.emit({ type: 'error', miner: this.#c.miner, message: `declarations: ${errMsg(e)}` })
      }),
    )
  }

  /**
   * Follows sent declarations until they are buried by `confidence` epochs. One that failed on
   * chain, or vanished (never included, or reverted and not included again), frees its
   * deadline so that the next head declares again from the chain's state.
   */
  async watch(h: number): Promise<void> {
    const keep: PendingDeclaration[] = []
    for (const p of this.#pending) {
      if (!this.#declaring.has(p.key)) continue
      const found = await this.#c.lookup(p.cid, {}).catch(() => null)
      if (found !== null && !('failed' in found) && found.exitCode === 0) {
        if (h - found.height >= this.#c.config.confidence) {
          this.#c.emit({
            type: 'declaration-landed',
            miner: this.#c.miner,
            kind: p.kind,
            deadline: p.deadline,
            cid: p.cid,
            height: found.height,
          })
        } else keep.push(p)
      } else if (found) {
        this.#declaring.delete(p.key)
        this.#c.emit({
          type: 'error',
          miner: this.#c.miner,
          message: `${p.kind} declaration ${p.cid} for deadline ${p.deadline} failed: ${'failed' in found ? found.failed : `exit code ${found.exitCode}`}`,
        })
      } else if (h - p.sentAt >= RESUBMIT_AFTER_EPOCHS) {
        this.#declaring.delete(p.key)
      } else keep.push(p)
    }
    this.#pending = keep
  }

  /** Recoveries (and optionally faults) for deadline index + 2, before its fault cutoff. */
  async #declare(d: LotusDeadlineInfo, ts: LotusTipSet): Promise<void> {
    const { chain, miner, config } = this.#c
    const target = declarationTarget(d)
    if (this.#declaring.has(target.key)) return
    this.#declaring.set(target.key, target.open)
    // Inclusion is at the next epoch at the earliest; leave one more for safety.
    if (ts.Height + 2 >= target.open - d.FaultDeclarationCutoff) return
    const parts = await chain.stateMinerPartitions(miner, target.index, ts.Cids)
    const faultyNotRecovering: { index: number; sectors: number[] }[] = []
    const healthy: { index: number; sectors: number[] }[] = []
    parts.forEach((p, index) => {
      const faulty = new Set(runsToNumbers(p.FaultySectors))
      const recovering = new Set(runsToNumbers(p.RecoveringSectors))
      const live = runsToNumbers(p.LiveSectors)
      faultyNotRecovering.push({ index, sectors: live.filter((n) => faulty.has(n) && !recovering.has(n)) })
      healthy.push({ index, sectors: live.filter((n) => !faulty.has(n)) })
    })
    const candidates = [
      ...(config.declareRecoveries ? faultyNotRecovering : []),
      ...(config.declareFaults ? healthy : []),
    ].flatMap((p) => p.sectors)
    if (candidates.length === 0) return
    const infos = await sectorInfos(chain, miner, ts, candidates)
    const bad = await checkChainSectors(this.#c, [...infos.values()], new Uint8Array(32), this.#c.signal())
    const entries = (list: { index: number; sectors: number[] }[], wantBad: boolean): Entry[] =>
      list
        .map((p) => ({
          deadline: target.index,
          partition: p.index,
          sectors: p.sectors.filter((n) => infos.has(n) && bad.has(n) === wantBad),
        }))
        .filter((e) => e.sectors.length > 0)
    const expireEpoch = target.open - d.FaultDeclarationCutoff
    if (config.declareRecoveries) {
      const es = entries(faultyNotRecovering, false)
      if (es.length > 0) await this.#send('recoveries', es, target.key, expireEpoch, ts.Height)
    }
    if (config.declareFaults) {
      const es = entries(healthy, true)
      if (es.length > 0) await this.#send('faults', es, target.key, expireEpoch, ts.Height)
    }
  }

  async #send(
    kind: 'faults' | 'recoveries',
    es: Entry[],
    key: string,
    expireEpoch: number,
    height: number,
  ): Promise<void> {
    const { config, miner } = this.#c
    const per =
      config.maxPartitionsPerRecoveryMessage > 0 ? config.maxPartitionsPerRecoveryMessage : es.length
    for (const group of chunk(es, Math.max(1, per))) {
      const params =
        kind === 'faults'
          ? encodeDeclareFaults({ entries: group })
          : encodeDeclareFaultsRecovered({ entries: group })
      const cid = await this.#c.send(
        {
          from: await this.#c.sender(),
          to: miner,
          method: kind === 'faults' ? MinerMethod.DeclareFaults : MinerMethod.DeclareFaultsRecovered,
          params,
          maxFee: config.maxFee,
          gasFeeCap: config.gasFeeCap,
          expireEpoch,
        },
        {},
      )
      const deadline = group[0]!.deadline
      this.#pending.push({ key, kind, deadline, cid, sentAt: height })
      this.#c.emit({ type: 'declared', miner, kind, deadline, sectors: group.flatMap((e) => e.sectors), cid })
    }
  }
}
