/**
 * What the manager checks before it serves: the chain node answers (waiting a bounded time for
 * one that is down), every configured miner exists on that chain, and the addresses that send
 * its messages are usable. A start that cannot succeed fails with one error that names the cause
 * and, for config problems, the file, line and key; a node that is merely down is waited for.
 */
import {
  type ConfigKeyRef,
  formatConfigKeyRef,
  isVenusError,
  type Logger,
  type ManagerMinerConfig,
  parseAddress,
  VenusError,
} from '@venus-cluster/core'
import type { ManagerChain, ManagerMessager, ManagerMinerInfo, ManagerNetworkParams } from './chain.js'

/** Codes of failures that may pass on their own: the node is down, slow, or restarting. */
const TRANSIENT = new Set(['RPC_TRANSPORT', 'RPC_TIMEOUT', 'RPC_CLOSED'])

/**
 * Whether a chain or messager failure may pass on its own (connection refused or reset, a time
 * limit, an HTTP answer without JSON such as a proxy's 502). A refused token, an unknown method,
 * a wrong network or an answer the node gave on purpose is not: waiting would not fix it.
 *
 * @example
 * ```ts
 * isTransientChainError(new VenusError('RPC_TRANSPORT', 'connect ECONNREFUSED')) // true
 * ```
 */
export function isTransientChainError(err: unknown): boolean {
  if (isVenusError(err)) return TRANSIENT.has(err.code)
  // Plain errors from a custom transport: only socket-level ones are transient.
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EAI_AGAIN|EPIPE)$/.test(code)
  )
}

/** A message sender to check at start. */
export interface SenderCheck {
  miner: number
  /** What it sends, for messages: `precommit`, `provecommit`, `post`. */
  role: string
  /** The configured address; '' when none is configured. */
  address: string
  /** Whether the miner cannot work without it (a missing one refuses the start). */
  required: boolean
  /** Where it is (or would be) written in the config file. */
  ref?: ConfigKeyRef | undefined
  /** Where the miner is declared: the line named when the sender's own table is not written. */
  minerRef?: ConfigKeyRef | undefined
}

/**
 * The senders of a miner's commit messages: required while it seals new sectors.
 *
 * @example
 * ```ts
 * commitSenders(defaultManagerMinerConfig(1000, 't01001')).map((s) => s.role) // ['precommit', 'provecommit']
 * ```
 */
export function commitSenders(m: ManagerMinerConfig): SenderCheck[] {
  const kinds = [
    ['precommit', m.commitment.pre, m.keys?.preSender],
    ['provecommit', m.commitment.prove, m.keys?.proveSender],
  ] as const
  return kinds.flatMap(([role, k, ref]) => {
    // Every sender of the kind is checked: a message may go from any of them.
    const addresses = k.senders.length > 0 ? k.senders : [k.sender ?? '']
    return addresses.map(
      (address): SenderCheck => ({
        miner: m.actor,
        role,
        address,
        required: m.sector.enabled,
        ref,
        minerRef: m.keys?.actor,
      }),
    )
  })
}

/** Options of {@link checkChainAtStart}. */
export interface ChainStartOptions {
  chain: ManagerChain
  miners: readonly ManagerMinerConfig[]
  /** More senders to check (e.g. the PoSt senders when the poster runs). */
  senders?: readonly SenderCheck[] | undefined
  /**
   * How long to wait for a chain node that does not answer, in ms (default 60 000; 0 = one try).
   * Failures that waiting cannot fix (a refused token, a wrong network, a miner or sender the
   * chain does not know) end the wait at once.
   */
  timeoutMs?: number | undefined
  /** Time limit of one attempt's head read (default 10 000 ms). */
  attemptTimeoutMs?: number | undefined
  /** First wait between attempts (default 500 ms), doubled up to `maxDelayMs` (default 5000). */
  minDelayMs?: number | undefined
  maxDelayMs?: number | undefined
  signal?: AbortSignal | undefined
  log?: Logger | undefined
}

/** What the start learned from the chain. */
export interface ChainStartResult {
  height: number
  params: ManagerNetworkParams
  /** Attempts made (1 when the node answered at once). */
  attempts: number
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })

/**
 * Waits until the chain node answers (head and network), then checks every miner and sender
 * against it. Transient failures are retried with backoff for `timeoutMs`; after that, or at
 * once for a permanent failure, it rejects with a `VenusError` (`TIMEOUT` when the node never
 * answered; the failure's own code otherwise, e.g. `UNAUTHENTICATED`, `NETWORK_UNKNOWN`,
 * `CONFIG_MISSING_KEY`, `CONFIG_INVALID_VALUE`, `ACTOR_NOT_FOUND`).
 *
 * @example
 * ```ts
 * const { params } = await checkChainAtStart({ chain, miners: config.miners, timeoutMs: 60_000 })
 * ```
 */
export async function checkChainAtStart(opts: ChainStartOptions): Promise<ChainStartResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000
  const attemptMs = opts.attemptTimeoutMs ?? 10_000
  const start = Date.now()
  let delay = opts.minDelayMs ?? 500
  const maxDelay = opts.maxDelayMs ?? 5000
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw new VenusError('ABORTED', 'start aborted', { cause: opts.signal.reason })
    const left = timeoutMs - (Date.now() - start)
    try {
      const signal = AbortSignal.any([
        AbortSignal.timeout(Math.max(1, Math.min(attemptMs, left > 0 ? left : attemptMs))),
        ...(opts.signal ? [opts.signal] : []),
      ])
      const { height } = await withSignal(opts.chain.head({ signal }), signal, 'ChainHead')
      const params = await withSignal(opts.chain.networkParams(), signal, 'StateNetworkName')
      await checkMiners(opts.chain, params, opts.miners, opts.senders ?? [], opts.log)
      return { height, params, attempts: attempt }
    } catch (err) {
      if (!isTransientChainError(err)) throw err
      const waited = Date.now() - start
      if (waited >= timeoutMs) {
        throw new VenusError(
          'TIMEOUT',
          `the chain node did not answer for ${Math.round(waited / 1000)} s at start (${(err as Error).message})`,
          { details: { waitedMs: waited, attempts: attempt }, cause: err },
        )
      }
      if (attempt === 1)
        opts.log?.warn(
          { err, waitMs: timeoutMs },
          'the chain node does not answer; waiting for it before serving',
        )
      await sleep(Math.min(delay, timeoutMs - waited), opts.signal)
      delay = Math.min(maxDelay, delay * 2)
    }
  }
}

/** Rejects when `signal` fires first: the chain view may ignore signals on some calls. */
function withSignal<T>(p: Promise<T>, signal: AbortSignal, method: string): Promise<T> {
  if (signal.aborted) return Promise.reject(timeoutError(method))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(timeoutError(method))
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

function timeoutError(method: string): VenusError {
  return new VenusError('RPC_TIMEOUT', `${method} did not answer in time`, { details: { method } })
}

/** `t01000` / `f01000` on the chain's network. */
const actorAddr = (p: ManagerNetworkParams, id: number) => `${p.addressPrefix}0${id}`

/** `file:line: key` of a ref, or a plain description for configs built in code. */
function where(ref: ConfigKeyRef | undefined, fallback: string): string {
  return ref ? formatConfigKeyRef(ref) : fallback
}

async function checkMiners(
  chain: ManagerChain,
  params: ManagerNetworkParams,
  miners: readonly ManagerMinerConfig[],
  extra: readonly SenderCheck[],
  log: Logger | undefined,
): Promise<void> {
  const infos = new Map<number, ManagerMinerInfo>()
  for (const m of miners) {
    try {
      infos.set(m.actor, await chain.minerInfo(m.actor))
    } catch (err) {
      if (isTransientChainError(err)) throw err
      throw new VenusError(
        'ACTOR_NOT_FOUND',
        `${where(m.keys?.actor, `miner ${m.actor}`)}: ${actorAddr(params, m.actor)} is not a miner on the chain node's network (${params.name}): ${(err as Error).message}`,
        { details: { miner: m.actor, network: params.name, ...refDetails(m.keys?.actor) }, cause: err },
      )
    }
  }
  const senders = [...miners.flatMap(commitSenders), ...extra]
  for (const s of senders) {
    const info = infos.get(s.miner) ?? (await chain.minerInfo(s.miner))
    await checkSender(chain, params, s, info, log)
  }
}

function refDetails(ref: ConfigKeyRef | undefined): Record<string, unknown> {
  return ref ? { file: ref.file, line: ref.line, key: ref.key } : {}
}

async function checkSender(
  chain: ManagerChain,
  params: ManagerNetworkParams,
  s: SenderCheck,
  info: ManagerMinerInfo,
  log: Logger | undefined,
): Promise<void> {
  const miner = actorAddr(params, s.miner)
  // A key in a table that is not written has no line: name the line declaring the miner.
  const ref = s.ref && s.ref.line === 0 && s.minerRef ? { ...s.ref, line: s.minerRef.line } : s.ref
  const at = where(ref, `the ${s.role} sender of ${miner}`)
  const allowed = [info.worker, info.owner, ...(info.controlAddresses ?? [])].filter(
    (a): a is string => a !== undefined,
  )
  const who =
    allowed.length > 0
      ? ` (worker ${info.worker ?? '?'}, owner ${info.owner ?? '?'}${info.controlAddresses?.length ? `, control ${info.controlAddresses.join(' ')}` : ''})`
      : ''
  const fail = (code: 'CONFIG_MISSING_KEY' | 'CONFIG_INVALID_VALUE', why: string): never => {
    throw new VenusError(code, `${at}: ${why}`, {
      details: { miner: s.miner, role: s.role, address: s.address, ...refDetails(ref) },
    })
  }
  if (s.address === '') {
    if (!s.required) return
    fail(
      'CONFIG_MISSING_KEY',
      `${miner} seals new sectors but has no ${s.role} sender: set its worker address or a control address${who}`,
    )
  }
  try {
    parseAddress(s.address)
  } catch (err) {
    fail(
      'CONFIG_INVALID_VALUE',
      `${JSON.stringify(s.address)} is not a Filecoin address (${(err as Error).message})`,
    )
  }
  if (s.address[0] !== params.addressPrefix) {
    fail(
      'CONFIG_INVALID_VALUE',
      `${s.address} is a ${s.address[0] === 'f' ? 'mainnet' : 'test network'} address, but the chain node serves ${params.name} (addresses start with ${params.addressPrefix})`,
    )
  }
  if (chain.lookupId === undefined) return
  const id = await chain.lookupId(s.address)
  if (id === null) {
    fail(
      'CONFIG_INVALID_VALUE',
      `no actor has the address ${s.address} on ${params.name} (a new wallet exists on chain once it received funds)`,
    )
  }
  // Compare ID numbers: the node may print them with either prefix.
  const num = (a: string) => a.slice(2)
  if (allowed.length > 0 && !allowed.some((a) => num(a) === num(id as string))) {
    fail(
      'CONFIG_INVALID_VALUE',
      `${s.address} may not send ${s.role} messages for ${miner}: only its worker, owner or a control address may${who}`,
    )
  }
  if (chain.balance === undefined) return
  const balance = await chain.balance(s.address).catch((err: unknown) => {
    if (isTransientChainError(err)) throw err
    return undefined
  })
  if (balance === 0n)
    log?.warn(
      { miner, role: s.role, address: s.address, key: s.ref?.key },
      'sender has no funds: its messages fail until it is funded',
    )
}

/**
 * Asks the messager once whether it answers: a refused token or an endpoint that is not a
 * messager refuses the start (waiting would not fix them); an unreachable one is only logged,
 * since messages wait in the store until it is back (readiness shows it meanwhile).
 *
 * @example
 * ```ts
 * await checkMessagerAtStart(messager, logger)
 * ```
 */
export async function checkMessagerAtStart(messager: ManagerMessager, log?: Logger): Promise<void> {
  try {
    await messager.hasMessageByUid('venus-sector-manager-start-probe')
  } catch (err) {
    if (!isTransientChainError(err)) {
      const msg = (err as Error).message
      throw isVenusError(err)
        ? new VenusError(err.code, `the messager refused the start probe: ${msg}`, {
            details: err.details,
            cause: err,
          })
        : new VenusError('RPC_SERVER', `the messager refused the start probe: ${msg}`, { cause: err })
    }
    log?.warn({ err }, 'the messager does not answer; messages wait in the store until it does')
  }
}
