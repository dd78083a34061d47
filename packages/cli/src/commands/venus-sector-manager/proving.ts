/**
 * `venus-sector-manager util sealer proving …`: WindowPoSt state of a miner from the chain, local
 * sector checks against the persist stores, and a dry-run WindowPoSt (`simulate-wdpost`).
 */
import { access } from 'node:fs/promises'
import {
  cidToCommitment,
  formatFil,
  type LotusDeadlineInfo,
  mockProofs,
  numbersToRuns,
  type ProofsBackend,
  runsToNumbers,
  VenusError,
} from '@venus-cluster/core'
import {
  checkSectors,
  partitionToProve,
  sectorRepairAction,
  storesLocator,
  WindowPoStScheduler,
} from '@venus-cluster/poster'
import { type Command, Option } from 'commander'
import { report } from '../../output.js'
import { minerContextOf, minerPartitions } from './manager-common.js'

function indexArg(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) >= 48)
    throw new VenusError(
      'CLI_USAGE',
      `deadline index must be an integer in [0, 48), got ${JSON.stringify(v)}`,
    )
  return Number(v)
}

function deadlineLines(di: LotusDeadlineInfo): string[] {
  return [
    `Current epoch: ${di.CurrentEpoch}`,
    `Proving period start: ${di.PeriodStart}`,
    `Deadline index: ${di.Index}`,
    `Challenge: ${di.Challenge}`,
    `Open: ${di.Open}  Close: ${di.Close}  Fault cutoff: ${di.FaultCutoff}`,
  ]
}

/** Proofs backend of the CLI's dry runs: the mock one unless a native backend is wired in. */
let provingProofs: () => ProofsBackend = () => mockProofs()

/** Replaces the backend `simulate-wdpost` uses (the native binding registers itself here). */
export function setProvingProofsBackend(factory: () => ProofsBackend): void {
  provingProofs = factory
}

/**
 * Adds `proving info|deadlines|deadline <i>|check <i>|faults|simulate-wdpost` under `sealer`.
 *
 * @example
 * ```ts
 * registerProvingCommands(util.command('sealer'))
 * ```
 */
export function registerProvingCommands(sealer: Command): Command {
  const proving = sealer
    .command('proving')
    .description('WindowPoSt state, sector checks and dry runs')
    .addOption(new Option('--miner <actor>', 'miner actor id (default: the first configured miner)'))

  proving
    .command('info')
    .description('proving period, current deadline, faults and recoveries')
    .action(async (_o: unknown, cmd: Command) => {
      const { chain, miner } = await minerContextOf(cmd)
      const di = await chain.stateMinerProvingDeadline(miner)
      const faults = runsToNumbers(await chain.stateMinerFaults(miner))
      const recoveries = runsToNumbers(await chain.stateMinerRecoveries(miner))
      const info = await chain.stateMinerInfo(miner)
      report(
        cmd,
        {
          Miner: miner,
          Deadline: di,
          Faults: faults.length,
          Recoveries: recoveries.length,
          SectorSize: info.SectorSize,
        },
        [
          `Miner: ${miner}`,
          ...deadlineLines(di),
          `Faulty sectors: ${faults.length}`,
          `Recovering sectors: ${recoveries.length}`,
        ],
      )
    })

  proving
    .command('deadlines')
    .description('partitions, sectors, faults and proven partitions of each deadline')
    .action(async (_o: unknown, cmd: Command) => {
      const { chain, miner } = await minerContextOf(cmd)
      const di = await chain.stateMinerProvingDeadline(miner)
      const { deadlines: dls, partitions } = await minerPartitions(chain, miner)
      const rows = []
      for (const [i, d] of dls.entries()) {
        const parts = partitions[i] ?? []
        rows.push({
          Index: i,
          Partitions: parts.length,
          Sectors: parts.reduce((n, p) => n + runsToNumbers(p.LiveSectors).length, 0),
          Faults: parts.reduce((n, p) => n + runsToNumbers(p.FaultySectors).length, 0),
          Proven: runsToNumbers(d.PostSubmissions).length,
          Current: i === di.Index,
        })
      }
      report(cmd, rows, [
        'deadline  partitions  sectors  faults  proven',
        ...rows.map(
          (r) =>
            `${String(r.Index).padEnd(9)} ${String(r.Partitions).padEnd(11)} ${String(r.Sectors).padEnd(8)} ${String(r.Faults).padEnd(7)} ${r.Proven}${r.Current ? '  (current)' : ''}`,
        ),
      ])
    })

  proving
    .command('deadline')
    .argument('<index>', 'deadline index', indexArg)
    .description('partitions of one deadline with their sectors')
    .action(async (index: number, _o: unknown, cmd: Command) => {
      const { chain, miner } = await minerContextOf(cmd)
      const parts = await chain.stateMinerPartitions(miner, index)
      const rows = parts.map((p, i) => ({
        Partition: i,
        All: runsToNumbers(p.AllSectors),
        Live: runsToNumbers(p.LiveSectors),
        Faulty: runsToNumbers(p.FaultySectors),
        Recovering: runsToNumbers(p.RecoveringSectors),
        ToProve: partitionToProve(p),
      }))
      report(cmd, { Deadline: index, Partitions: rows }, [
        `Deadline ${index}: ${rows.length} partition(s)`,
        ...rows.map(
          (r) =>
            `  partition ${r.Partition}: sectors ${r.All.length}, live ${r.Live.length}, faulty [${r.Faulty.join(' ')}], recovering [${r.Recovering.join(' ')}]`,
        ),
      ])
    })

  proving
    .command('check')
    .argument('<index>', 'deadline index', indexArg)
    .option('--strict', 'also generate a vanilla proof per sector')
    .option('--slow', 'the same as --strict (the original flag)')
    .option('--only-bad', 'list only sectors that fail')
    .option('--storage-id', 'also print the persist store holding each sector')
    .description("check the files of a deadline's sectors in the persist stores")
    .action(
      async (
        index: number,
        o: { strict?: boolean; slow?: boolean; onlyBad?: boolean; storageId?: boolean },
        cmd: Command,
      ) => {
        const ctx = await minerContextOf(cmd)
        const { chain, miner } = ctx
        const parts = await chain.stateMinerPartitions(miner, index)
        const numbers = parts.flatMap((p) => runsToNumbers(p.LiveSectors))
        const infos = numbers.length ? await chain.stateMinerSectors(miner, numbersToRuns(numbers)) : []
        const minerId = ctx.actor
        const bad = await checkSectors(
          infos.map((s) => ({
            sectorNumber: s.SectorNumber,
            sealProof: s.SealProof,
            commR: cidToCommitment(s.SealedCID['/'], 'commR').commitment,
            updated: s.SectorKeyCID !== null && s.SectorKeyCID !== undefined,
          })),
          {
            minerId,
            locate: storesLocator(ctx.stores.map((st) => st.path)),
            proofs: provingProofs(),
            randomness: new Uint8Array(32),
            proverId: new Uint8Array(32),
            strict: o.strict ?? o.slow ?? ctx.strict,
          },
        )
        // The store of a sector: the first root holding its sealed file, as the poster reads it.
        const storeOf = async (n: number): Promise<string> => {
          for (const st of ctx.stores) {
            const f = await storesLocator([st.path])(minerId, n)
            if (
              f &&
              (await access(f.sealedPath).then(
                () => true,
                () => false,
              ))
            )
              return st.name
          }
          return '-'
        }
        const rows = await Promise.all(
          infos
            .map((s) => {
              const why = bad.get(s.SectorNumber)
              const advice = why === undefined ? undefined : sectorRepairAction(why)
              return {
                Sector: s.SectorNumber,
                Good: why === undefined,
                Error: why ?? '',
                // What to do about it, with the sector filled into the command.
                Action: advice?.action ?? '',
                Advice: advice?.advice.replace('<miner> <number>', `t0${minerId} ${s.SectorNumber}`) ?? '',
              }
            })
            .filter((r) => !o.onlyBad || !r.Good)
            .map(async (r) => (o.storageId ? { ...r, Store: await storeOf(r.Sector) } : r)),
        )
        report(cmd, rows, [
          `Deadline ${index}: ${infos.length} sector(s), ${bad.size} bad`,
          ...rows.map(
            (r) =>
              `  s-t0${minerId}-${r.Sector}\t${'Store' in r ? `${r.Store}\t` : ''}${r.Good ? 'good' : `bad: ${r.Error}\t→ ${r.Advice}`}`,
          ),
        ])
      },
    )

  proving
    .command('faults')
    .description('faulty sectors with their deadline and partition')
    .action(async (_o: unknown, cmd: Command) => {
      const { chain, miner } = await minerContextOf(cmd)
      const rows: { Deadline: number; Partition: number; Sector: number }[] = []
      const { partitions } = await minerPartitions(chain, miner)
      partitions.forEach((parts, i) => {
        parts.forEach((p, j) => {
          for (const s of runsToNumbers(p.FaultySectors)) rows.push({ Deadline: i, Partition: j, Sector: s })
        })
      })
      report(
        cmd,
        rows,
        rows.length
          ? [
              'deadline  partition  sector',
              ...rows.map(
                (r) => `${String(r.Deadline).padEnd(9)} ${String(r.Partition).padEnd(10)} ${r.Sector}`,
              ),
            ]
          : ['no faulty sectors'],
      )
    })

  proving
    .command('sector-info')
    .argument('<numbers...>', 'sector numbers')
    .description(
      'on-chain info of sectors: sealed CID, activation, expiration, pledge, deadline and partition',
    )
    .action(async (numbers: string[], _o: unknown, cmd: Command) => {
      const nums = numbers.map((n) => {
        if (!/^\d+$/.test(n) || !Number.isSafeInteger(Number(n)))
          throw new VenusError(
            'CLI_USAGE',
            `sector number must be a non-negative integer, got ${JSON.stringify(n)}`,
          )
        return Number(n)
      })
      const { chain, miner } = await minerContextOf(cmd)
      const rows = await Promise.all(
        nums.map(async (n) => {
          const info = await chain.stateSectorGetInfo(miner, n)
          // Only a live sector sits in a partition; terminated and expired ones have none.
          const loc = info === null ? null : await chain.stateSectorPartition(miner, n).catch(() => null)
          return { Sector: n, Info: info, Location: loc }
        }),
      )
      const lines = rows.flatMap(({ Sector, Info, Location }) =>
        Info === null
          ? [`sector ${Sector}: not on chain (never proven, or expired and cleaned up)`]
          : [
              `sector ${Sector}:`,
              `  Sealed CID: ${Info.SealedCID['/']}`,
              `  Seal proof: ${Info.SealProof}`,
              `  Activation: ${Info.Activation}  Expiration: ${Info.Expiration}`,
              `  Deal weight: ${Info.DealWeight}  Verified deal weight: ${Info.VerifiedDealWeight}`,
              `  Initial pledge: ${formatFil(BigInt(Info.InitialPledge))}`,
              Location
                ? `  Deadline: ${Location.Deadline}  Partition: ${Location.Partition}`
                : '  Deadline: -',
            ],
      )
      report(cmd, rows, lines)
    })

  proving
    .command('simulate-wdpost')
    .option('--deadline <index>', 'deadline to prove (default: the current one)', indexArg)
    .addOption(
      new Option('--ddl-idx <index>', 'the same as --deadline (the original flag)')
        .argParser(indexArg)
        .conflicts('deadline'),
    )
    .option('--partition-idx <index>', 'only this partition of the deadline (default: all)', indexArg)
    .option('--include-faulty', 'prove faulty sectors too, as if recovered', false)
    .description('generate and verify a WindowPoSt now, without sending it')
    .action(
      async (
        o: { deadline?: number; ddlIdx?: number; partitionIdx?: number; includeFaulty: boolean },
        cmd: Command,
      ) => {
        const ctx = await minerContextOf(cmd)
        const scheduler = new WindowPoStScheduler({
          miner: ctx.miner,
          chain: ctx.chain,
          proofs: provingProofs(),
          locate: storesLocator(ctx.stores.map((st) => st.path)),
          config: { strictCheck: ctx.strict },
        })
        const r = await scheduler.simulate(o.deadline ?? o.ddlIdx, {
          partitions: o.partitionIdx === undefined ? undefined : [o.partitionIdx],
          includeFaulty: o.includeFaulty,
        })
        report(cmd, r, [
          `Deadline ${r.deadline} (open ${r.open}), challenge epoch ${r.challengeEpoch}: ${r.batches.length} message(s) in ${Math.round(r.ms)} ms`,
          ...r.batches.map(
            (b, i) =>
              `  message ${i}: partitions ${b.partitions.map((p) => p.index).join(',')}, ${b.sectors} sector(s) proven, skipped [${b.partitions.flatMap((p) => p.skipped).join(' ')}], proof ${b.proofBytes} bytes`,
          ),
        ])
      },
    )

  return proving
}
