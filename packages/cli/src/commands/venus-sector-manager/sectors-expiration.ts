/**
 * `venus-sector-manager util sealer sectors check-expire | extend`: which active sectors expire
 * soon and how far each may still be extended, and `ExtendSectorExpiration2` messages that move
 * their expiration later (CC and unverified-deal sectors; sectors with verified claims are left
 * to a claim-aware tool and named as skipped).
 */
import {
  type ChainClient,
  detectNetwork,
  EPOCHS_PER_DAY,
  type ExpirationExtension2,
  encodeExtendSectorExpiration2,
  formatFil,
  MinerMethod,
  networkParams,
  runsToNumbers,
  VenusError,
} from '@venus-cluster/core'
import { type Command, Option } from 'commander'
import { millisecondsArg, uintArg } from '../../args.js'
import { report } from '../../output.js'
import { messageOptions, stderrLine } from './actor-common.js'
import { minerContextOf, minerPartitions } from './manager-common.js'
import { pushAndWait } from './messager-send.js'

const DAY = EPOCHS_PER_DAY
/** Declarations and sectors one message may carry (the actor's DeclarationsMax, a margin under AddressedSectorsMax). */
const DECLARATIONS_MAX = 3000
const SECTORS_PER_MESSAGE = 10_000

/** One active sector and how far it may go. */
export interface ExpiringSector {
  sectorNumber: number
  sealProof: number
  activation: number
  expiration: number
  initialPledge: bigint
  verified: boolean
  /** Activation + the network's maximum sector lifetime. */
  maxExpiration: number
  /** The latest expiration an extension landing now may set. */
  maxExtendNow: number
}

/** The active sectors of `miner` with their extension bounds, soonest expiration first. */
async function expiringSectors(
  chain: ChainClient,
  miner: string,
  network: string,
  head: number,
): Promise<ExpiringSector[]> {
  const policy = networkParams(detectNetwork(network))
  const list = await chain.stateMinerActiveSectors(miner)
  return list
    .map((s) => {
      const maxExpiration = s.Activation + policy.sectorMaxLifetime
      return {
        sectorNumber: s.SectorNumber,
        sealProof: s.SealProof,
        activation: s.Activation,
        expiration: s.Expiration,
        initialPledge: BigInt(s.InitialPledge),
        verified: BigInt(s.VerifiedDealWeight) > 0n,
        maxExpiration,
        maxExtendNow: Math.min(maxExpiration, head + policy.maxSectorExpirationExtension),
      }
    })
    .sort((a, b) => a.expiration - b.expiration || a.sectorNumber - b.sectorNumber)
}

/** `epoch` relative to `head`, in days at 30 s epochs (`in 12.5 days`, `3.0 days ago`). */
function inDays(head: number, epoch: number): string {
  const d = (epoch - head) / DAY
  return d >= 0 ? `in ${d.toFixed(1)} days` : `${(-d).toFixed(1)} days ago`
}

/** Deadline and partition of every active sector. */
async function locations(
  chain: ChainClient,
  miner: string,
): Promise<Map<number, { dl: number; part: number }>> {
  const out = new Map<number, { dl: number; part: number }>()
  const { partitions } = await minerPartitions(chain, miner)
  partitions.forEach((ps, dl) => {
    ps.forEach((p, part) => {
      for (const n of runsToNumbers(p.ActiveSectors)) out.set(n, { dl, part })
    })
  })
  return out
}

/**
 * Groups sectors into declarations per (deadline, partition): within one, sectors whose wanted
 * expirations lie within `tolerance` of the group's earliest share it, as lotus-miner does, so
 * thousands of sectors need few declarations.
 */
export function planExtensions(
  wanted: { sectorNumber: number; deadline: number; partition: number; newExpiration: number }[],
  tolerance: number,
): ExpirationExtension2[] {
  const byPartition = new Map<string, typeof wanted>()
  for (const w of wanted) {
    const key = `${w.deadline}:${w.partition}`
    byPartition.set(key, [...(byPartition.get(key) ?? []), w])
  }
  const out: ExpirationExtension2[] = []
  for (const group of byPartition.values()) {
    group.sort((a, b) => a.newExpiration - b.newExpiration || a.sectorNumber - b.sectorNumber)
    let current: ExpirationExtension2 | undefined
    for (const w of group) {
      if (current === undefined || w.newExpiration - current.newExpiration > tolerance) {
        current = {
          deadline: w.deadline,
          partition: w.partition,
          sectors: [],
          sectorsWithClaims: [],
          newExpiration: w.newExpiration,
        }
        out.push(current)
      }
      current.sectors.push(w.sectorNumber)
    }
  }
  return out
}

/** Splits declarations into messages of at most DECLARATIONS_MAX declarations and `maxSectors` sectors. */
export function intoMessages(decls: ExpirationExtension2[], maxSectors: number): ExpirationExtension2[][] {
  const messages: ExpirationExtension2[][] = []
  let cur: ExpirationExtension2[] = []
  let count = 0
  const flush = () => {
    if (cur.length > 0) messages.push(cur)
    cur = []
    count = 0
  }
  for (const d of decls) {
    // A declaration bigger than a message is cut into pieces with the same expiration.
    for (let i = 0; i < d.sectors.length; ) {
      if (cur.length >= DECLARATIONS_MAX || count >= maxSectors) flush()
      const take = d.sectors.slice(i, i + (maxSectors - count))
      cur.push({ ...d, sectors: take })
      count += take.length
      i += take.length
    }
  }
  flush()
  return messages
}

/**
 * Adds `check-expire` and `extend` under `sectors`.
 *
 * @example
 * ```ts
 * registerExpirationCommands(sealer.command('sectors'))
 * ```
 */
export function registerExpirationCommands(sectors: Command): void {
  sectors
    .command('check-expire')
    .addOption(new Option('--miner <actor>', 'miner actor id (default: the first configured miner)'))
    .addOption(
      new Option('--cutoff <epochs>', 'only sectors expiring within this many epochs').default(
        String(60 * DAY),
      ),
    )
    .description('active sectors expiring soon, with how far each may still be extended')
    .action(async (o: { cutoff: string }, cmd: Command) => {
      const cutoff = uintArg(o.cutoff, '--cutoff')
      const { chain, miner, network } = await minerContextOf(cmd)
      const head = (await chain.chainHead()).Height
      const list = (await expiringSectors(chain, miner, network, head)).filter(
        (s) => s.expiration - head <= cutoff,
      )
      report(
        cmd,
        { Miner: miner, Head: head, Sectors: list },
        list.length === 0
          ? [`no active sector of ${miner} expires within ${cutoff} epochs`]
          : [
              `Sectors of ${miner} expiring within ${cutoff} epochs (head ${head}): ${list.length}`,
              'ID\tSealProof\tInitialPledge\tActivation\tExpiration\tMaxExpiration\tMaxExtendNow',
              ...list.map(
                (s) =>
                  `${s.sectorNumber}\t${s.sealProof}\t${formatFil(s.initialPledge)}\t${s.activation}\t${s.expiration} (${inDays(head, s.expiration)})\t${s.maxExpiration}\t${s.maxExtendNow}${s.verified ? '\tverified' : ''}`,
              ),
            ],
      )
    })

  messageOptions(
    sectors
      .command('extend')
      .argument('[numbers...]', 'sector numbers (default: those expiring between --from and --to)')
      .addOption(new Option('--miner <actor>', 'miner actor id (default: the first configured miner)'))
      .addOption(
        new Option('--from <epoch>', 'select sectors expiring at or after this epoch (default: head + 120)'),
      )
      .addOption(
        new Option('--to <epoch>', 'select sectors expiring at or before this epoch (default: head + 92160)'),
      )
      .addOption(
        new Option('--extension <epochs>', 'extend by this many epochs (default: 540 days)').conflicts(
          'newExpiration',
        ),
      )
      .addOption(new Option('--new-expiration <epoch>', 'extend to this epoch'))
      .addOption(
        new Option('--tolerance <epochs>', 'sectors within this many epochs share a declaration').default(
          String(7 * DAY),
        ),
      )
      .addOption(new Option('--max-sectors <n>', 'sectors per message').default(String(SECTORS_PER_MESSAGE)))
      .option(
        '--really-do-it',
        'send the ExtendSectorExpiration2 messages (without it: show the plan)',
        false,
      )
      .description('extend the expiration of active sectors (ExtendSectorExpiration2 from the worker)'),
  ).action(
    async (
      numbers: string[],
      o: {
        from?: string
        to?: string
        extension?: string
        newExpiration?: string
        tolerance: string
        maxSectors: string
        reallyDoIt: boolean
        exid: string
        poll: string
      },
      cmd: Command,
    ) => {
      const picked = numbers.map((n) => uintArg(n, '[numbers]'))
      if (picked.length > 0 && (o.from !== undefined || o.to !== undefined))
        throw new VenusError('CLI_USAGE', 'give sector numbers or --from/--to, not both')
      const tolerance = uintArg(o.tolerance, '--tolerance')
      const maxSectors = uintArg(o.maxSectors, '--max-sectors')
      if (maxSectors === 0 || maxSectors > 25_000)
        throw new VenusError('CLI_USAGE', `--max-sectors must be 1 … 25000, got ${maxSectors}`)
      const pollMs = millisecondsArg('--poll', o.poll)
      const extension = o.extension === undefined ? 540 * DAY : uintArg(o.extension, '--extension')
      const target = o.newExpiration === undefined ? undefined : uintArg(o.newExpiration, '--new-expiration')

      const { chain, miner, network, messager } = await minerContextOf(cmd)
      const head = (await chain.chainHead()).Height
      const from = o.from === undefined ? head + 120 : uintArg(o.from, '--from')
      const to = o.to === undefined ? head + 32 * DAY : uintArg(o.to, '--to')
      const all = await expiringSectors(chain, miner, network, head)
      const byNumber = new Map(all.map((s) => [s.sectorNumber, s]))
      const missing = picked.filter((n) => !byNumber.has(n))
      if (missing.length > 0)
        throw new VenusError('CLI_USAGE', `not active sectors of ${miner}: ${missing.join(', ')}`, {
          details: { sectors: missing },
        })
      const chosen =
        picked.length > 0
          ? picked.map((n) => byNumber.get(n)!)
          : all.filter((s) => s.expiration >= from && s.expiration <= to)
      const where = await locations(chain, miner)
      const skipped: { sector: number; why: string }[] = []
      const wanted: { sectorNumber: number; deadline: number; partition: number; newExpiration: number }[] =
        []
      for (const s of chosen) {
        const at = where.get(s.sectorNumber)
        const newExpiration = Math.min(target ?? s.expiration + extension, s.maxExtendNow)
        if (s.verified) skipped.push({ sector: s.sectorNumber, why: 'has verified claims' })
        else if (at === undefined) skipped.push({ sector: s.sectorNumber, why: 'not in an active partition' })
        else if (newExpiration - s.expiration < tolerance)
          skipped.push({
            sector: s.sectorNumber,
            why: `would gain ${newExpiration - s.expiration} epochs, less than --tolerance`,
          })
        else wanted.push({ sectorNumber: s.sectorNumber, deadline: at.dl, partition: at.part, newExpiration })
      }
      const messages = intoMessages(planExtensions(wanted, tolerance), maxSectors)
      const plan = [
        `Miner: ${miner} (head ${head})`,
        `Selected ${chosen.length} sectors; extending ${wanted.length} in ${messages.length} message(s)`,
        ...messages.map(
          (m, i) =>
            `message ${i + 1}: ${m.reduce((n, d) => n + d.sectors.length, 0)} sectors in ${m.length} declaration(s), new expirations ${Math.min(...m.map((d) => d.newExpiration))} … ${Math.max(...m.map((d) => d.newExpiration))}`,
        ),
        ...skipped.map((s) => `skipped ${s.sector}: ${s.why}`),
      ]
      const json = { Miner: miner, Head: head, Messages: messages, Skipped: skipped }
      if (!o.reallyDoIt || messages.length === 0) {
        report(cmd, { ...json, Sent: [] }, [
          ...plan,
          messages.length === 0
            ? 'nothing to extend'
            : 'nothing sent; pass --really-do-it to send the messages',
        ])
        return
      }
      const info = await chain.stateMinerInfo(miner)
      const sent: string[] = []
      for (const [i, extensions] of messages.entries()) {
        const r = await pushAndWait(
          messager,
          {
            To: miner,
            From: info.Worker,
            Value: 0n,
            Method: MinerMethod.ExtendSectorExpiration2,
            Params: encodeExtendSectorExpiration2({ extensions }),
          },
          { label: 'ExtendSectorExpiration2', kind: `extend-${i}`, exid: o.exid, pollMs, log: stderrLine },
        )
        sent.push(r.uid)
      }
      report(cmd, { ...json, Sent: sent }, [...plan, `sent ${sent.length} message(s): ${sent.join(', ')}`])
    },
  )
}
