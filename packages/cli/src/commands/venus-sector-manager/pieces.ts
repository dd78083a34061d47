/**
 * `venus-sector-manager util sealer pieces add | list | remove`: direct data onboarding (DDO) —
 * pieces sealed without a market deal, optionally claiming a client's verified allocation. `add`
 * puts the piece file into the first `[[Common.PieceStores]]` directory (named by its piece CID,
 * where workers fetch it through the manager) after checking its CommP, and queues the piece in
 * the running daemon (`Venus.AddDirectPiece`), which checks the allocation against the chain.
 */
import { createReadStream } from 'node:fs'
import { copyFile, link, mkdir, rename, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { commitmentToCid, commP, VenusError } from '@venus-cluster/core'
import type { WireDirectPieceRecord } from '@venus-cluster/manager'
import { type Command, Option } from 'commander'
import { minerArg, uintArg } from '../../args.js'
import { report } from '../../output.js'
import { type DaemonCall, homeOf, loadConfig } from './manager-common.js'

const line = (p: WireDirectPieceRecord) =>
  `${p.ID}\tt0${p.Miner}\t${p.State}${p.Sector ? `\tsector ${p.Sector}` : ''}\t${p.PieceSize}\t${p.PieceCID['/']}${p.AllocationID ? `\tallocation ${p.AllocationID} (client t0${p.Client})` : ''}${p.Reason ? `\t${p.Reason}` : ''}`

/** Puts `file` into `dir` as `<cid>` (a hard link when it can, else a copy), atomically. */
async function placePieceFile(file: string, dir: string, cid: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  const target = join(dir, cid)
  const there = await stat(target).catch(() => undefined)
  const src = await stat(file)
  if (there !== undefined) {
    if (there.size === src.size) return target
    throw new VenusError(
      'ALREADY_EXISTS',
      `${target} exists with ${there.size} bytes, ${file} has ${src.size}`,
    )
  }
  try {
    await link(file, target)
  } catch {
    const tmp = `${target}.${process.pid}.tmp`
    await copyFile(file, tmp)
    await rename(tmp, target)
  }
  return target
}

/**
 * Adds the `pieces` group under `util sealer`; `call` reaches the running daemon.
 *
 * @example
 * ```ts
 * registerPieceCommands(sealer, (cmd) => daemonCall(listen, home))
 * ```
 */
export function registerPieceCommands(sealer: Command, call: (cmd: Command) => DaemonCall): void {
  const pieces = sealer
    .command('pieces')
    .description('pieces sealed without a market deal (direct data onboarding), optionally verified')
  pieces
    .command('add')
    .argument('<pieceCID>', 'the piece CID (CommP, baga…)')
    .addOption(new Option('--miner <actor>', 'miner actor id (default: the first configured miner)'))
    .option('--file <path>', 'the piece data: checked against the CID and put into the first piece store')
    .option('--skip-commp', 'with --file, do not recompute the CommP (large pieces take minutes)', false)
    .option('--size <bytes>', 'padded piece size (default with --file: from the data)')
    .option('--payload-size <bytes>', 'bytes of payload in the piece file (default with --file: its size)')
    .option('--client <address>', 'client of the verified allocation (with --allocation)')
    .option('--allocation <id>', 'verified allocation id the piece claims when activated')
    .description('queue a piece for sealing, optionally claiming a verified allocation')
    .action(
      async (
        pieceCid: string,
        o: {
          miner?: string
          file?: string
          skipCommp: boolean
          size?: string
          payloadSize?: string
          client?: string
          allocation?: string
        },
        cmd: Command,
      ) => {
        const home = homeOf(cmd)
        const { config } = await loadConfig(home)
        const miner = o.miner !== undefined ? minerArg(o.miner, '--miner') : config.miners[0]?.actor
        if (miner === undefined) throw new VenusError('CLI_USAGE', 'no miner configured; pass --miner')
        if ((o.client === undefined) !== (o.allocation === undefined))
          throw new VenusError('CLI_USAGE', '--client and --allocation go together')
        let size = o.size === undefined ? undefined : uintArg(o.size, '--size')
        let payload = o.payloadSize === undefined ? undefined : uintArg(o.payloadSize, '--payload-size')
        let placed: string | undefined
        if (o.file !== undefined) {
          const file = resolve(o.file)
          const st = await stat(file).catch((err: unknown) => {
            throw new VenusError('CLI_USAGE', `--file ${file}: ${(err as Error).message}`, { cause: err })
          })
          payload ??= st.size
          if (!o.skipCommp) {
            const got = await commP(createReadStream(file))
            const cid = commitmentToCid(got.commP, 'commP').toString()
            if (cid !== pieceCid)
              throw new VenusError(
                'INVALID_ARGUMENT',
                `--file ${file} has piece CID ${cid}, not ${pieceCid}`,
                {
                  details: { field: '--file', computed: cid },
                },
              )
            size ??= got.paddedSize
          }
          const store = config.pieceStores[0]
          if (store === undefined)
            throw new VenusError(
              'CONFIG_MISSING_KEY',
              'no [[Common.PieceStores]] in sector-manager.cfg: workers fetch pieces from there',
              { details: { key: 'Common.PieceStores' } },
            )
          placed = await placePieceFile(file, store.path, pieceCid)
        }
        if (size === undefined) throw new VenusError('CLI_USAGE', '--size is required without --file')
        if (payload === undefined)
          throw new VenusError('CLI_USAGE', '--payload-size is required without --file')
        const allocation =
          o.allocation === undefined
            ? {}
            : { Client: o.client, AllocationID: uintArg(o.allocation, '--allocation') }
        const r = (await call(cmd)('Venus.AddDirectPiece', [
          { Miner: miner, PieceCID: { '/': pieceCid }, PieceSize: size, PayloadSize: payload, ...allocation },
        ])) as WireDirectPieceRecord
        report(cmd, r, [
          ...(placed === undefined ? [] : [`piece file in ${placed}`]),
          `queued direct piece ${r.ID} for t0${r.Miner}${r.AllocationID ? ` claiming allocation ${r.AllocationID}` : ' (unverified)'}`,
        ])
      },
    )
  pieces
    .command('list')
    .addOption(new Option('--miner <actor>', 'only this miner'))
    .addOption(
      new Option('--state <state>', 'only pieces in this state').choices([
        'pending',
        'assigned',
        'sealed',
        'failed',
      ]),
    )
    .description('direct pieces: pending, in a sector, sealed, or given up (with why)')
    .action(async (o: { miner?: string; state?: string }, cmd: Command) => {
      const filter = {
        ...(o.miner === undefined ? {} : { Miner: minerArg(o.miner, '--miner') }),
        ...(o.state === undefined ? {} : { State: o.state }),
      }
      const list = (await call(cmd)('Venus.ListDirectPieces', [filter])) as WireDirectPieceRecord[]
      report(
        cmd,
        list,
        list.length === 0 ? ['no direct pieces'] : ['ID\tMiner\tState\tSize\tPiece', ...list.map(line)],
      )
    })
  pieces
    .command('remove')
    .argument('<id>', 'direct piece id')
    .description('remove a pending or failed direct piece (its file stays in the piece store)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const n = uintArg(id, '<id>')
      await call(cmd)('Venus.RemoveDirectPiece', [n])
      report(cmd, { removed: n }, [`removed direct piece ${n}`])
    })
}
