/**
 * `venus-sector-manager util …`: chain and miner queries, sealer record management through
 * the running daemon; `storage`, `message` and the sector repairs live in their own files.
 */
import { multiaddr } from '@multiformats/multiaddr'
import {
  addressToBytes,
  decodeCreateMinerReturn,
  encodeCreateMiner,
  formatSectorSize,
  PowerMethod,
  SECTOR_SIZES,
  SingletonActor,
  SubmitResult,
  sealProofFacts,
  sealProofForSectorSize,
  VenusError,
} from '@venus-cluster/core'
import { createVenusMarket, type WireSectorState } from '@venus-cluster/manager'
import { type Command, Option } from 'commander'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { millisecondsArg, minerArg, uintArg } from '../../args.js'
import { report, wantsJson } from '../../output.js'
import { registerActorCommands } from './actor.js'
import { registerClaimCommands } from './claims.js'
import { clientsOf, daemonCall, daemonSectorPages, homeOf, loadConfig } from './manager-common.js'
import { registerMessageCommands } from './message.js'
import { pushAndWait } from './messager-send.js'
import { registerPieceCommands } from './pieces.js'
import { registerProvingCommands } from './proving.js'
import { registerProvingOpsCommands } from './proving-ops.js'
import { registerCleanupCommands } from './sectors-cleanup.js'
import { registerExpirationCommands } from './sectors-expiration.js'
import { registerImportCommands } from './sectors-import.js'
import { registerRebuildCommands } from './sectors-rebuild.js'
import { registerRepairCommands } from './sectors-repair.js'
import { registerSnapCommands } from './snap.js'
import { registerStorageCommands } from './storage.js'
import { registerWorkerRemoteCommands } from './worker-remote.js'
import { registerWdPoStCommands } from './worker-wdpost.js'

/** `--sector-size` values: the sector sizes by name (`2KiB` … `64GiB`). */
const SECTOR_SIZE_NAMES: Record<string, number> = Object.fromEntries(
  SECTOR_SIZES.map((size) => [formatSectorSize(size), size]),
)

/** A libp2p peer id as the miner actor stores it: the multihash bytes. */
function peerIdBytes(text: string): Uint8Array {
  try {
    // Legacy base58btc peer ids (Qm…, 12D3Koo…); otherwise a CIDv1 of the libp2p-key codec.
    const bytes = /^(Qm|1)/.test(text) ? base58btc.baseDecode(text) : CID.parse(text).multihash.bytes
    Digest.decode(bytes)
    return bytes
  } catch (err) {
    throw new VenusError('CLI_USAGE', `--peer: ${JSON.stringify(text)} is not a libp2p peer id`, {
      cause: err,
    })
  }
}

/** A multiaddr in its binary form, as `ChangeMultiaddrs`/`CreateMiner` take it. */
function multiaddrBytes(text: string): Uint8Array {
  try {
    return multiaddr(text).bytes
  } catch (err) {
    throw new VenusError('CLI_USAGE', `--multiaddr: ${JSON.stringify(text)} is not a multiaddr`, {
      cause: err,
    })
  }
}

/** `StateMinerInfo.Multiaddrs` (base64 binary multiaddrs) as text; one that does not parse stays base64. */
function multiaddrTexts(list: unknown): string[] {
  if (!Array.isArray(list)) return []
  return list.map((b64) => {
    try {
      return multiaddr(new Uint8Array(Buffer.from(String(b64), 'base64'))).toString()
    } catch {
      return String(b64)
    }
  })
}

/** Adds the `util` group. */
export function registerUtilCommands(program: Command): Command {
  const util = program.command('util').description('utilities: chain, miner, sealer records, storage')

  const chain = util.command('chain').description('chain queries')
  chain
    .command('head')
    .description('print the chain head')
    .action(async (_o: unknown, cmd: Command) => {
      const { chainClient } = await clientsOf(cmd)
      const head = await chainClient.chainHead()
      report(cmd, { Height: head.Height, Cids: head.Cids }, [
        `${head.Height}: ${head.Cids.map((c) => c['/']).join(', ')}`,
      ])
    })

  chain
    .command('pci')
    .argument('<miner>', 'miner actor id or address')
    .argument('<number>', 'sector number')
    .description("a sector's on-chain precommit info (StateSectorPreCommitInfo) as JSON")
    .action(async (m: string, n: string, _o: unknown, cmd: Command) => {
      const { chainClient, chain } = await clientsOf(cmd)
      const prefix = (await chain.networkParams()).addressPrefix
      const maddr = `${prefix}0${minerArg(m, 'miner')}`
      const number = uintArg(n, 'number')
      const info = await chainClient.stateSectorPreCommitInfo(maddr, number)
      if (info === null)
        throw new VenusError('NOT_FOUND', `no precommit on chain for sector ${number} of ${maddr}`, {
          details: { miner: maddr, number },
        })
      report(cmd, info, [JSON.stringify(info, null, 2)])
    })

  const miner = util.command('miner').description('miner actor queries and creation')
  miner
    .command('info')
    .argument('<miner>', 'miner actor id or address')
    .description('print StateMinerInfo of a miner')
    .action(async (m: string, _o: unknown, cmd: Command) => {
      const { chainClient, chain } = await clientsOf(cmd)
      const prefix = (await chain.networkParams()).addressPrefix
      const info = await chainClient.stateMinerInfo(`${prefix}0${minerArg(m, 'miner')}`)
      report(cmd, info, [
        `Miner: ${prefix}0${minerArg(m, 'miner')}`,
        `Owner: ${String(info.Owner)}`,
        `Worker: ${String(info.Worker)}`,
        `Control: ${JSON.stringify(info.ControlAddresses ?? [])}`,
        `Peer ID: ${typeof info.PeerId === 'string' ? info.PeerId : '-'}`,
        `Multiaddrs: ${multiaddrTexts(info.Multiaddrs).join(' ') || '-'}`,
        `Sector size: ${String(info.SectorSize)}`,
        `WindowPoSt partition sectors: ${String(info.WindowPoStPartitionSectors)}`,
      ])
    })
  miner
    .command('create')
    .description('create a miner actor through the messager and wait for it')
    .requiredOption('--from <address>', 'sender (pays the creation deposit)')
    .requiredOption('--sector-size <size>', `one of ${Object.keys(SECTOR_SIZE_NAMES).join(', ')}`)
    .option('--owner <address>', 'owner (default: --from)')
    .option('--worker <address>', 'worker (default: owner)')
    .option('--peer <id>', 'libp2p peer id of the miner (12D3Koo…, Qm… or a libp2p-key CID)')
    .option(
      '--multiaddr <addr>',
      'libp2p address of the miner, e.g. /ip4/1.2.3.4/tcp/24001 (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .addOption(new Option('--exid <id>', 'extra id making the message uid unique').default(''))
    .addOption(new Option('--poll <ms>', 'messager poll interval').default('30000'))
    .action(
      async (
        o: {
          from: string
          sectorSize: string
          owner?: string
          worker?: string
          peer?: string
          multiaddr?: string[]
          exid: string
          poll: string
        },
        cmd: Command,
      ) => {
        const size = SECTOR_SIZE_NAMES[o.sectorSize]
        if (size === undefined)
          throw new VenusError(
            'CLI_USAGE',
            `--sector-size must be one of ${Object.keys(SECTOR_SIZE_NAMES).join(', ')}`,
          )
        const owner = o.owner ?? o.from
        const worker = o.worker ?? owner
        const { chainClient, messagerClient, chain } = await clientsOf(cmd)
        const prefix = (await chain.networkParams()).addressPrefix
        const params = encodeCreateMiner({
          owner,
          worker,
          windowPoStProofType: sealProofFacts(sealProofForSectorSize(size)).windowPoStProof,
          peer: o.peer === undefined ? new Uint8Array(0) : peerIdBytes(o.peer),
          multiaddrs: (o.multiaddr ?? []).map(multiaddrBytes),
        })
        const deposit = await chainClient.stateMinerCreationDeposit().catch(() => 0n)
        // Re-running with the same --exid resumes waiting for the message already pushed.
        const { ret } = await pushAndWait(
          messagerClient,
          {
            To: `${prefix}0${SingletonActor.Power}`,
            From: o.from,
            Value: deposit,
            Method: PowerMethod.CreateMiner,
            Params: params,
          },
          {
            label: 'CreateMiner',
            kind: 'create-miner',
            exid: o.exid,
            pollMs: millisecondsArg('--poll', o.poll),
            log: (l) => process.stderr.write(`${l}\n`),
          },
        )
        const created = decodeCreateMinerReturn(ret, prefix)
        const robust = Buffer.from(addressToBytes(created.robustAddress)).toString('hex')
        report(cmd, { ID: created.idAddress, Robust: robust }, [`miner created: ${created.idAddress}`])
      },
    )

  const sealer = util.command('sealer').description('sealing records in the running daemon')
  sealer.addOption(new Option('--listen <addr>', 'daemon address').default('127.0.0.1:1789'))
  registerProvingOpsCommands(registerProvingCommands(sealer))
  registerActorCommands(sealer)
  registerClaimCommands(sealer)
  registerPieceCommands(sealer, (cmd) => daemonCall(String(cmd.optsWithGlobals().listen), homeOf(cmd)))
  const sectors = sealer.command('sectors').description('sector state records')
  registerExpirationCommands(sectors)
  const call = (cmd: Command) => daemonCall(String(cmd.optsWithGlobals().listen), homeOf(cmd))
  registerCleanupCommands(sectors, call)
  registerRebuildCommands(sectors, call)
  registerSnapCommands(sealer, call)
  registerImportCommands(sectors)
  registerRepairCommands(sectors, call)
  const line = (s: WireSectorState) =>
    `m-${s.ID.Miner}-n-${s.ID.Number}\tproof=${s.SectorType}\tfinalized=${s.Finalized}${s.AbortReason ? `\taborted: ${s.AbortReason}` : ''}`
  sectors
    .command('list')
    .description('finalized and aborted sectors (offline records)')
    .action(async (_o: unknown, cmd: Command) => {
      // Page by page: a farm's history may hold a million records.
      const json = wantsJson(cmd)
      let n = 0
      for await (const page of daemonSectorPages(call(cmd), 'offline')) {
        const text = json
          ? page.map((s) => JSON.stringify(s)).join(',')
          : page.map((s) => `${line(s)}\n`).join('')
        process.stdout.write(json ? `${n === 0 ? '[' : ','}${text}` : text)
        n += page.length
      }
      if (json) process.stdout.write(n === 0 ? '[]\n' : ']\n')
      else if (n === 0) process.stdout.write('no offline sectors\n')
    })
  sectors
    .command('worker-states')
    .description('sectors being sealed, with the state their worker last reported')
    .action(async (_o: unknown, cmd: Command) => {
      const list: WireSectorState[] = []
      for await (const page of daemonSectorPages(call(cmd), 'online')) list.push(...page)
      report(
        cmd,
        list,
        list.length
          ? list.map((s) => {
              const l = s.LatestState
              return `m-${s.ID.Miner}-n-${s.ID.Number}\t${l ? `${l.Worker.Instance}\t${l.StateChange.Next}${l.Failure ? `\t${l.Failure.Level}: ${l.Failure.Desc}` : ''}` : '(no report yet)'}`
            })
          : ['no sectors in progress'],
      )
    })
  sectors
    .command('restore')
    .argument('<miner>')
    .argument('<number>')
    .option('--force', 'restore even with deals or when not aborted', false)
    .description('move a finalized/aborted record back to sealing')
    .action(async (m: string, n: string, o: { force: boolean }, cmd: Command) => {
      const id = { Miner: minerArg(m, 'miner'), Number: uintArg(n, 'number') }
      await call(cmd)('Venus.RestoreSector', [id, o.force])
      report(cmd, { restored: id }, [`restored m-${id.Miner}-n-${id.Number}`])
    })
  sectors
    .command('abort')
    .argument('<miner>')
    .argument('<number>')
    .option('--reason <text>', 'abort reason', 'aborted from the CLI')
    .description('abort a sector being sealed (its number is never reused)')
    .action(async (m: string, n: string, o: { reason: string }, cmd: Command) => {
      const id = { Miner: minerArg(m, 'miner'), Number: uintArg(n, 'number') }
      await call(cmd)('Venus.ReportAborted', [id, o.reason])
      report(cmd, { aborted: id }, [`aborted m-${id.Miner}-n-${id.Number}`])
    })

  sectors
    .command('terminate')
    .argument('<miner>')
    .argument('<number>')
    .option('--really-do-it', 'confirm: the sector loses its power and its pledge is penalised', false)
    .description('terminate an active sector on chain (queued, sent in a TerminateSectors batch)')
    .action(async (m: string, n: string, o: { reallyDoIt: boolean }, cmd: Command) => {
      const id = { Miner: minerArg(m, 'miner'), Number: uintArg(n, 'number') }
      if (!o.reallyDoIt)
        throw new VenusError(
          'CLI_USAGE',
          `terminating m-${id.Miner}-n-${id.Number} removes its power and burns a termination fee; pass --really-do-it`,
        )
      const res = (await call(cmd)('Venus.TerminateSector', [id])) as { Res: number; Desc: string | null }
      if (res.Res !== SubmitResult.Accepted && res.Res !== SubmitResult.DuplicateSubmit)
        throw new VenusError('INVALID_ARGUMENT', `termination refused: ${res.Desc ?? `result ${res.Res}`}`, {
          details: { sector: id, result: res },
        })
      report(cmd, res, [
        res.Res === SubmitResult.DuplicateSubmit
          ? `termination of m-${id.Miner}-n-${id.Number} was already requested`
          : `termination of m-${id.Miner}-n-${id.Number} queued; follow it with: util sealer sectors terminate-state ${id.Miner} ${id.Number}`,
      ])
    })
  sectors
    .command('terminate-state')
    .argument('<miner>')
    .argument('<number>')
    .description('where a requested termination is: queued, sent, landed')
    .action(async (m: string, n: string, _o: unknown, cmd: Command) => {
      const id = { Miner: minerArg(m, 'miner'), Number: uintArg(n, 'number') }
      const st = (await call(cmd)('Venus.PollTerminateSectorState', [id])) as {
        TerminateCid: { '/': string } | null
        TerminatedAt: number
        AddedHeight: number
      }
      const text =
        st.AddedHeight === 0
          ? 'no termination requested'
          : st.TerminatedAt > 0
            ? `terminated on chain at epoch ${st.TerminatedAt} (message ${st.TerminateCid?.['/'] ?? '?'})`
            : st.TerminateCid
              ? `sent in message ${st.TerminateCid['/']}, waiting for it to land`
              : `queued since epoch ${st.AddedHeight}, waiting for its deadline to be mutable`
      report(cmd, st, [`m-${id.Miner}-n-${id.Number}: ${text}`])
    })

  registerWdPoStCommands(registerWorkerRemoteCommands(util))

  const market = util.command('market').description('deals in venus-market')
  market
    .command('release-deals')
    .requiredOption('--miner <actor>', 'miner actor id the deals belong to')
    .requiredOption(
      '--deal <ids>',
      'deal id to give back to the market (repeatable, or comma-separated)',
      (v: string, prev: string[] = []) => [...prev, ...v.split(',')],
    )
    .description(
      'give deals back to venus-market (UpdateDealStatus Undefine), e.g. those of an aborted sector',
    )
    .action(async (o: { miner: string; deal: string[] }, cmd: Command) => {
      const actor = minerArg(o.miner, 'miner')
      const ids = o.deal.map((d) => {
        const id = uintArg(d.trim(), '--deal')
        if (id === 0) throw new VenusError('CLI_USAGE', '--deal 0 is a filler piece, not a deal')
        return id
      })
      const { config: file } = await loadConfig(homeOf(cmd))
      if (file.market.api === '')
        throw new VenusError('CONFIG_MISSING_KEY', 'sector-manager.cfg names no market ([Common.API] Market)')
      const client = createVenusMarket({
        api: file.market.api,
        ...(file.market.token ? { token: file.market.token } : {}),
      })
      try {
        await client.release(actor, ids)
      } finally {
        await client.close()
      }
      report(cmd, { Miner: actor, Released: ids }, [`released deal(s) ${ids.join(', ')} of t0${actor}`])
    })

  registerStorageCommands(util)
  registerMessageCommands(util)
  return util
}
