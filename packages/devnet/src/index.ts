/**
 * `@venus-cluster/devnet`: a deterministic in-process Filecoin chain simulator with the power and
 * miner actors (sealing, WindowPoSt, faults), serving the Lotus and messager APIs. Test fixtures
 * (test miners, sectors, deals, a time-control client) are in `@venus-cluster/devnet/testing`.
 *
 * @packageDocumentation
 */
export {
  ActorAbort,
  type ActorRuntime,
  type DevnetProofVerifier,
  type DevnetSealToVerify,
  type PieceActivationParam,
  type PreCommitInfoParam,
  type ProveCommitSectors3Param,
} from './actor-types.js'
export type { CommDFromPieces } from './actors/miner/common.js'
export type { DevnetEvents } from './chain-store.js'
export { zeroCommDCid } from './commitments.js'
export { controlMethodPermissions, controlMethods } from './control-api.js'
export { deadlineInfo, deadlineParams } from './deadline.js'
export {
  createDevnet,
  Devnet,
  type DevnetHeadChange,
  type DevnetMessageInput,
  type DevnetMessageLookup,
  type DevnetOptions,
  type DevnetReceipt,
  type DevnetTipset,
} from './devnet.js'
export { type GasShape, gasForMessage, nextBaseFee } from './gas.js'
export { bitfieldFromJson, bitfieldJson, tipsetJson } from './json.js'
export {
  headChanges,
  lotusMethodPermissions,
  lotusMethods,
} from './lotus-api.js'
export {
  type MessagerEntry,
  messagerMethodPermissions,
  messagerMethods,
} from './messager-api.js'
export type { DevnetStoredMessage } from './messages.js'
export {
  type DevnetParams,
  devnetParams2k,
  devnetParamsShortPeriod,
  maxProveCommitDuration,
} from './params.js'
export {
  decodeMethodParams,
  encodeMethodReturn,
  encodeParams,
  type MethodParams,
  type MethodReturns,
} from './params-codec.js'
export { type ServeDevnetOptions, type ServedDevnet, serveDevnet } from './serve.js'
export type {
  AccountState,
  ActiveSectorState,
  DeadlineState,
  DealState,
  MinerState,
  PartitionState,
  PreCommitState,
  WorldState,
} from './state.js'
export { type DevnetTokens, devnetTokens } from './tokens.js'
export { devnetMethods, devnetTransport } from './transport.js'
export { proofsVerifier } from './verifier.js'
