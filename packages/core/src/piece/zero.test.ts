import { describe, expect, it } from 'vitest'
import { isVenusError } from '../errors/index.js'
import { zeroCommitment } from './zero.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

// Anchors: rust-fil-proofs filecoin-proofs/tests/pieces.rs
// `test_compute_comm_d_empty` (128 B, 2 KiB) and FRC-0069 / go-fil-commcid empty32GiB, empty64GiB.
const VECTORS: [number, string][] = [
  [64, 'f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb0b'],
  [128, '3731bb99ac689f66eef5973e4a94da188f4ddcae580724fc6f3fd60dfd488333'],
  [256, '642a607ef886b004bf2c1978463ae1d4693ac0f410eb2d1b7a47fe205e5e750f'],
  [512, '57a2381a28652bf47f6bef7aca679be4aede5871ab5cf3eb2c08114488cb8526'],
  [1 * KiB, '1f7ac9595510e09ea41c460b176430bb322cd6fb412ec57cb17d989a4310372f'],
  [2 * KiB, 'fc7e928296e516faade986b28f92d44a4f24b935485223376a799027bc18f833'],
  [4 * KiB, '08c47b38ee13bc43f41b915c0eed9911a26086b3ed62401bf9d58b8d19dff624'],
  [8 * KiB, 'b2e47bfb11facd941f62af5c750f3ea5cc4df517d5c4f16db2b4d77baec1a32f'],
  [16 * KiB, 'f9226160c8f927bfdcc418cdf203493146008eaefb7d02194d5e548189005108'],
  [32 * KiB, '2c1a964bb90b59ebfe0f6da29ad65ae3e417724a8f7c11745a40cac1e5e74011'],
  [1 * MiB, 'd99887b973573a96e11393645236c17b1f4c7034d723c7a99f709bb4da61162b'],
  [8 * MiB, '65f29e5d98d246c38b388cfc06db1f6b021303c5a289000bdce832a9c3ec421c'],
  [16 * MiB, 'a2247508285850965b7e334b3127b0c042b1d046dc54402137627cd8799ce13a'],
  [512 * MiB, '39560e7b13a93b07a243fd2720ffa7cb3e1d2e505ab3629e79f46313512cda06'],
  [1 * GiB, 'ccc3c012f5b05e811a2bbfdd0f6833b84275b47bf229c0052a82484f3c1a5b3d'],
  [32 * GiB, '077e5fde35c50a9303a55009e3498a4ebedff39c42b710b730d8ec7ac7afa63e'],
  [64 * GiB, 'e64005a6bfe3777953b8ad6ef93f0fca1049b2041654f2a411f7702799cece02'],
]

describe('zeroCommitment', () => {
  it.each(VECTORS)('matches the rust-fil-proofs zero-piece root for %i bytes', (size, root) => {
    expect(hex(zeroCommitment(size))).toBe(root)
  })

  it('is a single zero leaf at 32 bytes', () => {
    expect(zeroCommitment(32)).toEqual(new Uint8Array(32))
  })

  it('returns a copy callers may mutate without corrupting the table', () => {
    const a = zeroCommitment(2048)
    a.fill(1)
    expect(hex(zeroCommitment(2048))).toBe(VECTORS[5]?.[1])
  })

  it.each([0, 16, 100, 3000, -128, 1.5, Number.NaN])('rejects %s', (size) => {
    let caught: unknown
    try {
      zeroCommitment(size)
    } catch (err) {
      caught = err
    }
    expect(isVenusError(caught, 'PIECE_SIZE_INVALID')).toBe(true)
  })
})
