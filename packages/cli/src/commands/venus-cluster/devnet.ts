/**
 * `venus-cluster devnet run`: starts a devnet chain simulator, serves the Lotus (`/rpc/v1`) and
 * messager (`/rpc/v0`) APIs with token auth, prints what to paste into the manager config, and
 * runs until SIGINT/SIGTERM.
 */
import { mockProofs, type ProofsBackend, VenusError } from '@venus-cluster/core'
import { createDevnet, type Devnet, type ServedDevnet, serveDevnet } from '@venus-cluster/devnet'
import { type Command, Option } from 'commander'
import { importProofsNative, PROOFS_NATIVE_PACKAGE } from '../../proofs-native.js'

/** Options of {@link runDevnet}. */
export interface DevnetRunOptions {
  listen: string
  blockTime: string
  proofs: 'mock' | 'native'
  seed: string
  dataDir?: string | undefined
  miners: number
}

/** Parses `500ms`, `2s`, `1m` or a bare number of milliseconds. */
export function parseBlockTime(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim())
  if (m === null)
    throw new VenusError('CLI_USAGE', `--block-time: '${text}' is not a duration like 500ms, 2s or 1m`)
  const n = Number(m[1])
  const ms = m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n
  if (!(ms > 0)) throw new VenusError('CLI_USAGE', '--block-time must be positive')
  return ms
}

function parseListen(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':')
  const host = i > 0 ? text.slice(0, i) : '127.0.0.1'
  const port = Number(i >= 0 ? text.slice(i + 1) : text)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new VenusError('CLI_USAGE', `--listen: '${text}' is not host:port`)
  return { host, port }
}

async function loadProofs(kind: 'mock' | 'native'): Promise<ProofsBackend> {
  if (kind === 'mock') return mockProofs()
  const mod = await importProofsNative<{ nativeProofs?: () => ProofsBackend }>('or use --proofs mock')
  if (typeof mod.nativeProofs !== 'function') {
    throw new VenusError(
      'PROOFS_NATIVE_UNAVAILABLE',
      `${PROOFS_NATIVE_PACKAGE} has no nativeProofs export; use --proofs mock`,
    )
  }
  return mod.nativeProofs()
}

/** What {@link runDevnet} started. */
export interface RunningDevnet {
  devnet: Devnet
  served: ServedDevnet
  miners: { miner: string; owner: string }[]
  stop(): Promise<void>
}

/**
 * Starts a devnet, serves it and creates `miners` test miners.
 *
 * @example
 * ```ts
 * const running = await runDevnet({ listen: '127.0.0.1:0', blockTime: '1s', proofs: 'mock', seed: 'x', miners: 1 })
 * console.log(running.served.chainApiInfo)
 * await running.stop()
 * ```
 */
export async function runDevnet(opts: DevnetRunOptions): Promise<RunningDevnet> {
  const blockTimeMs = parseBlockTime(opts.blockTime)
  const { host, port } = parseListen(opts.listen)
  const devnet = createDevnet({
    seed: opts.seed,
    proofs: await loadProofs(opts.proofs),
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
  })
  await devnet.start()
  // A resumed devnet (--data-dir) keeps its miners; only the missing ones are created.
  const miners = [...devnet.worldAt().miners.values()].map((m) => ({
    miner: devnet.idAddress(m.id),
    owner: devnet.worldAt().accounts.get(m.owner)?.key ?? devnet.idAddress(m.owner),
  }))
  for (let i = miners.length; i < opts.miners; i++) {
    const m = await devnet.createTestMiner()
    miners.push({ miner: m.miner, owner: m.owner })
  }
  const served = await serveDevnet(devnet, { host, port })
  // The block timer starts once the miners exist, so their creation is not raced by the timer.
  const timer = setInterval(() => void devnet.mine(1).catch(() => {}), blockTimeMs)
  return {
    devnet,
    served,
    miners,
    async stop() {
      clearInterval(timer)
      await served.close()
      await devnet.stop()
    },
  }
}

/** Adds `devnet` and `devnet run` to the `venus-cluster` program. */
export function registerDevnetCommands(program: Command): Command {
  const devnet = program.command('devnet').description('a local Filecoin chain simulator for tests and demos')
  devnet
    .command('run')
    .description('run a devnet serving the Lotus and messager APIs until stopped (Ctrl-C)')
    .addOption(new Option('--listen <host:port>', 'address to serve the APIs on').default('127.0.0.1:1234'))
    .addOption(new Option('--block-time <duration>', 'time between tipsets (e.g. 500ms, 4s)').default('1s'))
    .addOption(
      new Option('--proofs <kind>', 'proofs backend verifying seals and PoSts')
        .choices(['mock', 'native'])
        .default('mock'),
    )
    .addOption(
      new Option('--seed <seed>', 'seed of everything random on the devnet').default('venus-cluster-devnet'),
    )
    .addOption(new Option('--data-dir <dir>', 'persist the chain here and resume it on the next run'))
    .addOption(
      new Option('--miners <n>', 'test miners to create at start')
        .argParser((v) => Number.parseInt(v, 10))
        .default(1),
    )
    .action(async (opts: DevnetRunOptions, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json)
      const running = await runDevnet(opts)
      const s = running.served
      const info = {
        chain: s.multiaddr,
        messager: s.multiaddr,
        token: s.adminToken,
        chainApiInfo: s.chainApiInfo,
        messagerApiInfo: s.messagerApiInfo,
        miners: running.miners,
        network: running.devnet.params.networkName,
      }
      if (json) process.stdout.write(`${JSON.stringify(info)}\n`)
      else {
        const lines = [
          `devnet ${info.network} serving on ${s.httpUrl} (messager ${s.messagerUrl})`,
          '',
          'Paste into sector-manager.cfg:',
          '[Chain]',
          `Api = "${info.chain}"`,
          `Token = "${info.token}"`,
          '[Messager]',
          `Api = "${info.messager}"`,
          `Token = "${info.token}"`,
          '',
          `FULLNODE_API_INFO=${info.chainApiInfo}`,
          ...running.miners.map((m) => `miner ${m.miner} (owner/worker ${m.owner})`),
          '',
          'Ctrl-C to stop.',
        ]
        process.stdout.write(`${lines.join('\n')}\n`)
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          resolve()
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
      await running.stop()
    })
  return devnet
}
