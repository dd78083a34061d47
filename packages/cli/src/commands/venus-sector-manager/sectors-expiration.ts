/**
 * `venus-sector-manager util sealer sectors check-expire | extend`: which active sectors expire
 * soon and how far each may still be extended, and `ExtendSectorExpiration2` messages that move
 * their expiration later. A sector holding verified data lists each of its claims: kept claims
 * bound the new expiration to their term's end; with `--drop-claims` the claims that cannot
 * reach it are dropped, which the miner actor allows only in a sector's last 30 days (and, as
 * lotus does, only once a claim's minimum term has passed).
 */
import { readFile } from 'node:fs/promises'
import {
  type ChainClient,
  detectNetwork,
  EPOCHS_PER_DAY,
  type ExpirationExtension2,
  encodeExtendSectorExpiration2,
  formatFil,
  type LotusClaim,
  MinerMethod,
  networkParams,
  runsToNumbers,
  VERIFIED_POLICY,
  VenusError,
} from '@venus-cluster/core'
import { type Command, Option } from 'commander'
import { millisecondsArg, uintArg } from '../../args.js'
import { report } from '../../output.js'
import { maxFeeArg, messageOptions, stderrLine } from './actor-common.js'
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
  /** Holds unverified deal data. */
  deals: boolean
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
        deals: BigInt(s.DealWeight) > 0n,
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

/** One sector to extend: where it is, to when, and (for sectors with claims) which it keeps. */
export interface WantedExtension {
  sectorNumber: number
  deadline: number
  partition: number
  newExpiration: number
  /** Present for a sector holding verified claims: every claim, kept or dropped. */
  claims?: { maintain: number[]; drop: number[] } | undefined
}

/**
 * Groups sectors into declarations per (deadline, partition): within one, sectors whose wanted
 * expirations lie within `tolerance` of the group's earliest share it, as lotus-miner does, so
 * thousands of sectors need few declarations. Sectors with claims go to `sectorsWithClaims`; the
 * shared expiration is never later than a sector's own, so kept claims still reach it.
 */
export function planExtensions(wanted: WantedExtension[], tolerance: number): ExpirationExtension2[] {
  const byPartition = new Map<string, WantedExtension[]>()
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
      if (w.claims === undefined) current.sectors.push(w.sectorNumber)
      else
        current.sectorsWithClaims.push({
          sectorNumber: w.sectorNumber,
          maintainClaims: w.claims.maintain,
          dropClaims: w.claims.drop,
        })
    }
  }
  return out
}

const addressed = (d: ExpirationExtension2) => d.sectors.length + d.sectorsWithClaims.length

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
    const items = [
      ...d.sectors.map((n) => ({ n, claims: undefined })),
      ...d.sectorsWithClaims.map((c) => ({ n: c.sectorNumber, claims: c })),
    ]
    for (let i = 0; i < items.length; ) {
      if (cur.length >= DECLARATIONS_MAX || count >= maxSectors) flush()
      const take = items.slice(i, i + (maxSectors - count))
      cur.push({
        ...d,
        sectors: take.flatMap((t) => (t.claims === undefined ? [t.n] : [])),
        sectorsWithClaims: take.flatMap((t) => (t.claims === undefined ? [] : [t.claims])),
      })
      count += take.length
      i += take.length
    }
  }
  flush()
  return messages
}

/** The claims of a miner by sector, with their ids. */
async function claimsBySector(
  chain: ChainClient,
  miner: string,
): Promise<Map<number, (LotusClaim & { id: number })[]>> {
  const out = new Map<number, (LotusClaim & { id: number })[]>()
  for (const [id, c] of Object.entries(await chain.stateGetClaims(miner)))
    out.set(c.Sector, [...(out.get(c.Sector) ?? []), { ...c, id: Number(id) }])
  return out
}

/**
 * How a sector with claims is extended toward `wanted`: claims whose term reaches the new
 * expiration are kept; the others bound it, unless `drop` and the actor allows dropping them
 * now (the sector's last 30 days, the claim's minimum term passed).
 */
export function claimExtension(
  s: Pick<ExpiringSector, 'sectorNumber' | 'expiration'>,
  claims: readonly Pick<LotusClaim & { id: number }, 'id' | 'TermStart' | 'TermMin' | 'TermMax'>[],
  wanted: number,
  head: number,
  drop: boolean,
): { newExpiration: number; maintain: number[]; drop: number[]; bound?: string } {
  const endOfLife = s.expiration - head <= VERIFIED_POLICY.endOfLifeClaimDropPeriod
  const droppable = (c: (typeof claims)[number]) => drop && endOfLife && head > c.TermStart + c.TermMin
  const dropped = claims.filter((c) => c.TermStart + c.TermMax < wanted && droppable(c))
  const kept = claims.filter((c) => !dropped.includes(c))
  const limit = Math.min(wanted, ...kept.map((c) => c.TermStart + c.TermMax))
  const binding = kept.find((c) => c.TermStart + c.TermMax === limit && limit < wanted)
  const why = (c: (typeof claims)[number]) =>
    !drop
      ? 'pass --drop-claims to drop it'
      : !endOfLife
        ? "claims may be dropped only in the sector's last 30 days"
        : `its minimum term has not passed (it runs to epoch ${c.TermStart + c.TermMin})`
  return {
    newExpiration: limit,
    maintain: kept.map((c) => c.id).sort((a, b) => a - b),
    drop: dropped.map((c) => c.id).sort((a, b) => a - b),
    ...(binding === undefined
      ? {}
      : { bound: `claim ${binding.id} allows extension only to ${limit} (${why(binding)})` }),
  }
}

/** Sector numbers in a file, one per line (`#` comments and blank lines allowed); errors name file:line. */
export async function sectorNumbersFile(path: string, flag: string): Promise<number[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new VenusError('CLI_USAGE', `${flag}: cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    })
  }
  const out: number[] = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim()
    if (line === '') return
    if (!/^\d+$/.test(line) || !Number.isSafeInteger(Number(line)))
      throw new VenusError(
        'CLI_USAGE',
        `${flag}: ${path}:${i + 1}: ${JSON.stringify(line)} is not a sector number`,
      )
    out.push(Number(line))
  })
  return out
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
        new Option('--sector-file <path>', 'extend the sectors listed in this file, one number per line'),
      )
      .addOption(
        new Option('--exclude <path>', 'leave out the sectors listed in this file, one number per line'),
      )
      .option('--only-cc', 'only sectors without data (no deal or verified weight)', false)
      .option(
        '--drop-claims',
        "drop the verified claims that cannot reach the new expiration (allowed in a sector's last 30 days once a claim's minimum term passed); without it such claims bound the extension",
        false,
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
      .addOption(
        new Option(
          '--max-fee <fil>',
          'most one message may spend on gas, e.g. 0.5 (FIL); 0 = no cap',
        ).default('0'),
      )
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
        sectorFile?: string
        exclude?: string
        onlyCc: boolean
        dropClaims: boolean
        extension?: string
        newExpiration?: string
        tolerance: string
        maxSectors: string
        maxFee: string
        reallyDoIt: boolean
        exid: string
        poll: string
      },
      cmd: Command,
    ) => {
      const listed = numbers.map((n) => uintArg(n, '[numbers]'))
      if (listed.length > 0 && o.sectorFile !== undefined)
        throw new VenusError('CLI_USAGE', 'give sector numbers or --sector-file, not both')
      const picked =
        o.sectorFile === undefined ? listed : await sectorNumbersFile(o.sectorFile, '--sector-file')
      if (picked.length > 0 && (o.from !== undefined || o.to !== undefined))
        throw new VenusError('CLI_USAGE', 'give sector numbers or --from/--to, not both')
      const excluded = new Set(o.exclude === undefined ? [] : await sectorNumbersFile(o.exclude, '--exclude'))
      const tolerance = uintArg(o.tolerance, '--tolerance')
      const maxSectors = uintArg(o.maxSectors, '--max-sectors')
      if (maxSectors === 0 || maxSectors > 25_000)
        throw new VenusError('CLI_USAGE', `--max-sectors must be 1 … 25000, got ${maxSectors}`)
      const maxFee = maxFeeArg(o.maxFee)
      const pollMs = millisecondsArg('--poll', o.poll)
      const extension = o.extension === undefined ? 540 * DAY : uintArg(o.extension, '--extension')
      const target = o.newExpiration === undefined ? undefined : uintArg(o.newExpiration, '--new-expiration')

      const { chain, miner, network, messager } = await minerContextOf(cmd)
      const head = (await chain.chainHead()).Height
      const from = o.from === undefined ? head + 120 : uintArg(o.from, '--from')
      const to = o.to === undefined ? head + 32 * DAY : uintArg(o.to, '--to')
      const all = await expiringSectors(chain, miner, network, head)
      const byNumber = new Map(all.map((s) => [s.sectorNumber, s]))
      const missing = picked.filter((n) => !byNumber.has(n) && !excluded.has(n))
      if (missing.length > 0)
        throw new VenusError('CLI_USAGE', `not active sectors of ${miner}: ${missing.join(', ')}`, {
          details: { sectors: missing },
        })
      const chosen = (
        picked.length > 0
          ? picked.flatMap((n) => byNumber.get(n) ?? [])
          : all.filter((s) => s.expiration >= from && s.expiration <= to)
      ).filter((s) => !excluded.has(s.sectorNumber))
      const where = await locations(chain, miner)
      const claims = chosen.some((s) => s.verified) ? await claimsBySector(chain, miner) : new Map()
      const skipped: { sector: number; why: string }[] = []
      const bounded: { sector: number; why: string }[] = []
      const wanted: WantedExtension[] = []
      for (const s of chosen) {
        const at = where.get(s.sectorNumber)
        let newExpiration = Math.min(target ?? s.expiration + extension, s.maxExtendNow)
        const held = claims.get(s.sectorNumber) ?? []
        let kept: WantedExtension['claims']
        if (o.onlyCc && (s.verified || s.deals)) {
          skipped.push({ sector: s.sectorNumber, why: 'holds data (--only-cc)' })
          continue
        }
        if (at === undefined) {
          skipped.push({ sector: s.sectorNumber, why: 'not in an active partition' })
          continue
        }
        if (s.verified && held.length === 0) {
          skipped.push({ sector: s.sectorNumber, why: 'has verified weight but no claims on chain' })
          continue
        }
        if (held.length > 0) {
          const c = claimExtension(s, held, newExpiration, head, o.dropClaims)
          newExpiration = c.newExpiration
          kept = { maintain: c.maintain, drop: c.drop }
          if (c.bound !== undefined) bounded.push({ sector: s.sectorNumber, why: c.bound })
        }
        if (newExpiration - s.expiration < tolerance)
          skipped.push({
            sector: s.sectorNumber,
            why: `would gain ${newExpiration - s.expiration} epochs, less than --tolerance${bounded.at(-1)?.sector === s.sectorNumber ? `: ${bounded.at(-1)?.why}` : ''}`,
          })
        else
          wanted.push({
            sectorNumber: s.sectorNumber,
            deadline: at.dl,
            partition: at.part,
            newExpiration,
            ...(kept === undefined ? {} : { claims: kept }),
          })
      }
      const messages = intoMessages(planExtensions(wanted, tolerance), maxSectors)
      const dropped = wanted.flatMap((w) =>
        (w.claims?.drop ?? []).map((id) => ({ sector: w.sectorNumber, claim: id })),
      )
      const plan = [
        `Miner: ${miner} (head ${head})`,
        `Selected ${chosen.length} sectors; extending ${wanted.length} in ${messages.length} message(s)`,
        ...messages.map(
          (m, i) =>
            `message ${i + 1}: ${m.reduce((n, d) => n + addressed(d), 0)} sectors in ${m.length} declaration(s), new expirations ${Math.min(...m.map((d) => d.newExpiration))} … ${Math.max(...m.map((d) => d.newExpiration))}`,
        ),
        ...bounded
          .filter((b) => wanted.some((w) => w.sectorNumber === b.sector))
          .map((b) => `bounded ${b.sector}: ${b.why}`),
        ...dropped.map((d) => `dropping claim ${d.claim} of sector ${d.sector}`),
        ...skipped.map((s) => `skipped ${s.sector}: ${s.why}`),
      ]
      const json = { Miner: miner, Head: head, Messages: messages, Skipped: skipped, DroppedClaims: dropped }
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
          {
            label: 'ExtendSectorExpiration2',
            kind: `extend-${i}`,
            exid: o.exid,
            pollMs,
            log: stderrLine,
            maxFee,
          },
        )
        sent.push(r.uid)
      }
      report(cmd, { ...json, Sent: sent }, [...plan, `sent ${sent.length} message(s): ${sent.join(', ')}`])
    },
  )
}
