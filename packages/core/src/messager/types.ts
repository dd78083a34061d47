import type {
  AddressString,
  Base64,
  BigIntString,
  CidJson,
  LotusMessageReceipt,
  LotusSignature,
  LotusTipSetKey,
} from '../chain/types.js'

/**
 * States of a message in venus-messager / sophon-messager (`State` integer).
 *
 * @example
 * ```ts
 * if (msg.State === MessageState.OnChainMsg) console.log(msg.Receipt?.ExitCode)
 * ```
 */
export const MessageState = {
  UnKnown: 0,
  /** Queued; no nonce/gas/signature yet. Stays here with `ErrorMsg` when estimation keeps failing. */
  UnFillMsg: 1,
  /** Nonce and gas assigned, signed, in the mpool. */
  FillMsg: 2,
  /** Executed; `Receipt`, `Height`, `TipSetKey` set. */
  OnChainMsg: 3,
  /** Marked bad (via `MarkBadMessage`). */
  FailedMsg: 4,
  /** The nonce was used by another message; `Receipt` belongs to that one. */
  NonceConflictMsg: 5,
} as const

/** A message state number; see {@link MessageState}. */
export type MessageStateCode = (typeof MessageState)[keyof typeof MessageState]

/** Name of a message state number (`'OnChainMsg'`), or `'Unknown(n)'`. */
export function messageStateName(state: number): string {
  for (const [name, n] of Object.entries(MessageState)) if (n === state) return name
  return `Unknown(${state})`
}

/** Messager `SendSpec` (lower camel case on the wire). Zeros mean "use the defaults". */
export interface MessagerSendSpec {
  expireEpoch: number
  gasOverEstimation: number
  maxFee: BigIntString
  gasOverPremium: number
  /**
   * Per-gas fee cap (attoFIL), which the original sector manager sends with every message
   * (`MaxFeeCap` of its commitment policy). Messagers whose `SendSpec` lacks the field ignore it.
   */
  maxFeeCap?: BigIntString
}

/** The message fields a client pushes (Lotus `Message` without the output-only CID). */
export interface MessagerUnsignedMessage {
  Version: number
  To: AddressString
  From: AddressString
  Nonce: number
  Value: BigIntString
  GasLimit: number
  GasFeeCap: BigIntString
  GasPremium: BigIntString
  Method: number
  Params: Base64 | null
}

/** A message as the messager stores it (`GetMessageByUid`, `WaitMessage`). */
export interface MessagerMessage extends MessagerUnsignedMessage {
  ID: string
  UnsignedCid: CidJson | null
  SignedCid: CidJson | null
  Signature: LotusSignature | null
  Height: number
  Confidence: number
  Receipt: LotusMessageReceipt | null
  TipSetKey: LotusTipSetKey | null
  Meta: MessagerSendSpec | null
  WalletName: string
  State: number
  ErrorMsg: string
  CreatedAt: string
  UpdatedAt: string
  [extra: string]: unknown
}

/** Params of `Message.ReplaceMessage`. */
export interface MessagerReplaceParams {
  ID: string
  Auto: boolean
  MaxFee: BigIntString
  GasLimit: number
  GasPremium: BigIntString
  GasFeecap: BigIntString
  GasOverPremium: number
}

/** How the cluster should treat a message's current state (damocles classification). */
export type MessageOutcome =
  | { kind: 'pending'; error?: string }
  | { kind: 'success'; receipt: LotusMessageReceipt; height: number }
  | { kind: 'temporary-failure'; receipt: LotusMessageReceipt; height: number }
  | { kind: 'permanent-failure'; receipt?: LotusMessageReceipt; error?: string }
