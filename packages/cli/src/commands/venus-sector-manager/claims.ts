/**
 * `venus-sector-manager util sealer claims list | extend | remove-expired`: the miner's verified
 * claims (Fil+ data it activated), what they allow a sector's extension, and the two things the
 * actors let a provider's operator do with them.
 *
 * A provider cannot lengthen a claim's term itself: the verified registry lets only the claim's
 * client raise `termMax` (`ExtendClaimTerms`, free, up to five years), or any other client pay
 * DataCap for it (a DataCap transfer with an extension request). `claims extend` therefore sends
 * from a client wallet the messager holds (`--client`), choosing the free path when that wallet
 * is the claim's client. Anyone may remove claims past their term (`RemoveExpiredClaims`).
 */
import {
  type ChainClient,
  DatacapMethod,
  datacapTokens,
  decodeBatchReturn,
  decodeRemoveExpiredClaimsReturn,
  encodeAllocationRequests,
  encodeDatacapTransfer,
  encodeExtendClaimTerms,
  encodeRemoveExpiredClaims,
  idAddress,
  type LotusClaim,
  SingletonActor,
  VERIFIED_POLICY,
  VenusError,
  VerifregMethod,
} from '@venus-cluster/core'
import { type Command, Option } from 'commander'
import { millisecondsArg, uintArg } from '../../args.js'
import { report } from '../../output.js'
import { maxFeeArg, messageOptions, stderrLine } from './actor-common.js'
import { minerContextOf } from './manager-common.js'
import { pushAndWait } from './messager-send.js'

/** A claim with its id. */
export type ClaimRow = LotusClaim & { ID: number; Expired: boolean; MaxSectorExpiration: number }

async function claimsOf(chain: ChainClient, miner: string, head: number): Promise<ClaimRow[]> {
  return Object.entries(await chain.stateGetClaims(miner))
    .map(([id, c]) => ({
      ID: Number(id),
      ...c,
      Expired: head >= c.TermStart + c.TermMax,
      MaxSectorExpiration: c.TermStart + c.TermMax,
    }))
    .sort((a, b) => a.ID - b.ID)
}

/** What `claims extend` will ask for each claim. */
export interface ClaimExtensionPlan {
  /** Claims of the sending client: `ExtendClaimTerms`, no DataCap. */
  terms: { provider: number; claimId: number; termMax: number }[]
  /** Claims of other clients: extensions paid with the sender's DataCap (their sizes). */
  paid: { provider: number; claim: number; termMax: number; size: number }[]
  skipped: { claim: number; why: string }[]
}

/**
 * Plans the extension of `claims` to `termMax` (epochs from each claim's start) for the client
 * actor `client`, as the verified registry allows: a claim's own client may raise it to five
 * years from its start; another client may pay to raise it to five years from now. Expired
 * claims and claims already at least that long are skipped.
 */
export function planClaimExtension(
  claims: readonly ClaimRow[],
  provider: number,
  client: number,
  termMax: number,
  head: number,
): ClaimExtensionPlan {
  const out: ClaimExtensionPlan = { terms: [], paid: [], skipped: [] }
  for (const c of claims) {
    if (c.Expired) {
      out.skipped.push({ claim: c.ID, why: `expired at epoch ${c.MaxSectorExpiration}` })
      continue
    }
    if (c.Client === client) {
      const t = Math.min(termMax, VERIFIED_POLICY.maximumAllocationTerm)
      if (t <= c.TermMax)
        out.skipped.push({ claim: c.ID, why: `term max ${c.TermMax} is already at least ${t}` })
      else out.terms.push({ provider, claimId: c.ID, termMax: t })
      continue
    }
    // Paid by another client: at most five years from now, counted from the claim's start.
    const t = Math.min(termMax, head + VERIFIED_POLICY.maximumAllocationTerm - c.TermStart)
    if (t <= c.TermMax)
      out.skipped.push({ claim: c.ID, why: `term max ${c.TermMax} is already at least ${t}` })
    else out.paid.push({ provider, claim: c.ID, termMax: t, size: c.Size })
  }
  return out
}

/**
 * Adds `claims list | extend | remove-expired` under `util sealer`.
 *
 * @example
 * ```ts
 * registerClaimCommands(sealer)
 * ```
 */
export function registerClaimCommands(sealer: Command): void {
  const claims = sealer.command('claims').description("the miner's verified (Fil+) claims")
  claims
    .command('list')
    .addOption(new Option('--miner <actor>', 'miner actor id (default: the first configured miner)'))
    .option('--expired', 'only claims past their term (removable)', false)
    .description(
      'claims of the miner: client, piece, sector and term; a sector keeping a claim may be extended to its term end',
    )
    .action(async (o: { expired: boolean }, cmd: Command) => {
      const { chain, miner } = await minerContextOf(cmd)
      const head = (await chain.chainHead()).Height
      const list = (await claimsOf(chain, miner, head)).filter((c) => !o.expired || c.Expired)
      report(
        cmd,
        { Miner: miner, Head: head, Claims: list },
        list.length === 0
          ? [`no ${o.expired ? 'expired ' : ''}claims of ${miner}`]
          : [
              `Claims of ${miner} (head ${head}): ${list.length}`,
              'ID\tClient\tSector\tSize\tTermStart\tTermMin\tTermMax\tMaxSectorExpiration\tPiece',
              ...list.map(
                (c) =>
                  `${c.ID}\tt0${c.Client}\t${c.Sector}\t${c.Size}\t${c.TermStart}\t${c.TermMin}\t${c.TermMax}\t${c.MaxSectorExpiration}${c.Expired ? ' (expired)' : ''}\t${c.Data['/']}`,
              ),
            ],
      )
    })

  messageOptions(
    claims
      .command('extend')
      .argument('[claims...]', 'claim ids (or --all)')
      .addOption(new Option('--miner <actor>', 'miner actor id (default: the first configured miner)'))
      .requiredOption('--client <address>', 'client wallet that sends (the messager must hold its key)')
      .option('--all', 'every claim of the miner that has not expired', false)
      .addOption(
        new Option(
          '--term-max <epochs>',
          'new term max, epochs from the claim start (default: five years)',
        ).default(String(VERIFIED_POLICY.maximumAllocationTerm)),
      )
      .addOption(
        new Option('--max-fee <fil>', 'most one message may spend on gas (FIL); 0 = no cap').default('0'),
      )
      .option('--really-do-it', 'send the messages (without it: show the plan)', false)
      .description(
        "raise claims' term max from a client wallet: free for the claim's own client, paid with DataCap otherwise (a provider cannot extend claims itself)",
      ),
  ).action(
    async (
      ids: string[],
      o: {
        client: string
        all: boolean
        termMax: string
        maxFee: string
        reallyDoIt: boolean
        exid: string
        poll: string
      },
      cmd: Command,
    ) => {
      const wanted = ids.map((i) => uintArg(i, '[claims]'))
      if (wanted.length === 0 && !o.all) throw new VenusError('CLI_USAGE', 'give claim ids or --all')
      if (wanted.length > 0 && o.all) throw new VenusError('CLI_USAGE', 'give claim ids or --all, not both')
      const termMax = uintArg(o.termMax, '--term-max')
      if (termMax > VERIFIED_POLICY.maximumAllocationTerm)
        throw new VenusError(
          'CLI_USAGE',
          `--term-max must be at most ${VERIFIED_POLICY.maximumAllocationTerm} (five years)`,
        )
      const maxFee = maxFeeArg(o.maxFee)
      const pollMs = millisecondsArg('--poll', o.poll)
      const { chain, miner, actor, messager } = await minerContextOf(cmd)
      const head = (await chain.chainHead()).Height
      let clientId: number
      try {
        clientId = Number((await chain.stateLookupID(o.client)).slice(2))
      } catch (err) {
        throw new VenusError('CLI_USAGE', `--client ${o.client} has no actor on chain`, { cause: err })
      }
      const all = await claimsOf(chain, miner, head)
      const missing = wanted.filter((id) => !all.some((c) => c.ID === id))
      if (missing.length > 0)
        throw new VenusError('CLI_USAGE', `not claims of ${miner}: ${missing.join(', ')}`, {
          details: { claims: missing },
        })
      const chosen = o.all ? all : all.filter((c) => wanted.includes(c.ID))
      const plan = planClaimExtension(chosen, actor, clientId, termMax, head)
      const datacap = plan.paid.reduce((n, p) => n + p.size, 0)
      if (datacap > 0) {
        const have = (await chain.stateVerifiedClientStatus(o.client)) ?? 0n
        if (have < BigInt(datacap))
          throw new VenusError(
            'INVALID_ARGUMENT',
            `--client ${o.client} has ${have} bytes of DataCap; extending claims of other clients needs ${datacap}`,
          )
      }
      const lines = [
        `Miner: ${miner} (head ${head}); sending from ${o.client} (t0${clientId})`,
        ...plan.terms.map(
          (t) => `claim ${t.claimId}: term max → ${t.termMax} (its client's own claim: no DataCap)`,
        ),
        ...plan.paid.map(
          (p) =>
            `claim ${p.claim}: term max → ${p.termMax} (another client's claim: ${p.size} bytes of DataCap)`,
        ),
        ...plan.skipped.map((s) => `skipped claim ${s.claim}: ${s.why}`),
      ]
      const json = {
        Miner: miner,
        Head: head,
        Client: o.client,
        Terms: plan.terms,
        Paid: plan.paid,
        Skipped: plan.skipped,
      }
      const nothing = plan.terms.length === 0 && plan.paid.length === 0
      if (!o.reallyDoIt || nothing) {
        report(cmd, { ...json, Sent: [] }, [
          ...lines,
          nothing ? 'nothing to extend' : 'nothing sent; pass --really-do-it to send the messages',
        ])
        return
      }
      const addressPrefix = miner.startsWith('f') ? 'f' : 't'
      const sent: string[] = []
      const failed: { claim: number; code: number }[] = []
      const send = { exid: o.exid, pollMs, log: stderrLine, maxFee }
      if (plan.terms.length > 0) {
        const r = await pushAndWait(
          messager,
          {
            To: idAddress(SingletonActor.VerifiedRegistry, addressPrefix),
            From: o.client,
            Value: 0n,
            Method: VerifregMethod.ExtendClaimTerms,
            Params: encodeExtendClaimTerms(plan.terms),
          },
          { ...send, label: 'ExtendClaimTerms', kind: 'extend-claim-terms' },
        )
        sent.push(r.uid)
        for (const f of decodeBatchReturn(r.ret).failCodes)
          failed.push({ claim: plan.terms[f.index]?.claimId ?? -1, code: f.code })
      }
      if (plan.paid.length > 0) {
        const r = await pushAndWait(
          messager,
          {
            To: idAddress(SingletonActor.DataCap, addressPrefix),
            From: o.client,
            Value: 0n,
            Method: DatacapMethod.Transfer,
            Params: encodeDatacapTransfer({
              to: idAddress(SingletonActor.VerifiedRegistry, addressPrefix),
              amount: datacapTokens(datacap),
              operatorData: encodeAllocationRequests({
                allocations: [],
                extensions: plan.paid.map(({ provider, claim, termMax: t }) => ({
                  provider,
                  claim,
                  termMax: t,
                })),
              }),
            }),
          },
          { ...send, label: 'DataCap transfer extending claims', kind: 'extend-claims-datacap' },
        )
        sent.push(r.uid)
      }
      report(cmd, { ...json, Sent: sent, Failed: failed }, [
        ...lines,
        `sent ${sent.length} message(s): ${sent.join(', ')}`,
        ...failed.map((f) => `claim ${f.claim} was not extended (exit code ${f.code})`),
      ])
    },
  )

  messageOptions(
    claims
      .command('remove-expired')
      .argument('[claims...]', 'claim ids (default: every expired claim)')
      .addOption(new Option('--miner <actor>', 'miner actor id (default: the first configured miner)'))
      .option(
        '--really-do-it',
        'send RemoveExpiredClaims from the worker (without it: show what would go)',
        false,
      )
      .description('remove claims past their term (anyone may; it tidies the verified registry)'),
  ).action(async (ids: string[], o: { reallyDoIt: boolean; exid: string; poll: string }, cmd: Command) => {
    const wanted = ids.map((i) => uintArg(i, '[claims]'))
    const pollMs = millisecondsArg('--poll', o.poll)
    const { chain, miner, actor, messager } = await minerContextOf(cmd)
    const head = (await chain.chainHead()).Height
    const expired = (await claimsOf(chain, miner, head)).filter((c) => c.Expired).map((c) => c.ID)
    const notExpired = wanted.filter((id) => !expired.includes(id))
    if (notExpired.length > 0)
      throw new VenusError('CLI_USAGE', `not expired claims of ${miner}: ${notExpired.join(', ')}`)
    const chosen = wanted.length > 0 ? wanted : expired
    if (!o.reallyDoIt || chosen.length === 0) {
      report(cmd, { Miner: miner, Claims: chosen, Sent: [] }, [
        chosen.length === 0
          ? `no expired claims of ${miner}`
          : `would remove claims ${chosen.join(', ')}; pass --really-do-it`,
      ])
      return
    }
    const info = await chain.stateMinerInfo(miner)
    const r = await pushAndWait(
      messager,
      {
        To: idAddress(SingletonActor.VerifiedRegistry, miner.startsWith('f') ? 'f' : 't'),
        From: info.Worker,
        Value: 0n,
        Method: VerifregMethod.RemoveExpiredClaims,
        Params: encodeRemoveExpiredClaims({ provider: actor, claimIds: chosen }),
      },
      { label: 'RemoveExpiredClaims', kind: 'remove-expired-claims', exid: o.exid, pollMs, log: stderrLine },
    )
    const ret = decodeRemoveExpiredClaimsReturn(r.ret)
    report(cmd, { Miner: miner, Claims: chosen, Sent: [r.uid], Results: ret.results }, [
      `removed ${ret.results.successCount} of ${ret.considered.length} claim(s) in ${r.uid}`,
    ])
  })
}
