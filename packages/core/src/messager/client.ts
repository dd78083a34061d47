import type { AddressString, CidJson } from '../chain/types.js'
import { ExitCode } from '../codecs/methods.js'
import { createRpcClient, type RpcClient, type RpcClientOptions } from '../rpc/client.js'
import type { RpcCallOptions, RpcTransport } from '../rpc/types.js'
import {
  type MessageOutcome,
  type MessagerMessage,
  type MessagerReplaceParams,
  type MessagerSendSpec,
  type MessagerUnsignedMessage,
  MessageState,
} from './types.js'

/** Typed `Message.*` calls of venus-messager / sophon-messager (`/rpc/v0`). */
export interface MessagerClient {
  readonly rpc: RpcClient
  call<T = unknown>(method: string, params: unknown[], opts?: RpcCallOptions): Promise<T>
  close(): Promise<void>
  /** Pushes under a caller-chosen unique id; resolves with the id. */
  pushMessageWithId(
    id: string,
    msg: MessagerUnsignedMessage,
    spec?: MessagerSendSpec | null,
    opts?: RpcCallOptions,
  ): Promise<string>
  /** Pushes and resolves with the server-generated id. */
  pushMessage(
    msg: MessagerUnsignedMessage,
    spec?: MessagerSendSpec | null,
    opts?: RpcCallOptions,
  ): Promise<string>
  hasMessageByUid(id: string, opts?: RpcCallOptions): Promise<boolean>
  getMessageByUid(id: string, opts?: RpcCallOptions): Promise<MessagerMessage>
  /** Blocks until landed with more than `confidence` tipsets on top, or failed. Use a signal. */
  waitMessage(id: string, confidence: number, opts?: RpcCallOptions): Promise<MessagerMessage>
  getMessageBySignedCid(cid: CidJson, opts?: RpcCallOptions): Promise<MessagerMessage>
  getMessageByUnsignedCid(cid: CidJson, opts?: RpcCallOptions): Promise<MessagerMessage>
  replaceMessage(params: MessagerReplaceParams, opts?: RpcCallOptions): Promise<CidJson>
  markBadMessage(id: string, opts?: RpcCallOptions): Promise<void>
  walletHas(addr: AddressString, opts?: RpcCallOptions): Promise<boolean>
  hasAddress(addr: AddressString, opts?: RpcCallOptions): Promise<boolean>
}

/** Exit codes damocles retries with more funds or gas. */
const TEMPORARY_EXIT_CODES = new Set<number>([
  ExitCode.SysErrInsufficientFunds,
  ExitCode.SysErrOutOfGas,
  ExitCode.ErrInsufficientFunds,
])

/**
 * Classifies a messager message the way damocles does: on chain with exit 0 → success; exit
 * 6/7/19 → temporary failure; other exits or `FailedMsg` → permanent failure; everything else
 * (including `UnFillMsg` with an estimation `ErrorMsg`) → pending. `confidence` is the number
 * of tipsets wanted on top.
 *
 * @example
 * ```ts
 * const outcome = classifyMessage(await messager.getMessageByUid(id), 5)
 * if (outcome.kind === 'success') console.log('landed at', outcome.height)
 * ```
 */
export function classifyMessage(msg: MessagerMessage, confidence = 0): MessageOutcome {
  if (msg.State === MessageState.FailedMsg) {
    const out: MessageOutcome = { kind: 'permanent-failure', error: msg.ErrorMsg || 'marked bad' }
    if (msg.Receipt !== null) out.receipt = msg.Receipt
    return out
  }
  if (
    (msg.State === MessageState.OnChainMsg || msg.State === MessageState.NonceConflictMsg) &&
    msg.Receipt !== null
  ) {
    if (msg.Confidence < confidence) return { kind: 'pending' }
    const code = msg.Receipt.ExitCode
    if (code === 0) return { kind: 'success', receipt: msg.Receipt, height: msg.Height }
    if (TEMPORARY_EXIT_CODES.has(code))
      return { kind: 'temporary-failure', receipt: msg.Receipt, height: msg.Height }
    return { kind: 'permanent-failure', receipt: msg.Receipt, error: `exit code ${code}` }
  }
  return msg.ErrorMsg ? { kind: 'pending', error: msg.ErrorMsg } : { kind: 'pending' }
}

/**
 * A typed client of venus-messager / sophon-messager. Pass a transport for `/rpc/v0` (or an
 * `RpcClient`).
 *
 * @example
 * ```ts
 * const { httpUrl, token } = parseApiInfo(cfg.Messager, { version: 'v0', token: cfg.Token })
 * const messager = createMessagerClient(httpTransport(httpUrl, { token }))
 * const id = await messager.pushMessageWithId(uid, msg, null)
 * ```
 */
export function createMessagerClient(
  transport: RpcTransport | RpcClient,
  options: RpcClientOptions = {},
): MessagerClient {
  const rpc =
    'transport' in transport && typeof (transport as RpcClient).call === 'function'
      ? (transport as RpcClient)
      : createRpcClient(transport as RpcTransport, options)
  const call = <T>(method: string, params: unknown[], opts?: RpcCallOptions): Promise<T> =>
    rpc.call<T>(`Message.${method}`, params, opts)
  return {
    rpc,
    call,
    close: () => rpc.close(),
    pushMessageWithId: (id, msg, spec = null, o) => call('PushMessageWithId', [id, msg, spec], o),
    pushMessage: (msg, spec = null, o) => call('PushMessage', [msg, spec], o),
    hasMessageByUid: (id, o) => call('HasMessageByUid', [id], o),
    getMessageByUid: (id, o) => call('GetMessageByUid', [id], o),
    waitMessage: (id, confidence, o) => call('WaitMessage', [id, confidence], o),
    getMessageBySignedCid: (cid, o) => call('GetMessageBySignedCid', [cid], o),
    getMessageByUnsignedCid: (cid, o) => call('GetMessageByUnsignedCid', [cid], o),
    replaceMessage: (p, o) => call('ReplaceMessage', [p], o),
    markBadMessage: async (id, o) => {
      await call('MarkBadMessage', [id], o)
    },
    walletHas: (a, o) => call('WalletHas', [a], o),
    hasAddress: (a, o) => call('HasAddress', [a], o),
  }
}
