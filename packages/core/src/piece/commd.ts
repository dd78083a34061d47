import { VenusError } from '../errors/index.js'
import { hashNode } from './node-hash.js'
import { log2Exact, NODE_SIZE, zeroCommitment, zeroNodeView } from './zero.js'

/** A piece as CommD needs it: its commitment and padded size. */
export interface CommDPiece {
  /** 32-byte CommP. */
  commP: Uint8Array
  /** Padded piece size in bytes, a power of two ≥ 128. */
  paddedSize: number
}

/**
 * The unsealed-sector commitment CommD of `pieces` laid out in order in a sector of
 * `sectorSize` (padded) bytes, as `filecoin-proofs/src/pieces.rs::compute_comm_d` stacks them:
 * each piece starts at the next offset that is a multiple of its own size (the gap is filled with
 * zero pieces, as the proofs library inserts `zero_padding`), and the space after the last piece
 * is filled with zero commitments up to the sector size. No pieces gives the empty-sector CommD.
 *
 * Differences from the Rust function, on inputs it mishandles: a set of pieces that does not fill
 * the sector is padded to the sector size here (Rust returns the root of the smaller stacked
 * tree), and pieces whose alignment gaps push them past the sector end are rejected here (Rust
 * only checks that the sizes sum to at most the sector).
 *
 * @throws VenusError `SECTOR_SIZE_INVALID` for a sector size that is not a power of two ≥ 128;
 *   `PIECE_SIZE_INVALID` for a bad piece size or pieces that do not fit (details name the piece);
 *   `COMMITMENT_INVALID` for a commitment that is not 32 bytes.
 * @example
 * ```ts
 * const a = commPSync(dataA) // paddedSize 1024
 * const b = commPSync(dataB) // paddedSize 512
 * const d = commD([a, b], 2048) // a at 0, b at 1024, zeros at 1536
 * ```
 */
export function commD(pieces: readonly CommDPiece[], sectorSize: number): Uint8Array {
  const sectorLog = log2Exact(sectorSize)
  if (sectorLog < 7) {
    throw new VenusError('SECTOR_SIZE_INVALID', 'commD sector size must be a power of two ≥ 128', {
      details: { sectorSize },
    })
  }
  // Shift-reduce stack of (level, root) of complete aligned subtrees, left to right.
  const levels: number[] = []
  const nodes: Uint8Array[] = []
  const push = (node: Uint8Array, level: number) => {
    let n = node
    let l = level
    while (levels.length > 0 && levels[levels.length - 1] === l) {
      levels.pop()
      n = hashNode(nodes.pop() as Uint8Array, n)
      l++
    }
    levels.push(l)
    nodes.push(n)
  }
  // Fills [from, to) with the largest aligned zero subtrees.
  const fillZeros = (from: number, to: number) => {
    let off = from
    while (off < to) {
      // The largest subtree that starts at `off` is bounded by the alignment of `off`
      // (arithmetic, not `off & -off`, because offsets pass 2^31 in 32 GiB sectors).
      let size = off === 0 ? sectorSize : 2 ** trailingZeros(off)
      while (off + size > to) size /= 2
      const level = Math.log2(size / NODE_SIZE)
      push(zeroNodeView(level), level)
      off += size
    }
  }

  let offset = 0
  pieces.forEach((piece, index) => {
    const l = log2Exact(piece.paddedSize)
    if (l < 7) {
      throw new VenusError('PIECE_SIZE_INVALID', `piece ${index}: padded size must be a power of two ≥ 128`, {
        details: { index, paddedSize: piece.paddedSize },
      })
    }
    if (!(piece.commP instanceof Uint8Array) || piece.commP.length !== NODE_SIZE) {
      throw new VenusError('COMMITMENT_INVALID', `piece ${index}: commP must be 32 bytes`, {
        details: { index, length: piece.commP instanceof Uint8Array ? piece.commP.length : null },
      })
    }
    const start = Math.ceil(offset / piece.paddedSize) * piece.paddedSize
    if (start + piece.paddedSize > sectorSize) {
      throw new VenusError('PIECE_SIZE_INVALID', `piece ${index} does not fit in the sector`, {
        details: {
          index,
          paddedSize: piece.paddedSize,
          alignedOffset: start,
          end: start + piece.paddedSize,
          sectorSize,
        },
      })
    }
    fillZeros(offset, start)
    push(piece.commP, l - 5)
    offset = start + piece.paddedSize
  })
  fillZeros(offset, sectorSize)
  return (nodes[0] as Uint8Array).slice()
}

/**
 * `pieces` followed by the zero pieces that fill the rest of the sector, as lotus and damocles
 * hand pieces to the proofs library: its `compute_comm_d` (and so PC1, C1 and the SnapDeals
 * encoder, which check the data against it) pads the gaps between pieces but not the space
 * after the last one, so a list that does not fill the sector gets a CommD that is not the
 * sector's. The zero pieces are the largest aligned ones, in order. An empty list stays empty
 * (the library answers the empty-sector CommD for it).
 *
 * @throws VenusError as {@link commD} for bad sizes or pieces that do not fit.
 * @example
 * ```ts
 * const filled = fillSectorPieces([{ commP, paddedSize: 1024 }], 2048)
 * // [{ commP, paddedSize: 1024 }, { commP: zeroCommitment(1024), paddedSize: 1024 }]
 * commD(filled, 2048) // the same as commD([{ commP, paddedSize: 1024 }], 2048)
 * ```
 */
export function fillSectorPieces<P extends CommDPiece>(
  pieces: readonly P[],
  sectorSize: number,
): (P | CommDPiece)[] {
  if (pieces.length === 0) return []
  commD(pieces, sectorSize) // validates sizes and fit
  let offset = 0
  for (const p of pieces) offset = Math.ceil(offset / p.paddedSize) * p.paddedSize + p.paddedSize
  const out: (P | CommDPiece)[] = [...pieces]
  while (offset < sectorSize) {
    let size = 2 ** trailingZeros(offset)
    while (offset + size > sectorSize) size /= 2
    out.push({ commP: zeroCommitment(size), paddedSize: size })
    offset += size
  }
  return out
}

function trailingZeros(n: number): number {
  let z = 0
  let x = n
  while (x % 2 === 0) {
    x /= 2
    z++
  }
  return z
}
