/**
 * The in-flight sector record of the original venus-worker (v0.1.2), as serde_json writes it
 * into its sealing store's RocksDB under `meta/info`: snake_case keys of its own structs, the
 * manager's PascalCase RPC types nested, the state as an index, 32-byte commitments as arrays
 * of numbers, randomness as base64, and filecoin-proofs-api's phase outputs with their default
 * serde form.
 */
import type { WireAllocatedSector, WireDeal, WireSeed, WireTicket } from '@venus-cluster/core'

/** filecoin-proofs-api's `PieceInfo`: the commitment as 32 numbers, the UNPADDED size. */
export interface OriginalPieceInfo {
  commitment: number[]
  size: number
}

/** The phase outputs of the original record. */
export interface OriginalPhases {
  pieces: OriginalPieceInfo[] | null
  ticket: WireTicket | null
  /** filecoin-proofs-api's `SealPreCommitPhase1Output`, kept as the JSON it is. */
  pc1out: unknown
  pc2out: { registered_proof?: string; comm_r: number[]; comm_d: number[] } | null
  pc2_re_submit: boolean
  persist_instance: string | null
  seed: WireSeed | null
  c1out: unknown
  c2out: { proof: number[] } | null
  c2_re_submit: boolean
  snap_encode_out?: unknown
  snap_prov_out?: number[] | null
}

/** The original worker's `Sector`. */
export interface OriginalSector {
  version: number
  plan: string | null
  /** Index into the state enum (the same order as ours). */
  state: number
  prev_state: number | null
  retry: number
  base: { allocated: WireAllocatedSector; prove_input: [number[], number] } | null
  deals: WireDeal[] | null
  finalized: unknown
  phases: OriginalPhases
}

/** The RocksDB key of the record (`PrefixedMetaDB("meta")` + `"info"`). */
export const ORIGINAL_SECTOR_KEY = 'meta/info'
