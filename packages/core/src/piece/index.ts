/**
 * Piece commitments: Fr32 padding, streaming CommP, zero commitments and CommD.
 *
 * @packageDocumentation
 */
export { type CommDPiece, commD, fillSectorPieces } from './commd.js'
export { CommPHasher, type CommPOptions, type CommPResult, commP, commPSync } from './commp.js'
export { fr32Pad, fr32Unpad } from './fr32.js'
// The pair hashing of piece trees (sha256-trunc254), for callers that build their own trees.
export { hashNodePairs as hashPieceNodePairs } from './node-hash.js'
export { zeroCommitment } from './zero.js'
