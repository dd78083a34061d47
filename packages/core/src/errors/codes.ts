/**
 * Every stable error code of venus-cluster, in one place.
 *
 * Codes are part of the public contract: they travel over JSON-RPC and appear in `--json`
 * output, so a code is never renamed or reused. Add new codes at the end of their group.
 *
 * @example
 * ```ts
 * import { ErrorCodes } from '@venus-cluster/core'
 * if (err.code === 'CONFIG_INVALID_VALUE') console.error(err.message)
 * ```
 */
export const ErrorCodes = {
  // generic
  INTERNAL: 'an unexpected internal failure',
  INVALID_ARGUMENT: 'an argument has the wrong type or value',
  NOT_FOUND: 'the requested item does not exist',
  ALREADY_EXISTS: 'the item exists already',
  ABORTED: 'the operation was aborted by its AbortSignal',
  TIMEOUT: 'the operation ran past its time limit',
  UNSUPPORTED: 'the operation is not supported here',
  PERMISSION_DENIED: 'the caller lacks the permission for this call',
  UNAUTHENTICATED: 'the call carries no valid token',
  DEPENDENCY_MISSING: 'an optional package that this feature needs is not installed',
  NOT_STARTED: 'the service is not started (what was asked exists once start() resolves)',

  // codecs
  ADDRESS_INVALID: 'a Filecoin address could not be parsed or encoded',
  CID_INVALID: 'a CID is not a valid commitment CID',
  COMMITMENT_INVALID: 'a commitment is not 32 bytes or not a valid field element',
  BITFIELD_INVALID: 'an RLE+ bitfield is malformed or not minimally encoded',
  CBOR_INVALID: 'CBOR bytes do not decode to the expected layout',
  FIL_AMOUNT_INVALID: 'a FIL amount could not be parsed',
  DURATION_INVALID: 'a Go duration string could not be parsed',
  SECTOR_SIZE_INVALID: 'a sector size is not one Filecoin supports',
  PIECE_SIZE_INVALID: 'a piece size is not a valid padded or unpadded size',
  PROOF_TYPE_INVALID: 'a registered proof id is unknown',
  RANDOMNESS_INVALID: 'randomness inputs are malformed',
  DEADLINE_INVALID: 'deadline arithmetic was given impossible inputs',
  NETWORK_UNKNOWN: 'a network name is not known',

  // config
  CONFIG_NOT_FOUND: 'a configuration file does not exist',
  CONFIG_PARSE: 'a configuration file is not valid TOML',
  CONFIG_INVALID_VALUE: 'a configuration key has a value of the wrong type or range',
  CONFIG_UNKNOWN_KEY: 'a configuration file has a key the schema does not know',
  CONFIG_MISSING_KEY: 'a required configuration key is missing',

  // stores on disk
  STORE_NOT_INITIALIZED: 'a directory has not been prepared as a store',
  STORE_ALREADY_INITIALIZED: 'a directory is prepared as a store already',
  STORE_FULL: 'a store has not enough free space',
  STORE_IO: 'reading or writing a store failed',
  STORE_ORIGINAL_META: "a sealing store holds the original venus-worker's metadata",

  // JSON-RPC
  RPC_PARSE: 'a JSON-RPC request is not valid JSON',
  RPC_INVALID_REQUEST: 'a JSON-RPC request is malformed',
  RPC_METHOD_NOT_FOUND: 'the JSON-RPC method does not exist',
  RPC_INVALID_PARAMS: 'the JSON-RPC params have the wrong count or type',
  RPC_SERVER: 'the JSON-RPC server answered with an error',
  RPC_TRANSPORT: 'the JSON-RPC transport failed',
  RPC_TIMEOUT: 'a JSON-RPC call ran past its timeout',
  RPC_CLOSED: 'the JSON-RPC connection is closed',
  RPC_BODY_TOO_LARGE: 'a JSON-RPC request body is larger than the server accepts',
  API_INFO_INVALID: 'an API info string could not be parsed',
  RPC_BUSY: 'the JSON-RPC server has too much in hand (buffered bodies, calls on a connection); retry later',

  // chain and messager
  CHAIN_ERROR: 'the chain node reported an error',
  ACTOR_NOT_FOUND: 'the actor does not exist on chain',
  MESSAGE_FAILED: 'an on-chain message failed with a non-zero exit code',
  MESSAGE_NOT_FOUND: 'the message is not known',
  INSUFFICIENT_FUNDS: 'the account cannot pay for the message',

  // proofs
  PROOFS_FAILED: 'the proofs library reported a failure',
  PROOFS_INVALID_INPUT: 'inputs to the proofs library are malformed',
  PROOFS_NATIVE_UNAVAILABLE: 'the native proofs addon is not built or cannot load',
  PROOFS_PARAMS_MISSING: 'Groth16 parameters or verifying keys are missing',
  PROOFS_PANIC: 'the native proofs library panicked',

  // manager
  SECTOR_NOT_FOUND: 'the sector is not known to the manager',
  SECTOR_STATE_INVALID: 'the sector is not in a state that allows this call',
  ALLOCATION_EXHAUSTED: 'no sector number is left under the configured maximum',
  MINER_NOT_CONFIGURED: 'the miner is not configured in the manager',
  STORE_DB: 'the manager database failed',
  PERSIST_STORE_UNKNOWN: 'the persist store is not attached to the manager',
  PERSIST_STORE_READ_ONLY: 'the persist store is read-only',
  MARKET_FAILED: 'venus-market answered with something the manager cannot use',
  WORKER_NAME_TAKEN: 'the worker name is registered with another control address',
  WORKER_LIMIT: 'the manager keeps as many workers as it may',

  // worker
  WORKER_THREAD_NOT_FOUND: 'the sealing thread index does not exist',
  WORKER_STATE_INVALID: 'the sealing thread is not in a state that allows this call',
  PROCESSOR_FAILED: 'an external processor failed or died',
  CGROUP_UNAVAILABLE: 'the cgroup for a processor could not be prepared',

  // PoSt
  POST_FAILED: 'WindowPoSt or WinningPoSt generation failed',
  POST_DEADLINE_MISSED: 'the proving window closed before a proof landed',

  // CLI
  CLI_USAGE: 'a command line flag or argument is wrong',
} as const satisfies Record<string, string>

/** A stable error code; see {@link ErrorCodes}. */
export type ErrorCode = keyof typeof ErrorCodes

/** Whether `code` is a known venus-cluster error code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ErrorCodes, code)
}
