/**
 * Commitment CIDs as the miner actor checks them: the zero CommD of a CC sector, and the 32
 * bytes of a commitment CID, with failures as actor aborts (exit 16) instead of errors.
 */
import {
  commitmentToCid,
  ExitCode,
  FIL_COMMITMENT_SEALED,
  FIL_COMMITMENT_UNSEALED,
  POSEIDON_BLS12_381_A2_FC1,
  SHA2_256_TRUNC254_PADDED,
  zeroCommitment,
} from '@venus-cluster/core'
import { CID } from 'multiformats/cid'
import { ActorAbort } from './actor-types.js'

const zeroCache = new Map<number, string>()

/** CommD CID of an all-zero sector of `sectorSize` bytes (core's `zeroCommitment` as a CID). */
export function zeroCommDCid(sectorSize: number): string {
  let cid = zeroCache.get(sectorSize)
  if (cid === undefined) {
    try {
      cid = commitmentToCid(zeroCommitment(sectorSize), 'commD').toString()
    } catch (err) {
      throw new ActorAbort(
        ExitCode.ErrIllegalArgument,
        `no zero CommD for size ${sectorSize}: ${(err as Error).message}`,
      )
    }
    zeroCache.set(sectorSize, cid)
  }
  return cid
}

/** The 32-byte digest of a commitment CID of the given kind; aborts (exit 16) on any other CID. */
export function commitmentOf(cidText: string, kind: 'sealed' | 'unsealed', what: string): Uint8Array {
  let cid: CID
  try {
    cid = CID.parse(cidText)
  } catch {
    throw new ActorAbort(ExitCode.ErrIllegalArgument, `${what}: not a CID: ${cidText}`)
  }
  const [codec, hash] =
    kind === 'sealed'
      ? [FIL_COMMITMENT_SEALED, POSEIDON_BLS12_381_A2_FC1]
      : [FIL_COMMITMENT_UNSEALED, SHA2_256_TRUNC254_PADDED]
  if (
    cid.version !== 1 ||
    cid.code !== codec ||
    cid.multihash.code !== hash ||
    cid.multihash.digest.length !== 32
  ) {
    throw new ActorAbort(ExitCode.ErrIllegalArgument, `${what}: ${cidText} is not a ${kind} commitment CID`)
  }
  return cid.multihash.digest
}
