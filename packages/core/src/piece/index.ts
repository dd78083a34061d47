/**
 * Piece commitments: Fr32 padding, streaming CommP, zero commitments and CommD.
 *
 * @packageDocumentation
 */
export { type CommDPiece, commD, fillSectorPieces } from './commd.js'
export { CommPHasher, type CommPOptions, type CommPResult, commP, commPSync } from './commp.js'
export {
  FR32_PADDED_QUAD,
  FR32_UNPADDED_QUAD,
  fr32Pad,
  fr32PadInto,
  fr32Unpad,
  fr32UnpadInto,
} from './fr32.js'
// Also under piece-specific aliases, since Poseidon trees elsewhere have nodes too.
export {
  hashNode,
  hashNode as hashPieceNode,
  hashNodePairs,
  hashNodePairs as hashPieceNodePairs,
} from './node-hash.js'
export { zeroCommitment } from './zero.js'
