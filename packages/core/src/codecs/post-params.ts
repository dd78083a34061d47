/**
 * Parameters of the miner's partition maintenance method: `CompactPartitions` (method 19) removes
 * terminated sectors from the named partitions of a deadline and packs the live ones into fewer
 * partitions, so that WindowPoSt proves (and pays gas for) fewer of them.
 */
import { VenusError } from '../errors/index.js'
import { decodeBitfield, encodeBitfield } from './bitfield.js'
import { cborDecode, cborEncode, TupleReader } from './cbor.js'

/** `CompactPartitionsParams`: the deadline and the partition indexes to compact. */
export interface CompactPartitionsParams {
  deadline: number
  /** Partition indexes in the deadline (sent as a bitfield). */
  partitions: number[]
}

/**
 * Encodes `CompactPartitionsParams` (miner method 19): `[deadline: u64, partitions: BitField]`.
 *
 * @example
 * ```ts
 * const params = encodeCompactPartitions({ deadline: 4, partitions: [0, 1, 2] })
 * ```
 */
export function encodeCompactPartitions(params: CompactPartitionsParams): Uint8Array {
  if (!Number.isSafeInteger(params.deadline) || params.deadline < 0)
    throw new VenusError(
      'INVALID_ARGUMENT',
      `deadline must be a non-negative integer, got ${params.deadline}`,
    )
  if (params.partitions.length === 0)
    throw new VenusError('INVALID_ARGUMENT', 'CompactPartitions needs at least one partition')
  const sorted = [...new Set(params.partitions)].sort((a, b) => a - b)
  return cborEncode([params.deadline, encodeBitfield(sorted)])
}

/** Decodes and checks `CompactPartitionsParams`; see {@link encodeCompactPartitions}. */
export function decodeCompactPartitions(bytes: Uint8Array): CompactPartitionsParams {
  const r = TupleReader.of(cborDecode(bytes, 'CompactPartitions params'), 'CompactPartitionsParams', 2)
  const raw = r.bytes(1)
  let partitions: number[]
  try {
    partitions = decodeBitfield(raw)
  } catch (cause) {
    throw new VenusError('CBOR_INVALID', 'CompactPartitionsParams.partitions is not an RLE+ bitfield', {
      cause,
    })
  }
  return { deadline: r.uint(0), partitions }
}
