/**
 * What `daemon run --poster` / `--miner` add to the manager daemon: a WindowPoSt scheduler per
 * miner with PoSt enabled, and WinningPoSt for block producers (the `Venus.ComputeWinningPoSt`
 * method, and answers to venus-gateway's proof events).
 */
import {
  createChainClient,
  createMessagerClient,
  httpTransport,
  mockProofs,
  type ProofsBackend,
  parseApiInfo,
  type SectorManagerConfig,
  VenusError,
  wsTransport,
} from '@venus-cluster/core'
import type { ManagerNode } from '@venus-cluster/manager'
import {
  type DeadlineLeases,
  onAnyGatewayProofEvent,
  onAnyWindowPoStEvent,
  postResultListener,
  storesLocator,
  type WindowPoStComputer,
  type WindowPoStService,
  type WinningPoStService,
  windowPoStMinersOf,
  windowPoStService,
  winningPoStMinersOf,
  winningPoStService,
} from '@venus-cluster/poster'
import { importProofsNative, proofsBackendLine } from '../../proofs-native.js'

/** Which proofs the poster uses: the native library in production, the mock only on a devnet. */
export type PosterProofs = 'native' | 'mock'

/**
 * Loads the proofs backend. The native package is optional: without its addon the error says
 * how to build it, and the daemon does not start a poster that could not prove.
 */
export async function loadPosterProofs(
  kind: PosterProofs,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<ProofsBackend> {
  if (kind === 'mock') return mockProofs()
  const mod = await importProofsNative<{
    nativeProofs: () => ProofsBackend
    loadProofsAddon: () => unknown
  }>('or pass --proofs mock on a devnet')
  try {
    // The package loads its addon lazily: load it now, so a missing addon stops the start.
    mod.loadProofsAddon()
  } catch (cause) {
    throw new VenusError(
      'PROOFS_NATIVE_UNAVAILABLE',
      `${cause instanceof Error ? cause.message : String(cause)}; or pass --proofs mock on a devnet`,
      { cause },
    )
  }
  const proofs = mod.nativeProofs()
  // Says which build proves and whether on a GPU (a GPU asked for but unusable shows here).
  log(await proofsBackendLine(proofs))
  return proofs
}

/**
 * Starts WindowPoSt for every miner whose `[PoSt]` section is enabled; scheduler events go to
 * `log` and to the daemon's PoSt metrics (which the dashboard shows).
 */
export async function startPoster(opts: {
  file: SectorManagerConfig
  daemon: ManagerNode
  proofs: ProofsBackend
  log: (line: string) => void
  /** Deadline leases (several managers on one database); default: this poster proves every deadline. */
  leases?: DeadlineLeases | undefined
  /** Computes the proofs (PoSt workers with `--worker-prover`); default: locally. */
  compute?: WindowPoStComputer | undefined
}): Promise<WindowPoStService | undefined> {
  const { file, daemon, proofs, log } = opts
  const miners = windowPoStMinersOf(file.miners)
  if (miners.length === 0) {
    log('warn: --poster: no miner has PoSt enabled ([PoSt.Actors] Sender / [Miners.PoSt] Enabled)')
    return undefined
  }
  // ChainNotify is a channel method: it needs a WebSocket (go-jsonrpc has no channels over HTTP).
  const info = parseApiInfo(file.chain.api, { version: 'v1', token: file.chain.token })
  const chain = createChainClient(wsTransport(info.wsUrl, info.token ? { token: info.token } : {}))
  // PoSt, fault and recovery messages go through venus-messager like the manager's other
  // messages (it signs through its wallet and follows reorgs); with no messager configured,
  // through the node's MpoolPushMessage.
  const messagerInfo =
    file.messager.api === ''
      ? undefined
      : parseApiInfo(file.messager.api, { version: 'v0', token: file.messager.token })
  const messager = messagerInfo
    ? createMessagerClient(
        httpTransport(messagerInfo.httpUrl, messagerInfo.token ? { token: messagerInfo.token } : {}),
      )
    : undefined
  const poster = windowPoStService({
    chain,
    proofs,
    locate: storesLocator(file.persistStores.map((s) => s.path)),
    miners,
    messager,
    ...(opts.leases ? { leases: opts.leases } : {}),
    ...(opts.compute ? { compute: opts.compute } : {}),
  })
  onAnyWindowPoStEvent(
    poster.events,
    postResultListener((r) => daemon.metrics.recordPost(r)),
  )
  onAnyWindowPoStEvent(poster.events, (e) =>
    log(`post: ${e.type} ${JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`),
  )
  const closeClients = async () => {
    await chain.close()
    await messager?.close()
  }
  try {
    await poster.start()
  } catch (e) {
    await closeClients()
    throw e
  }
  log(
    `post: WindowPoSt scheduling for ${miners.map((m) => m.miner).join(', ')}; messages through ${messagerInfo ? `the messager at ${messagerInfo.httpUrl}` : "the node's mpool"}`,
  )
  // The poster's own WebSocket to the node must close with it, or the process never exits.
  return {
    schedulers: poster.schedulers,
    events: poster.events,
    start: () => poster.start(),
    async stop() {
      await poster.stop()
      await closeClients()
    },
  }
}

/**
 * Starts answering WinningPoSt requests from venus-gateway (`ListenProofEvent`) for every miner
 * with `[Miners.Proof] Enabled` (seed layout: `[RegisterProof.Actors.<id>]`), on each of its
 * gateway APIs. Says why and starts nothing when no miner qualifies.
 */
export async function startGatewayProofs(opts: {
  file: SectorManagerConfig
  proofs: ProofsBackend
  log: (line: string) => void
}): Promise<WinningPoStService | undefined> {
  const { file, proofs, log } = opts
  for (const m of file.miners) {
    if (m.proof.enabled && m.proof.apis.length === 0)
      log(
        `warn: --miner: t0${m.actor} has WinningPoSt enabled but no venus-gateway API ([Common.API] Gateway)`,
      )
  }
  const miners = winningPoStMinersOf(file.miners)
  if (miners.length === 0) {
    log(
      'warn: --miner: no miner answers venus-gateway ([Miners.Proof] Enabled with [Common.API] Gateway, or [RegisterProof.Actors]); WinningPoSt is served only as Venus.ComputeWinningPoSt',
    )
    return undefined
  }
  const winning = winningPoStService({
    proofs,
    locate: storesLocator(file.persistStores.map((s) => s.path)),
    miners,
  })
  onAnyGatewayProofEvent(winning.events, (e) => log(`winning: ${e.type} ${JSON.stringify(e)}`))
  await winning.start()
  log(`winning: answering venus-gateway proof events for ${miners.map((m) => m.miner).join(', ')}`)
  return winning
}
